"""Rank variants by their predicted effect and plot effects along the genome or a region."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selene.interpret._plotting import get_ax
from selene.interpret.vep_result import VariantScores

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_SEX_AND_MITO = {"X": 0, "Y": 1, "M": 2, "MT": 2}


def chrom_sort_key(chrom: str) -> tuple[int, int, str]:
    """Natural chromosome order: 1, 2, ..., 22, X, Y, M, then other names alphabetically."""
    name = chrom[3:] if chrom.lower().startswith("chr") else chrom
    if name.isdigit():
        return (0, int(name), "")
    if name.upper() in _SEX_AND_MITO:
        return (1, _SEX_AND_MITO[name.upper()], "")
    return (2, 0, name)


def ordered_variants_and_indices(
    labels: Sequence[Sequence[Any]],
) -> tuple[list[tuple[str, int, str, str]], list[int]]:
    """Selene's genomic ordering of variant labels ``(chrom, pos, name, ref, alt)``.

    Returns
    -------
    tuple
        Labels ``(chrom, pos, ref, alt)`` sorted by chromosome (natural order), position, ref and
        alt (ties keep file order), and the index of each in ``labels``.
    """
    keys = []
    for i, label in enumerate(labels):
        if len(label) < 5:
            raise ValueError(f"label {i} must be (chrom, pos, name, ref, alt); got {label!r}")
        chrom, pos, _, ref, alt = label[:5]
        keys.append((chrom_sort_key(str(chrom)), int(pos), str(ref), str(alt), i, str(chrom)))
    keys.sort()
    return [(k[5], k[1], k[2], k[3]) for k in keys], [k[4] for k in keys]


def _as_scores(scores: VariantScores | str | Path) -> VariantScores:
    return scores if isinstance(scores, VariantScores) else VariantScores.from_file(scores)


def _genomic_order(scores: VariantScores) -> np.ndarray:
    ids = scores.ids
    keys = [chrom_sort_key(str(c)) for c in ids["chrom"]]
    rank = {key: r for r, key in enumerate(sorted(set(keys)))}
    chrom_rank = np.array([rank[k] for k in keys], dtype=np.int64)
    ref, alt = ids.get("ref", ""), ids.get("alt", "")
    order = np.lexsort((np.arange(len(ids)), np.asarray(alt, str), np.asarray(ref, str),
                        ids["pos"].to_numpy(), chrom_rank))  # fmt: skip
    return order


def ordered_variants(
    scores: VariantScores | str | Path,
    feature: str | int | None = None,
    *,
    absolute: bool = True,
    ascending: bool = False,
    top: int | None = None,
) -> Any:
    """Variants ranked by their effect on a feature.

    Parameters
    ----------
    scores : VariantScores, str or pathlib.Path
        Loaded VEP scores, or a VEP output file.
    feature : str, int or None
        Feature to rank by; None ranks by each variant's largest ``|score|`` over features.
    absolute : bool
        Rank by ``|score|`` (effects in either direction) rather than the signed score.
    ascending : bool
        Smallest first instead of largest first.
    top : int, optional
        Keep only the first ``top`` variants.

    Returns
    -------
    pandas.DataFrame
        The ID columns, ``score`` (signed), ``rank`` (1 = first) and ``row`` (the variant's row in
        the output file). Ties are broken by genomic order (chromosome, position, ref, alt) then
        file order, so the ranking is deterministic; NaN scores come last.
    """
    scores = _as_scores(scores)
    if top is not None and top < 0:
        raise ValueError(f"top must be a non-negative number of variants; got {top}")
    signed = scores.scores(feature)
    key = np.abs(signed) if absolute else signed.copy()
    key = key if ascending else -key
    key = np.where(np.isnan(key), np.inf, key)
    genomic = np.empty(len(scores), dtype=np.int64)
    genomic[_genomic_order(scores)] = np.arange(len(scores))
    order = np.lexsort((genomic, key))[:top]
    frame = scores.ids.iloc[order].reset_index(drop=True)
    frame["score"] = signed[order]
    frame["rank"] = np.arange(1, len(order) + 1)
    frame["row"] = order
    return frame


def _variant_label(row: dict[str, Any]) -> str:
    name = str(row.get("name", "."))
    if name not in (".", "", "nan"):
        return name
    chrom, pos, ref, alt = (row.get(k, "?") for k in ("chrom", "pos", "ref", "alt"))
    return f"{chrom}:{pos} {ref}>{alt}"


def variant_effect_plot(
    scores: VariantScores | str | Path,
    feature: str | int | None = None,
    *,
    chrom: str | None = None,
    start: int | None = None,
    end: int | None = None,
    absolute: bool = False,
    top: int = 5,
    threshold: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Effect of each variant along a region (or the genome), top hits labelled.

    Parameters
    ----------
    scores : VariantScores, str or pathlib.Path
        Loaded VEP scores, or a VEP output file.
    feature : str, int or None
        Feature to plot; None plots each variant's largest ``|score|`` over features (Selene's
        ``variant_diffs_scatter_plot``).
    chrom : str, optional
        Plot one chromosome with genomic positions on x (optionally ``start`` <= pos < ``end``);
        if None, every variant in genomic order, chromosomes in alternating colours.
    start, end : int, optional
    absolute : bool
        Plot ``|score|``.
    top : int
        Label the ``top`` variants with the largest ``|score|`` (by name, or chrom:pos ref>alt).
    threshold : float, optional
        Draw a horizontal line at this score.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    scores = _as_scores(scores)
    if top < 0:
        raise ValueError(f"top must be a non-negative number of variants; got {top}")
    if len(scores) == 0:
        raise ValueError("no variants to plot")
    if (start is not None or end is not None) and chrom is None:
        raise ValueError("start / end need a chrom: a region is chrom:start-end")
    values = scores.scores(feature)
    values = np.abs(values) if absolute else values
    ids = scores.ids
    if chrom is not None:
        chroms = ids["chrom"].astype(str).to_numpy()
        pos = ids["pos"].to_numpy()
        keep = (
            (chroms == chrom)
            & (pos >= (start or 0))
            & (pos < (end if end is not None else np.inf))
        )
        if not keep.any():
            known = sorted(set(chroms), key=chrom_sort_key)[:5]
            raise ValueError(
                f"no variants in {chrom}:{start or 0}-{end if end is not None else 'end'}; "
                f"chromosomes with variants: {known}"
            )
        rows = np.flatnonzero(keep)
        rows = rows[np.argsort(pos[rows], kind="stable")]
        x = pos[rows].astype(np.float64)
        colors = np.full(len(rows), "C0")
    else:
        rows = _genomic_order(scores)
        x = np.arange(len(rows), dtype=np.float64)
        chroms = ids["chrom"].astype(str).to_numpy()[rows]
        boundaries = np.flatnonzero(np.r_[True, chroms[1:] != chroms[:-1]])
        colors = np.where(np.searchsorted(boundaries, x, side="right") % 2 == 1, "C0", "C7")
    y = values[rows]
    ax = get_ax(ax, figsize=(10.0, 3.5))
    ax.scatter(x, y, c=colors, s=14, linewidths=0)
    ax.axhline(0, color="black", linewidth=0.5)
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", linewidth=1, linestyle="--")
    if chrom is not None:
        ax.set_xlabel(f"{chrom} position")
    else:
        centers = [
            (b + e - 1) / 2
            for b, e in zip(boundaries, np.r_[boundaries[1:], len(rows)], strict=True)
        ]
        ax.set_xticks(centers, [chroms[b] for b in boundaries])
        ax.set_xlabel("variants in genomic order")
    name = (
        "max |score| over features"
        if feature is None
        else str(scores.features[scores.feature_index(feature)])
    )
    kind = f" ({scores.kind})" if scores.kind else ""
    ax.set_ylabel(("|" + name + "|" if absolute and feature is not None else name) + kind)
    magnitude = np.where(np.isnan(y), np.inf, -np.abs(y))
    best = np.lexsort((np.arange(len(y)), magnitude))[:top]
    for i in best:
        if np.isnan(y[i]):
            continue
        row = ids.iloc[rows[i]].to_dict()
        ax.annotate(
            _variant_label(row),
            (x[i], y[i]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
        )
    return ax
