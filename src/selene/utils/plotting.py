"""ROC and precision-recall curve figures of an evaluation pass.

Every feature's curve is drawn light grey; with the features' scores given, the best and the
worst feature are drawn in colour and named, with their score, in the legend, and the title
carries the macro score. The precision-recall plot also draws the precision of a model without
skill, each feature's prevalence (positives / labelled examples): one dashed line per feature up
to :data:`MAX_BASELINE_LINES` features, above that a band from the lowest to the highest
prevalence with a dashed line at the median (hundreds of lines would merge into a grey smear);
the best and worst features' baselines are dashed lines in their colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from torch import Tensor

__all__ = ["MAX_BASELINE_LINES", "draw_curves", "plot_curves"]

_MAX_POINTS = 2000  # per curve: keeps files small for big test sets, invisible at plot scale
#: Above this many features the precision-recall baselines are drawn as one band.
MAX_BASELINE_LINES = 20
BEST_COLOR, WORST_COLOR = "tab:blue", "tab:red"
_KINDS = {"roc": ("ROC", "AUROC"), "pr": ("Precision-recall", "AUPRC")}
_MAX_NAME = 40  # legend characters of a feature name


def plot_curves(
    curves: Sequence[tuple[Tensor | np.ndarray, Tensor | np.ndarray]],
    path: str | Path,
    kind: str,
    title: str | None = None,
    *,
    names: Sequence[str] | None = None,
    scores: Sequence[float] | None = None,
    prevalence: Sequence[float] | None = None,
) -> Path:
    """Draw one curve per feature on a single plot and save it (see :func:`draw_curves`).

    Parameters
    ----------
    curves : sequence of (x, y)
        ``(fpr, tpr)`` for ROC, ``(recall, precision)`` for precision-recall.
    path : str or Path
        Output image (the suffix picks the format, e.g. ``.png``).
    kind : {"roc", "pr"}
        Sets the axis labels and the chance line.
    title : str, optional
        Figure title; by default the kind, the number of features and the macro score.
    names, scores, prevalence : sequence, optional
        Per curve: the feature's name, its AUROC (ROC) or AUPRC (PR), its prevalence (PR).

    Returns
    -------
    Path
    """
    fig = Figure(figsize=(5, 5), dpi=150)
    draw_curves(fig.add_subplot(), curves, kind, title, names=names, scores=scores,
                prevalence=prevalence)  # fmt: skip
    path = Path(path)
    fig.savefig(path, bbox_inches="tight")
    return path


def draw_curves(
    ax: Axes,
    curves: Sequence[tuple[Tensor | np.ndarray, Tensor | np.ndarray]],
    kind: str,
    title: str | None = None,
    *,
    names: Sequence[str] | None = None,
    scores: Sequence[float] | None = None,
    prevalence: Sequence[float] | None = None,
) -> Axes:
    """Draw the curves of :func:`plot_curves` on ``ax``.

    Artists carry a ``gid``: ``curves`` (the grey ones), ``best`` and ``worst``, ``chance``
    (ROC), ``baseline`` (the per-feature lines or the band), ``baseline_median`` (band only),
    ``best_baseline`` and ``worst_baseline``.

    Raises
    ------
    ValueError
        If ``kind`` is not ``roc`` or ``pr``, or ``names``, ``scores`` or ``prevalence`` do
        not hold one entry per curve.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'roc' or 'pr', got {kind!r}")
    n = len(curves)
    for label, values in (("names", names), ("scores", scores), ("prevalence", prevalence)):
        if values is not None and len(values) != n:
            raise ValueError(
                f"{label} holds {len(values)} entries for {n} curves; give one per curve "
                "(the scored features, FeatureCurves.index)"
            )
    segments = [_thin(np.column_stack([np.asarray(x), np.asarray(y)])) for x, y in curves]
    alpha = 0.6 if n <= 10 else max(0.1, 2 / n**0.5)
    grey = LineCollection(segments, colors="0.55", alpha=alpha, linewidths=0.8, gid="curves")
    ax.add_collection(grey)
    name, metric = _KINDS[kind]
    if kind == "roc":
        ax.plot([0, 1], [0, 1], ls=":", color="black", lw=0.8, label="chance", gid="chance")
        ax.set(xlabel="False positive rate", ylabel="True positive rate")
    else:
        ax.set(xlabel="Recall", ylabel="Precision")
        if prevalence is not None and n:
            _draw_baselines(ax, np.asarray(prevalence, dtype=float))
    picks = _best_and_worst(scores) if n else []
    labels = [str(x) for x in names] if names is not None else [f"feature {i}" for i in range(n)]
    for role, i, color in picks:
        score = float(scores[i])  # type: ignore[index]
        text = f"{_short(labels[i])} ({metric} {score:.3f})"
        label = text if len(picks) == 1 else f"{role}: {text}"
        x, y = segments[i].T
        ax.plot(x, y, color=color, lw=1.8, label=label, gid=role, zorder=3)
        if kind == "pr" and prevalence is not None:
            p = float(prevalence[i])
            ax.axhline(p, color=color, ls="--", lw=1.2, gid=f"{role}_baseline",
                       label=f"{_short(labels[i])} no skill: precision {p:.3f}")  # fmt: skip
    default = f"{name} curves ({n} feature{'' if n == 1 else 's'})"
    if scores is not None and n:
        default += f"\nmacro {metric} {_macro(scores):.3f}"
    ax.set(xlim=(0, 1), ylim=(0, 1.05), title=title or default)
    if not n:
        ax.text(0.5, 0.5, "no feature with enough positives", ha="center", va="center")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize="small",
                  frameon=False)  # fmt: skip
    return ax


