"""Feature-name lists: a list of names, or a text file with one name per line.

The one reader of a features list, for targets, samplers, predictions and their plots. Names
in a file are stripped of surrounding whitespace and its blank lines are skipped (a blank line
is not a name); names in a list are kept as given, and a blank one is refused. The order is the
model's output order, so a repeated name is refused: two outputs with one name cannot be told
apart in the files written or in the plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["read_features"]


def read_features(features: Sequence[str] | str | Path) -> list[str]:
    """Feature names from a list, or from a text file with one name per line.

    Parameters
    ----------
    features : sequence of str, str or Path
        The names, or the path of a plain-text file holding one name per line.

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError
        If ``features`` is a path that does not exist.
    ValueError
        If there are no names, a name in a list is blank, or a name is repeated (naming the
        file and both lines, or both positions in a list).
    """
    if isinstance(features, str | Path):
        path = Path(features)
        if not path.is_file():
            raise FileNotFoundError(
                f"features file not found: {path} (expected one feature name per line, or pass "
                "a list of names)"
            )
        with path.open(encoding="utf-8") as handle:
            numbered = [(n, line.strip()) for n, line in enumerate(handle, start=1)]
        entries = [(f"line {n}", name) for n, name in numbered if name]
        where = f" in {path}"
    else:
        entries = [(f"position {i}", str(name)) for i, name in enumerate(features)]
        blank = next((at for at, name in entries if not name.strip()), None)
        if blank is not None:
            raise ValueError(f"feature names must not be blank; the name at {blank} is blank")
        where = ""
    if not entries:
        raise ValueError(f"the features list is empty{where}: give at least one feature name")
    first: dict[str, str] = {}
    for at, name in entries:
        if name in first:
            raise ValueError(
                f"feature {name!r} is listed more than once{where} ({first[name]} and {at}); "
                "names must be unique"
            )
        first[name] = at
    return [name for _, name in entries]
