"""Draw score matrices ``(length, alphabet)``: a heatmap of letters x positions, a logo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from selene.interpret._plotting import (
    DNA,
    PROTEIN,
    RNA,
    as_score_matrix,
    check_sequence,
    get_ax,
    position_axis,
    reference_index,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LOGO_ORDERS = {"value": "big_on_top", "alpha": "fixed"}


def heatmap(
    score_matrix: Any,
    sequence: str | None = None,
    *,
    alphabet: str = DNA,
    ax: Axes | None = None,
    mask: Any = None,
    start: int = 0,
    cmap: str = "RdBu_r",
    vmax: float | None = None,
    colorbar: bool = True,
    label: str = "score",
) -> Axes:
    """Heatmap of a score matrix: letters as rows, positions as columns, centred on 0.

    Parameters
    ----------
    score_matrix : array-like, shape (L, A)
        E.g. :func:`selene.interpret.ism_score_matrix` of ``diffs`` output, or one sequence's
        attributions transposed (``attributions[i].T``). NaN entries are drawn grey.
    sequence : str, optional
        The reference sequence (length L); its letters are marked with a dot.
    alphabet : str
        Letters of the columns of ``score_matrix``, drawn top to bottom.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if None.
    mask : array-like of bool, shape (L, A), optional
        Entries to hide (drawn grey), as in Selene.
    start : int
        Position label of row 0, e.g. :attr:`ISMResult.start` (in the record's coordinates
        when the result was loaded with ``offset``), or ``record_start + window_position``.
    cmap : str
        A diverging matplotlib colormap.
    vmax : float, optional
        Colour limit: the scale runs from ``-vmax`` to ``vmax`` (default: the largest
        ``|score|``), so 0 is always the centre colour.
    colorbar : bool
        Draw a colour bar labelled ``label``.
    label : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib as mpl

    scores = as_score_matrix(score_matrix, alphabet, allow_nan=True)
    length, n_letters = scores.shape
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != scores.shape:
            raise ValueError(
                f"mask must have the score matrix's shape {scores.shape}; got {mask.shape}"
            )
        scores = np.where(mask, np.nan, scores)
    if vmax is None:
        finite = np.abs(scores[np.isfinite(scores)])
        vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    elif not vmax > 0:
        raise ValueError(f"vmax must be positive (the scale is -vmax..vmax); got {vmax}")
    colormap = mpl.colormaps[cmap].with_extremes(bad="lightgrey")
    ax = get_ax(ax, figsize=(min(max(4.0, 0.12 * length + 2), 20.0), 0.35 * n_letters + 1.4))
    image = ax.imshow(
        np.ma.masked_invalid(scores.T),
        cmap=colormap,
        vmin=-vmax,
        vmax=vmax,
        aspect="auto",
        interpolation="nearest",
        extent=(start - 0.5, start + length - 0.5, n_letters - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(n_letters), list(alphabet))
    position_axis(ax)
    if sequence is not None:
        sequence = check_sequence(sequence, alphabet, length)
        rows = reference_index(sequence, alphabet)
        known = np.flatnonzero(rows >= 0)
        size = float(np.clip(1500 / length, 1, 25))
        ax.scatter(start + known, rows[known], s=size, c="black", marker="o", linewidths=0)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label, fraction=0.05, pad=0.02)
    return ax


def sequence_logo(
    score_matrix: Any,
    *,
    alphabet: str = DNA,
    ax: Axes | None = None,
    order: str = "value",
    color_scheme: str | Mapping[str, Any] | Sequence[Any] | None = None,
    start: int = 0,
    **kwargs: Any,
) -> Axes:
    """Sequence logo of a score matrix (logomaker); negative scores stack below 0.

    Draw :func:`selene.interpret.reference_importance` for the ISM-weighted logo of the
    reference, the ``diffs`` score matrix itself for the per-letter effect logo, or
    ``(attributions[i] * one_hot[i]).T`` for a gradient attribution logo.

    Parameters
    ----------
    score_matrix : array-like, shape (L, A)
    alphabet : str
        Letters of the columns of ``score_matrix``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if None.
    order : {'value', 'alpha'}
        Stack letters by value (largest outermost) or in alphabet order.
    color_scheme : str, mapping or sequence, optional
        A logomaker scheme name, a ``{letter: colour}`` mapping, or one colour per letter of
        ``alphabet`` (Selene's form). Default: ``classic`` for DNA / RNA, ``chemistry`` for
        protein, a qualitative palette otherwise.
    start : int
        Position label of row 0 (see :func:`heatmap`).
    **kwargs
        Passed to ``logomaker.Logo`` (e.g. ``width``, ``vpad``, ``font_name``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import logomaker
    import pandas as pd

    scores = as_score_matrix(score_matrix, alphabet)
    if order not in LOGO_ORDERS:
        raise ValueError(f"order must be one of {sorted(LOGO_ORDERS)}; got {order!r}")
    scheme = _color_scheme(alphabet, color_scheme)
    length = len(scores)
    frame = pd.DataFrame(scores, columns=list(alphabet), index=np.arange(start, start + length))
    ax = get_ax(ax, figsize=(min(max(4.0, 0.25 * length), 20.0), 2.5))
    logo = logomaker.Logo(
        frame, ax=ax, color_scheme=scheme, stack_order=LOGO_ORDERS[order], **kwargs
    )
    logo.style_spines(visible=False)
    logo.style_spines(spines=["left", "bottom"], visible=True)
    ax.axhline(0, color="black", linewidth=0.5)
    position_axis(ax)
    return ax


def _color_scheme(
    alphabet: str, scheme: str | Mapping[str, Any] | Sequence[Any] | None
) -> str | dict[str, Any]:
    if isinstance(scheme, str):
        return scheme
    if isinstance(scheme, Mapping):
        missing = sorted(set(alphabet) - set(scheme))
        if missing:
            raise ValueError(f"color_scheme has no colour for letters {missing}")
        return dict(scheme)
    if scheme is not None:
        colors = list(scheme)
        if len(colors) < len(alphabet):
            raise ValueError(
                f"color_scheme lists {len(colors)} colours for the {len(alphabet)} letters of "
                f"{alphabet!r}; give one per letter"
            )
        return dict(zip(alphabet, colors, strict=False))
    if set(alphabet) <= set(DNA + RNA):
        return "classic"
    if set(alphabet) <= set(PROTEIN):
        return "chemistry"
    import matplotlib as mpl

    palette = mpl.colormaps["tab20"]
    return {letter: palette(i % 20) for i, letter in enumerate(alphabet)}
