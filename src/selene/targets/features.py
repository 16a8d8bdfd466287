"""The features list: names from a list, or from a file with one name per line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["read_features"]


def read_features(features: Sequence[str] | str | Path) -> list[str]:
    """Feature names from a list, or from a file with one name per line.

    Raises
    ------
    FileNotFoundError
        If ``features`` is a path that does not exist.
    ValueError
        If there are no names, or a name is repeated.
    """
    if isinstance(features, str | Path):
        path = Path(features)
        if not path.is_file():
            raise FileNotFoundError(
                f"features file not found: {path} (expected one feature name per line, or pass "
                "a list of names)"
            )
        names = [line.strip() for line in path.read_text().splitlines()]
        names = [n for n in names if n]
        where = f" in {path}"
    else:
        names = [str(f) for f in features]
        where = ""
    if not names:
        raise ValueError(f"the features list is empty{where}: give at least one feature name")
    if len(set(names)) != len(names):
        seen: set[str] = set()
        dup = next(n for n in names if n in seen or seen.add(n))
        raise ValueError(f"feature {dup!r} is listed more than once{where}; names must be unique")
    return names
