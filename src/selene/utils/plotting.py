"""ROC and precision-recall curve figures of an evaluation pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from torch import Tensor

__all__ = ["plot_curves"]

_MAX_POINTS = 2000  # per curve: keeps files small for big test sets, invisible at plot scale


def plot_curves(
    curves: Sequence[tuple[Tensor | np.ndarray, Tensor | np.ndarray]],
    path: str | Path,
    kind: str,
    title: str | None = None,
) -> Path:
    """Draw one curve per feature on a single plot and save it.

    Parameters
    ----------
    curves : sequence of (x, y)
        ``(fpr, tpr)`` for ROC, ``(recall, precision)`` for precision-recall.
    path : str or Path
        Output image (the suffix picks the format, e.g. ``.png``).
    kind : {"roc", "pr"}
        Sets the axis labels and the chance line.
    title : str, optional
        Figure title; by default it names the kind and the number of features.

    Returns
    -------
    Path
    """
    if kind not in ("roc", "pr"):
        raise ValueError(f"kind must be 'roc' or 'pr', got {kind!r}")
    fig = Figure(figsize=(5, 5), dpi=150)
    ax = fig.add_subplot()
    segments = [_thin(np.column_stack([np.asarray(x), np.asarray(y)])) for x, y in curves]
    alpha = 0.8 if len(segments) <= 10 else max(0.1, 3 / len(segments) ** 0.5)
    ax.add_collection(LineCollection(segments, colors="black", alpha=alpha, linewidths=1))
    if kind == "roc":
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8)
        ax.set(xlabel="False positive rate", ylabel="True positive rate")
    else:
        ax.set(xlabel="Recall", ylabel="Precision")
    name = "ROC" if kind == "roc" else "Precision-recall"
    ax.set(xlim=(0, 1), ylim=(0, 1.05), title=title or f"{name} curves ({len(segments)} features)")
    if not segments:
        ax.text(0.5, 0.5, "no feature with enough positives", ha="center", va="center")
    path = Path(path)
    fig.savefig(path, bbox_inches="tight")
    return path


def _thin(points: np.ndarray) -> np.ndarray:
    """Keep at most ``_MAX_POINTS`` evenly spaced points (and both ends) of a curve."""
    if len(points) <= _MAX_POINTS:
        return points
    return points[np.unique(np.linspace(0, len(points) - 1, _MAX_POINTS).round().astype(int))]
