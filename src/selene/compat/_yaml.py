"""Read a Selene SDK YAML: its ``!obj:`` and ``!import`` tags, with the line of every key.

Selene reads its configs with a pylearn2-style loader: ``!obj:pkg.Class {...}`` builds an
object from keyword arguments and ``!import pkg.name`` (or ``!import:pkg.name``) imports a name.
Here nothing is built or imported: the tags become :class:`Obj` and :class:`Import` records that
the mappers translate, and every mapping remembers the line of each key, so that an error can
say ``file:line``. PyYAML does the parsing (a hand-written reader would miss YAML's corners).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Import", "Obj", "SeleneMap", "load_selene_yaml"]

_ENV = re.compile(r"\$\{(\w+)\}")


class SeleneMap(dict):
    """A YAML mapping that knows the line of each key (``lines``) and its own (``line``)."""

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """Return the 1-based line of ``key``, else of the mapping itself."""
        return self.lines.get(key, self.line)


@dataclass
class Obj:
    """``!obj:name {args}``: the object Selene would build (``name`` is the dotted path)."""

    name: str
    args: SeleneMap = field(default_factory=SeleneMap)
    line: int = 0

    @property
    def cls(self) -> str:
        """The class or function name, without its module (``IntervalsSampler``)."""
        return self.name.rsplit(".", 1)[-1]


@dataclass
class Import:
    """``!import name``: the Python object Selene would import (a metric function, ...)."""

    name: str
    line: int = 0


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, plus Selene's tags and line-aware mappings."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> SeleneMap:
    loader.flatten_mapping(node)
    out = SeleneMap(line=node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise ValueError(
                f"{loader.name}:{line}: key {key!r} is given twice in the mapping at line "
                f"{out.line} (YAML keeps only the last); remove one"
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _obj(loader: _Loader, suffix: str, node: yaml.Node) -> Obj:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return Obj(suffix, _mapping(loader, node), line)
    if isinstance(node, yaml.ScalarNode) and node.value == "":
        return Obj(suffix, SeleneMap(line=line), line)
    raise ValueError(
        f"{loader.name}:{line}: !obj:{suffix} takes a mapping of keyword arguments "
        "({key: value, ...})"
    )


def _import(loader: _Loader, suffix: str, node: yaml.Node) -> Import:
    line = node.start_mark.line + 1
    name = suffix.lstrip(":") or (node.value if isinstance(node, yaml.ScalarNode) else "")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{loader.name}:{line}: !import needs a dotted name (!import pkg.name)")
    return Import(name.strip(), line)


def _unknown_tag(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    tag = node.tag
    raise ValueError(
        f"{loader.name}:{node.start_mark.line + 1}: the tag {tag!r} is not one Selene's configs "
        "use (!obj:, !import); replace it by a plain value"
    )


def _string(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Selene substitutes ${VAR} from the environment; OmegaConf spells it ${oc.env:VAR}
    return _ENV.sub(r"${oc.env:\1}", loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor("tag:yaml.org,2002:str", _string)
_Loader.add_multi_constructor("!obj:", _obj)
_Loader.add_multi_constructor("!import", _import)
_Loader.add_multi_constructor("!", _unknown_tag)


def load_selene_yaml(path: str | Path) -> SeleneMap:
    """Read a Selene SDK config file.

    Parameters
    ----------
    path : str or Path
        The YAML file, as given to Selene's ``load_path``.

    Returns
    -------
    SeleneMap
        The top-level mapping; ``!obj:`` values are :class:`Obj`, ``!import`` values
        :class:`Import`, mappings :class:`SeleneMap` (with the line of each key).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not valid YAML (with the line, as Selene would fail too), is not a
        mapping, or uses a tag Selene does not.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such Selene config file")
    text = path.read_text()
    loader = _Loader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ValueError(
            f"{where}: not valid YAML ({error.problem}); Selene cannot read it either: fix the "
            "file (a missing ',' at the end of the line before is the usual cause in {...})"
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, SeleneMap):
        raise ValueError(f"{path}: a Selene config is a mapping of keys (ops, model, ...)")
    return data
