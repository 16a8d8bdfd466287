"""Figures of a track evaluation: predicted vs observed per track, and example windows.

Tracks are drawn four to a row of panels (the first ``MAX_TRACKS``; the table has them all).
``track_scatter.png``: per track, a hexbin of the sampled bins over a scatter of the per-window
totals, with Pearson r and Spearman rho of the drawn points in the titles. Non-negative values
(counts, coverage) are drawn on ``log10(1 + x)`` axes, where the many near-zero bins and the
few peaks both show; signed values on linear axes.
``track_windows.png``: per track, the test windows with the most observed signal in that track,
one above the other: observed (grey, filled) and predicted (line) along the bins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy import stats
from torch import Tensor

from selene.models.track_metrics import EXAMPLE_TRACKS, TrackScores

__all__ = ["plot_track_scatter", "plot_track_windows"]

MAX_TRACKS = EXAMPLE_TRACKS  # tracks drawn; the table has every track
_COLUMNS = 4  # tracks per row of panels
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
        The PNG written.

    Raises
    ------
    ValueError
        If ``result`` holds no sampled bins.
    """
    if result.sample is None:
        raise ValueError("plot_track_scatter: the result holds no sampled bins (sample=None)")
    kinds = [("bins", *result.sample)]
    if result.totals is not None:
        kinds.append(("window totals", *result.totals))
    n = min(len(result.features), MAX_TRACKS)
    axes = _grid(n, len(kinds), panel=(3.2, 3.0))
    for t in range(n):
        for k, (what, preds, target) in enumerate(kinds):
            ax = axes[t // _COLUMNS * len(kinds) + k, t % _COLUMNS]
            x, y = _numpy(target[:, t]), _numpy(preds[:, t])
            log = bool((x >= 0).all() and (y >= 0).all())
            _scatter(ax, x, y, log, hexbin=what == "bins")
            r, rho = _correlations(x, y)
            ax.set_title(
                f"{result.features[t]}, {what}\nr = {r:.3f}, rho = {rho:.3f} (n = {len(x)})",
                fontsize=9,
            )
            unit = "log10(1 + {})" if log else "{}"
            ax.set(xlabel=unit.format("observed"), ylabel=unit.format("predicted"))
    fig = axes[0, 0].figure
    shown = "" if n == len(result.features) else f" (first {n} tracks)"
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
        The PNG written.

    Raises
    ------
    ValueError
        If ``result`` holds no example windows.
    """
    if result.examples is None or len(result.examples[0]) == 0:
        raise ValueError("plot_track_windows: the result holds no example windows")
    preds, target = (_numpy(x) for x in result.examples)
    n, n_windows = min(preds.shape[1], MAX_TRACKS), len(preds)
    axes = _grid(n, n_windows, panel=(3.6, 1.7))
    bins = np.arange(preds.shape[-1])
    for t in range(n):
        for w in range(n_windows):
            ax = axes[t // _COLUMNS * n_windows + w, t % _COLUMNS]
            ax.fill_between(bins, target[w, t], step="mid", color="0.7", label="observed")
            ax.plot(bins, preds[w, t], color="tab:blue", lw=1.2, label="predicted")
            ax.set_title(
                f"{result.features[t]} #{w + 1}: observed {target[w, t].sum():.3g}, "
                f"predicted {preds[w, t].sum():.3g} (sums)",
                fontsize=8,
            )
            if w == n_windows - 1:
                ax.set_xlabel("bin")
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig = axes[0, 0].figure
    fig.suptitle("Per track, the test windows with the most observed signal", fontsize=11)
    path = Path(path)
    fig.savefig(path)
    return path


def _grid(n_tracks: int, per_track: int, panel: tuple[float, float]) -> np.ndarray:
    """Axes for ``n_tracks`` tracks of ``per_track`` stacked panels, ``_COLUMNS`` to a row."""
    rows, columns = -(-n_tracks // _COLUMNS) * per_track, min(n_tracks, _COLUMNS)
    fig = Figure(figsize=(panel[0] * columns, panel[1] * rows), dpi=110, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for t in range(n_tracks, rows // per_track * columns):  # the last row's empty places
        for k in range(per_track):
            axes[t // _COLUMNS * per_track + k, t % _COLUMNS].set_visible(False)
    return axes


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
