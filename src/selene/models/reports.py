"""Writers of an evaluation pass: the per-feature table and the ROC / PR curve figures."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from selene.models.metrics import FeatureCurves, FeatureScores
from selene.models.track_metrics import TrackScores
from selene.models.track_reports import plot_track_scatter, plot_track_windows
from selene.utils.plotting import plot_curves

__all__ = ["write_evaluation", "write_test_performance"]

_HEADERS = {"auroc": "AUROC", "auprc": "AUPRC"}


def write_test_performance(result: FeatureScores, path: str | Path) -> Path:
    """Write one row per feature: name, then each score (``NaN`` where not scored).

    Parameters
    ----------
    result : FeatureScores
        E.g. ``SequenceLitModule.test_results``.
    path : str or Path
        Tab-separated output, e.g. ``test_performance.tsv``.

    Returns
    -------
    Path
    """
    path = Path(path)
    names = list(result.scores)
    columns = [result.scores[name].tolist() for name in names]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["feature", *(_HEADERS.get(n, n) for n in names)])
        for i, feature in enumerate(result.features):
            writer.writerow([feature, *(_format(column[i]) for column in columns)])
    return path


def write_evaluation(result: FeatureScores, out_dir: str | Path) -> dict[str, Path]:
    """Write the table and the figures: ROC and precision-recall, or the track plots.

    Files in ``out_dir``: ``test_performance.tsv``; ``roc_curves.png`` and ``pr_curves.png``
    for binary features (titled with the macro AUROC / AUPRC, the best and worst feature
    named, the PR plot with each feature's no-skill precision: see
    :mod:`selene.utils.plotting`); ``track_scatter.png`` and ``track_windows.png`` for tracks (see
    :mod:`selene.models.track_reports`).

    Returns
    -------
    dict of str to Path
        The files written, by kind (``table``, ``roc``, ``pr``, ``scatter``, ``windows``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"table": write_test_performance(result, out_dir / "test_performance.tsv")}
    if result.curves is not None:
        written |= _plot_feature_curves(result, result.curves, out_dir)
    if isinstance(result, TrackScores) and result.sample is not None:
        written["scatter"] = plot_track_scatter(result, out_dir / "track_scatter.png")
    if isinstance(result, TrackScores) and result.examples is not None:
        written["windows"] = plot_track_windows(result, out_dir / "track_windows.png")
    return written


def _plot_feature_curves(
    result: FeatureScores, curves: FeatureCurves, out_dir: Path
) -> dict[str, Path]:
    """ROC and PR figures: macro score in the title, best and worst feature named."""
    names = [result.features[i] for i in curves.index]
    scores = {
        key: result.scores[key][curves.index].tolist() if key in result.scores else None
        for key in ("auroc", "auprc")
    }
    prevalence = curves.prevalence if len(curves.prevalence) == len(curves.index) else None
    return {
        "roc": plot_curves(curves.roc, out_dir / "roc_curves.png", "roc", names=names,
                           scores=scores["auroc"]),
        "pr": plot_curves(curves.pr, out_dir / "pr_curves.png", "pr", names=names,
                          scores=scores["auprc"], prevalence=prevalence),
    }  # fmt: skip


def _format(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "NaN" if math.isnan(value) else f"{value:.6f}"
