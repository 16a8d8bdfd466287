"""Where a Selene key came from: ``file:line`` for errors and for the notes the log keeps."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selene.compat._yaml import Obj, SeleneMap

__all__ = ["Source", "put"]

log = logging.getLogger("selene.compat")


@dataclass
class Source:
    """The Selene config being converted, and the notes about keys mapped loosely or dropped.

    Attributes
    ----------
    path : Path
        The Selene YAML.
    notes : list of str
        ``file:line: `key` ...`` lines, each also logged at INFO.
    """

    path: Path
    notes: list[str] = field(default_factory=list)

    def where(self, mapping: SeleneMap | Obj | None = None, key: str | None = None) -> str:
        """``file:line`` of ``key`` in ``mapping`` (or of the mapping, or the file alone)."""
        if isinstance(mapping, Obj):
            mapping = mapping.args
        if mapping is None:
            return str(self.path)
        line = mapping.line_of(key) if key is not None else mapping.line
        return f"{self.path}:{line}" if line else str(self.path)

    def error(
        self, mapping: SeleneMap | Obj | None, key: str | None, name: str, problem: str, fix: str
    ) -> ValueError:
        """Return a ``ValueError`` naming the key, where it is, what is wrong and the fix."""
        return ValueError(f"{self.where(mapping, key)}: `{name}` {problem}; {fix}")

    def note(self, mapping: SeleneMap | Obj | None, key: str | None, name: str, text: str) -> None:
        """Record (and log) how the key ``name`` was mapped, or why it was dropped."""
        line = f"{self.where(mapping, key)}: `{name}` {text}"
        self.notes.append(line)
        log.info("%s", line)


def put(config: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``config[a][b][c] = value`` for ``dotted="a.b.c"``, making the dicts on the way."""
    *parents, last = dotted.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
