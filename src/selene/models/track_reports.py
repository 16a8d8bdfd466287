"""Figures of a track evaluation: predicted vs observed per track, and example windows.

``track_scatter.png``: one column per track; the top row is a hexbin of the sampled bins, the
bottom row a scatter of the per-window totals, with Pearson r and Spearman rho in the titles.
Non-negative values (counts, coverage) are drawn on ``log10(1 + x)`` axes, where the many
near-zero bins and the few peaks both show; signed values on linear axes.
``track_windows.png``: the test windows with the most observed signal, one row each, one column
per track: observed (grey, filled) and predicted (line) along the bins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy import stats
from torch import Tensor

from selene.models.track_metrics import TrackScores

__all__ = ["plot_track_scatter", "plot_track_windows"]

MAX_TRACKS = 8  # columns drawn; the table has every track
_MAX_WINDOW_POINTS = 5000  # per track in the totals scatter


def plot_track_scatter(result: TrackScores, path: str | Path) -> Path:
    """Draw predicted vs observed per track (bins and window totals) and save it.

    Parameters
    ----------
    result : TrackScores
        With ``sample`` (and ``totals``, drawn when present).
    path : str or Path

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If ``result`` holds no sampled bins.
    """
    if result.sample is None:
        raise ValueError("plot_track_scatter: the result holds no sampled bins (sample=None)")
    tracks = range(min(len(result.features), MAX_TRACKS))
    rows = [("bins", *result.sample)]
    if result.totals is not None:
        rows.append(("window totals", *result.totals))
    fig = Figure(figsize=(3.2 * len(tracks), 3.2 * len(rows)), dpi=120, layout="constrained")
    axes = fig.subplots(len(rows), len(tracks), squeeze=False)
    for row, (what, preds, target) in enumerate(rows):
        for t in tracks:
            x, y = _numpy(target[:, t]), _numpy(preds[:, t])
            log = bool((x >= 0).all() and (y >= 0).all())
            _scatter(axes[row, t], x, y, log, hexbin=what == "bins")
            r, rho = _correlations(x, y)
            axes[row, t].set_title(
                f"{result.features[t]}, {what}\nr = {r:.3f}, rho = {rho:.3f} (n = {len(x)})",
                fontsize=9,
            )
            unit = "log10(1 + {})" if log else "{}"
            axes[row, t].set(xlabel=unit.format("observed"), ylabel=unit.format("predicted"))
    shown = "" if len(tracks) == len(result.features) else f" (first {len(tracks)} tracks)"
    fig.suptitle(f"Predicted vs observed{shown}", fontsize=11)
    path = Path(path)
    fig.savefig(path)
    return path


def plot_track_windows(result: TrackScores, path: str | Path) -> Path:
    """Draw the example windows' observed and predicted tracks and save it.

    Parameters
    ----------
    result : TrackScores
        With ``examples``.
    path : str or Path

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If ``result`` holds no example windows.
    """
    if result.examples is None or len(result.examples[0]) == 0:
        raise ValueError("plot_track_windows: the result holds no example windows")
    preds, target = (_numpy(x) for x in result.examples)
    tracks = range(min(preds.shape[1], MAX_TRACKS))
    fig = Figure(figsize=(3.6 * len(tracks), 2.0 * len(preds)), dpi=120, layout="constrained")
    axes = fig.subplots(len(preds), len(tracks), squeeze=False, sharex=True)
    bins = np.arange(preds.shape[-1])
    for w in range(len(preds)):
        for t in tracks:
            ax = axes[w, t]
            ax.fill_between(bins, target[w, t], step="mid", color="0.7", label="observed")
            ax.plot(bins, preds[w, t], color="tab:blue", lw=1.2, label="predicted")
            ax.set_title(
                f"{result.features[t]}, window {w + 1}: observed {target[w, t].sum():.0f}, "
                f"predicted {preds[w, t].sum():.0f}",
                fontsize=8,
            )
            if w == len(preds) - 1:
                ax.set_xlabel("bin")
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle("Test windows with the most observed signal", fontsize=11)
    path = Path(path)
    fig.savefig(path)
    return path


def _scatter(ax, x: np.ndarray, y: np.ndarray, log: bool, hexbin: bool) -> None:
    if log:
        x, y = np.log10(1 + x), np.log10(1 + y)
    low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    if hexbin and high > low:
        ax.hexbin(x, y, gridsize=40, bins="log", mincnt=1, cmap="viridis", extent=(low, high) * 2)
    else:
        step = max(1, len(x) // _MAX_WINDOW_POINTS)
        ax.scatter(x[::step], y[::step], s=4, alpha=0.4, color="tab:blue", linewidths=0)
    ax.plot([low, high], [low, high], ls="--", color="grey", lw=0.8)


def _correlations(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan"), float("nan")
    return float(stats.pearsonr(x, y)[0]), float(stats.spearmanr(x, y)[0])


def _numpy(x: Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