def _draw_baselines(ax: Axes, prevalence: np.ndarray) -> None:
    """Each feature's no-skill precision: dashed lines, or a min-max band and its median."""
    if len(prevalence) <= MAX_BASELINE_LINES:
        lines = [np.array([[0.0, p], [1.0, p]]) for p in prevalence]
        label = "no skill: each feature's prevalence"
        style = {"colors": "0.45", "alpha": 0.45, "linewidths": 0.8, "linestyles": "--"}
        ax.add_collection(LineCollection(lines, label=label, gid="baseline", **style))
        return
    low, high, median = prevalence.min(), prevalence.max(), float(np.median(prevalence))
    # above the grey curves (which would hide it), below the named ones
    ax.axhspan(low, high, color="0.3", alpha=0.2, lw=0, zorder=2.5, gid="baseline",
               label=f"no skill: prevalence {low:.3f}-{high:.3f}")  # fmt: skip
    ax.axhline(median, color="black", ls="--", lw=0.9, zorder=2.6, gid="baseline_median",
               label=f"median prevalence {median:.3f}")  # fmt: skip


def _best_and_worst(scores: Sequence[float] | None) -> list[tuple[str, int, str]]:
    """``(role, curve index, colour)`` of the best and worst scored curves (one if equal)."""
    if scores is None:
        return []
    values = np.asarray(scores, dtype=float)
    if np.isnan(values).all():
        return []
    best, worst = int(np.nanargmax(values)), int(np.nanargmin(values))
    if best == worst or values[best] == values[worst]:
        return [("best", best, BEST_COLOR)]
    return [("best", best, BEST_COLOR), ("worst", worst, WORST_COLOR)]


def _macro(scores: Sequence[float]) -> float:
    values = np.asarray(scores, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else math.nan


def _short(name: str) -> str:
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 3] + "..."


def _thin(points: np.ndarray) -> np.ndarray:
    """Keep at most ``_MAX_POINTS`` evenly spaced points (and both ends) of a curve."""
    if len(points) <= _MAX_POINTS:
        return points
    return points[np.unique(np.linspace(0, len(points) - 1, _MAX_POINTS).round().astype(int))]
