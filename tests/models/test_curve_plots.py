"""ROC / PR figures people read: macro score in the title, best and worst named, PR baselines."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from selene.models import reports
from selene.models.metrics import BinaryFeatureMetrics, FeatureScores
from selene.utils.plotting import MAX_BASELINE_LINES, draw_curves

# a macro mean of float32 scores, printed with 3 decimals: within half a unit of the 3rd
_TITLE = {"abs": 5e-4 + 1e-6}


def _result(n_features: int, n: int = 400) -> tuple[FeatureScores, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    prevalence = torch.linspace(0.05, 0.4, n_features)
    target = (torch.rand(n, n_features, generator=g) < prevalence).float()
    target[:7, 0] = float("nan")  # missing labels: left out of the prevalence
    skill = torch.linspace(0.2, 3.0, n_features)
    preds = torch.sigmoid(skill * target.nan_to_num(0) + torch.randn(n, n_features, generator=g))
    metric = BinaryFeatureMetrics(n_features, min_positives=5)
    metric.update(preds, target)
    names = [f"f{i:02d}" for i in range(n_features)]
    return FeatureScores(names, metric.compute(), metric.curves()), target


def _drawn(monkeypatch, result: FeatureScores, tmp_path) -> dict:
    """Axes of the figures ``write_evaluation`` draws, by kind."""
    axes = {}

    def spy(curves, path, kind, title=None, **kwargs):
        axes[kind] = draw_curves(Figure().add_subplot(), curves, kind, title, **kwargs)
        return path

    monkeypatch.setattr(reports, "plot_curves", spy)
    reports.write_evaluation(result, tmp_path)
    return axes


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _gid(ax, gid: str) -> list:
    return [a for a in [*ax.lines, *ax.collections, *ax.patches] if a.get_gid() == gid]


@pytest.mark.parametrize(("kind", "key", "metric"), [("roc", "auroc", "AUROC"),
                                                      ("pr", "auprc", "AUPRC")])  # fmt: skip
def test_titles_carry_the_macro_score(monkeypatch, tmp_path, kind, key, metric) -> None:
    result, _ = _result(20)
    title = _drawn(monkeypatch, result, tmp_path)[kind].get_title()
    found = re.search(rf"\(20 features\)\nmacro {metric} (\d\.\d{{3}})$", title)
    assert found, title
    assert float(found.group(1)) == pytest.approx(result.macro()[key], **_TITLE)


@pytest.mark.parametrize(("kind", "key", "metric"), [("roc", "auroc", "AUROC"),
                                                      ("pr", "auprc", "AUPRC")])  # fmt: skip
def test_best_and_worst_features_are_named_with_their_scores(
    monkeypatch, tmp_path, kind, key, metric
) -> None:
    result, _ = _result(20)
    ax = _drawn(monkeypatch, result, tmp_path)[kind]
    scores = result.scores[key].numpy()
    best, worst = int(np.argmax(scores)), int(np.argmin(scores))
    labels = _legend(ax)
    assert f"best: f{best:02d} ({metric} {scores[best]:.3f})" in labels
    assert f"worst: f{worst:02d} ({metric} {scores[worst]:.3f})" in labels
    (best_line,) = _gid(ax, "best")
    x, y = result.curves.roc[best] if kind == "roc" else result.curves.pr[best]
    np.testing.assert_array_equal(best_line.get_xdata(), x.numpy())
    np.testing.assert_array_equal(best_line.get_ydata(), y.numpy())
    (grey,) = _gid(ax, "curves")  # every feature, light
    assert len(grey.get_segments()) == 20 and grey.get_alpha() <= 0.5


def test_pr_plot_draws_each_features_prevalence(monkeypatch, tmp_path) -> None:
    result, target = _result(MAX_BASELINE_LINES)
    ax = _drawn(monkeypatch, result, tmp_path)["pr"]
    labelled = ~torch.isnan(target)
    expected = ((target == 1).sum(0) / labelled.sum(0)).numpy()  # positives / n
    (lines,) = _gid(ax, "baseline")
    segments = lines.get_segments()
    assert len(segments) == MAX_BASELINE_LINES
    drawn = np.array([seg[:, 1] for seg in segments])
    np.testing.assert_allclose(drawn, np.repeat(expected[:, None], 2, axis=1), rtol=1e-6)
    assert all(seg[:, 0].tolist() == [0.0, 1.0] for seg in segments)
    assert all(style[1] is not None for style in lines.get_linestyle())  # dashed
    assert "no skill: each feature's prevalence" in _legend(ax)
    scores = result.scores["auprc"].numpy()
    (best_base,) = _gid(ax, "best_baseline")
    best = int(np.argmax(scores))
    assert best_base.get_ydata()[0] == pytest.approx(expected[best], rel=1e-6)
    assert best_base.get_color() == "tab:blue" and best_base.get_linestyle() == "--"
    assert not _gid(_drawn(monkeypatch, result, tmp_path)["roc"], "baseline")


def test_many_features_get_a_prevalence_band(monkeypatch, tmp_path) -> None:
    n_features = MAX_BASELINE_LINES + 11
    result, target = _result(n_features, n=300)
    ax = _drawn(monkeypatch, result, tmp_path)["pr"]
    expected = ((target == 1).sum(0) / (~torch.isnan(target)).sum(0)).numpy()
    (band,) = _gid(ax, "baseline")
    assert band.get_y() == pytest.approx(expected.min(), rel=1e-6)
    assert band.get_y() + band.get_height() == pytest.approx(expected.max(), rel=1e-6)
    (median,) = _gid(ax, "baseline_median")
    assert median.get_ydata()[0] == pytest.approx(float(np.median(expected)), rel=1e-6)
    low, high = expected.min(), expected.max()
    assert f"no skill: prevalence {low:.3f}-{high:.3f}" in _legend(ax)


def test_one_feature_is_named_once_and_mismatched_lengths_are_refused() -> None:
    x = np.linspace(0, 1, 5)
    ax = draw_curves(Figure().add_subplot(), [(x, x)], "roc", names=["only"], scores=[0.5])
    assert _legend(ax) == ["chance", "only (AUROC 0.500)"]
    with pytest.raises(ValueError, match="scores holds 2 entries for 1 curves"):
        draw_curves(Figure().add_subplot(), [(x, x)], "roc", scores=[0.5, 0.6])
    ax = draw_curves(Figure().add_subplot(), [(x, x)], "pr")  # no scores: old plot, no macro
    assert ax.get_title() == "Precision-recall curves (1 feature)" and ax.get_legend() is None
