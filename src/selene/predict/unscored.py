"""The ``.NA`` file of a run: the input lines it could not score, and why.

As in the Selene SDK, ``<prefix>.NA`` holds the unscored input lines as they were written, so
it reads back with the same reader (a BED stays a BED, VCF lines stay VCF lines). Why each line
was left out goes to the run's warning: per reason, how many lines and their line numbers in
the input file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

#: Line numbers listed per reason in the summary; the rest are counted.
_SHOWN = 5


class Unscored:
    """Copies unscorable input lines to an open ``.NA`` file and tallies their reasons.

    Parameters
    ----------
    handle : TextIO
        The ``.NA`` file, open for writing.
    source : str or Path
        The input file (named in the summary).
    """

    def __init__(self, handle: TextIO, source: str | Path) -> None:
        self.handle, self.source = handle, Path(source).name
        self.count = 0
        self._lines: dict[str, list[int]] = {}

    def add(self, line: str, number: int, reason: str) -> None:
        """Copy ``line`` (1-based ``number`` in the input) to the ``.NA`` file, for ``reason``."""
        self.handle.write(line if line.endswith("\n") else line + "\n")
        self.count += 1
        self._lines.setdefault(reason, []).append(number)

    def summary(self) -> str:
        """Say why lines were left out, e.g. ``x.bed: start > end (lines 2, 9)``; ``""``: none."""
        parts = []
        for reason, numbers in self._lines.items():
            shown = ", ".join(map(str, numbers[:_SHOWN]))
            more = f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else ""
            parts.append(f"{reason} (line{'s' * (len(numbers) > 1)} {shown}{more})")
        return f"{self.source}: {'; '.join(parts)}" if parts else ""


def reference_name(reference: object) -> str:
    """Return the reference's file name, for messages (``the reference`` if it has none)."""
    return Path(getattr(reference, "path", "the reference")).name
