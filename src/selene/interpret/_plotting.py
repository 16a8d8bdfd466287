"""Checks and helpers shared by the plot functions: score matrices, alphabets, axes, files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DNA = "ACGT"
RNA = "ACGU"
PROTEIN = "ACDEFGHIKLMNPQRSTVWY"
UNKNOWN = frozenset(
    "NX"
)  # letters of unknown bases / residues: allowed in a sequence, never scored
SAVE_FORMATS = (".png", ".svg", ".pdf")


def check_alphabet(alphabet: str) -> str:
    """Return ``alphabet`` if it is a non-empty string of distinct letters, else raise."""
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise ValueError(
            f"alphabet must be a non-empty string of distinct letters (e.g. {DNA!r}, {RNA!r}, "
            f"{PROTEIN!r}); got {alphabet!r}"
        )
    return alphabet


def as_score_matrix(
    score_matrix: Any, alphabet: str = DNA, *, allow_nan: bool = False, name: str = "score matrix"
) -> np.ndarray:
    """Validate a score matrix of shape ``(length, len(alphabet))`` and return it as float64.

    Accepts numpy arrays, CPU/GPU torch tensors and pandas DataFrames (whose columns must then be
    the letters of ``alphabet``, in order).
    """
    alphabet = check_alphabet(alphabet)
    columns = getattr(score_matrix, "columns", None)
    if columns is not None:
        letters = "".join(str(c) for c in columns)
        if letters != alphabet:
            raise ValueError(
                f"{name} columns {list(columns)} do not match the alphabet {alphabet!r}; "
                f"pass alphabet={letters!r} or reorder the columns"
            )
    if hasattr(score_matrix, "detach"):  # a torch tensor, maybe on a GPU or requiring grad
        score_matrix = score_matrix.detach().cpu().numpy()
    matrix = np.array(score_matrix, dtype=np.float64)
    n = len(alphabet)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] != n:
        hint = ""
        if matrix.ndim == 2 and matrix.shape[0] == n:
            hint = "; it looks transposed: attributions are (alphabet, length), pass `.T`"
        elif matrix.ndim == 3:
            hint = "; pass one sequence at a time, e.g. `attributions[i].T`"
        raise ValueError(
            f"{name} must have shape (length, {n}) for alphabet {alphabet!r}; "
            f"got shape {matrix.shape}{hint}"
        )
    bad = ~np.isfinite(matrix) if not allow_nan else np.isinf(matrix)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} holds a non-finite value {matrix[row, col]} at position {row}, "
            f"letter {alphabet[col]!r}; mask or drop it first"
        )
    return matrix


def check_sequence(sequence: str, alphabet: str, length: int) -> str:
    """Upper-case ``sequence`` and check it matches a score matrix's alphabet and length."""
    if not isinstance(sequence, str):
        raise TypeError(f"sequence must be a str; got {type(sequence).__name__}")
    sequence = sequence.upper()
    if len(sequence) != length:
        raise ValueError(
            f"sequence has {len(sequence)} letters but the score matrix has {length} positions; "
            "pass the sequence the scores were computed on"
        )
    stray = sorted(set(sequence) - set(alphabet) - UNKNOWN)
    if stray:
        raise ValueError(
            f"sequence holds letters {stray} outside the alphabet {alphabet!r} "
            f"(unknown letters {sorted(UNKNOWN)} are allowed); check the alphabet"
        )
    return sequence


def reference_index(sequence: str, alphabet: str) -> np.ndarray:
    """Column of each reference letter in ``alphabet``, -1 for unknown letters; shape (L,)."""
    lookup = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(alphabet):
        lookup[ord(letter)] = i
    codes = np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)
    return lookup[codes]


def get_ax(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def position_axis(ax: Axes) -> None:
    """Label the x axis ``position`` with whole positions, written out in full.

    Matplotlib would write record coordinates such as 1,000,005 as ``5`` plus a ``+1e6`` in
    the corner, and a short span at half positions.
    """
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel("position")


def save_figure(figure: Axes | Figure, path: str | Path, *, dpi: int = 150, **kwargs: Any) -> Path:
    """Save the figure holding ``figure`` (an Axes or a Figure) as PNG, SVG or PDF.

    Parameters
    ----------
    figure : matplotlib.axes.Axes or matplotlib.figure.Figure
        What a plot function returned, or its figure.
    path : str or pathlib.Path
        Output file; its suffix (``.png``, ``.svg`` or ``.pdf``) picks the format. Missing parent
        directories are created.
    dpi : int
        Resolution of PNG output.
    **kwargs
        Passed to ``Figure.savefig``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    if path.suffix.lower() not in SAVE_FORMATS:
        raise ValueError(
            f"cannot save a figure as {path.name!r}: use one of the suffixes {SAVE_FORMATS}"
        )
    fig = getattr(figure, "figure", figure)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"expected a matplotlib Axes or Figure; got {type(figure).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("bbox_inches", "tight")
    fig.savefig(path, dpi=dpi, **kwargs)
    return path
