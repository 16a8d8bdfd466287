from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from selene.models.metrics import BinaryFeatureMetrics, RegressionFeatureMetrics, macro


def _binary_data(n: int = 500, f: int = 6, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    target = (torch.rand(n, f, generator=g) < 0.2).float()
    preds = torch.sigmoid(2 * target + torch.randn(n, f, generator=g))
    preds[:, 1] = torch.round(preds[:, 1] * 10) / 10  # many ties
    return preds, target


def test_binary_metrics_equal_sklearn_and_accumulate_batches() -> None:
    preds, target = _binary_data()
    metric = BinaryFeatureMetrics(6, min_positives=1)
    for chunk in range(0, 500, 64):
        metric.update(preds[chunk : chunk + 64], target[chunk : chunk + 64])
    result = metric.compute()
    # torchmetrics in float32, sklearn in float64: an area is a sum of <= 500 terms in [0, 1],
    # which ATen adds by cascade (pairwise) summation, within ~log2(500)·u ≈ 5e-7.
    for i in range(6):
        assert result["auroc"][i].item() == pytest.approx(
            roc_auc_score(target[:, i], preds[:, i]), abs=1e-6
        )
        assert result["auprc"][i].item() == pytest.approx(
            average_precision_score(target[:, i], preds[:, i]), abs=1e-6
        )
    assert result["n_positives"].tolist() == target.sum(0).long().tolist()
    assert macro(result["auroc"]) == pytest.approx(result["auroc"].mean().item())


def test_too_few_positives_and_all_positive_features_are_nan() -> None:
    preds, target = _binary_data()
    target[:, 0] = 0
    target[:5, 2] = 1
    target[5:, 2] = 0  # 5 positives < min_positives
    target[:, 3] = 1  # no negatives
    metric = BinaryFeatureMetrics(6, min_positives=10)
    metric.update(preds, target)
    result = metric.compute()
    for i in (0, 2, 3):
        assert math.isnan(result["auroc"][i]) and math.isnan(result["auprc"][i])
    scored = [roc_auc_score(target[:, i], preds[:, i]) for i in (1, 4, 5)]
    assert macro(result["auroc"]) == pytest.approx(np.mean(scored), abs=1e-6)
    assert result["n_positives"][3] == 500
    curves = metric.curves()
    assert curves.index == [1, 4, 5]


def test_no_scorable_feature_gives_nan_macro_not_an_error() -> None:
    metric = BinaryFeatureMetrics(3)
    metric.update(torch.rand(4, 3), torch.zeros(4, 3))
    assert math.isnan(macro(metric.compute()["auroc"]))
    assert metric.curves().index == []


def test_missing_targets_are_skipped_per_feature() -> None:
    preds, target = _binary_data()
    target[:50, 0] = float("nan")
    metric = BinaryFeatureMetrics(6, min_positives=1)
    metric.update(preds, target)
    expected = roc_auc_score(target[50:, 0], preds[50:, 0])
    assert metric.compute()["auroc"][0].item() == pytest.approx(expected, abs=1e-6)


def test_curves_equal_sklearn() -> None:
    preds, target = _binary_data()
    metric = BinaryFeatureMetrics(6, min_positives=1)
    metric.update(preds, target)
    curves = metric.curves()
    fpr, tpr, _ = roc_curve(target[:, 1], preds[:, 1], drop_intermediate=False)
    np.testing.assert_allclose(curves.roc[1][0], fpr, atol=1e-6)
    np.testing.assert_allclose(curves.roc[1][1], tpr, atol=1e-6)
    precision, recall, _ = precision_recall_curve(target[:, 1], preds[:, 1])
    np.testing.assert_allclose(np.sort(curves.pr[1][0]), np.sort(recall), atol=1e-6)
    np.testing.assert_allclose(np.sort(curves.pr[1][1]), np.sort(precision), atol=1e-6)


def test_shape_errors_and_compute_before_update() -> None:
    metric = BinaryFeatureMetrics(3)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        metric.update(torch.rand(4, 2), torch.zeros(4, 2))
    with pytest.raises(RuntimeError, match="before any update"):
        metric.compute()
    with pytest.raises(ValueError, match="n_features must be >= 1"):
        BinaryFeatureMetrics(0)


def test_regression_metrics_equal_scipy() -> None:
    g = torch.Generator().manual_seed(1)
    target = torch.randn(200, 3, generator=g)
    preds = target + 0.5 * torch.randn(200, 3, generator=g)
    target[:, 2] = 1.0  # constant: correlations undefined
    metric = RegressionFeatureMetrics(3)
    metric.update(preds[:100], target[:100])
    metric.update(preds[100:], target[100:])
    result = metric.compute()
    # float32 moments of 200 values (cascade sums) against scipy's float64: ~1e-6.
    for i in (0, 1):
        assert result["pearson"][i].item() == pytest.approx(
            pearsonr(preds[:, i], target[:, i])[0], abs=1e-5
        )
        assert result["spearman"][i].item() == pytest.approx(
            spearmanr(preds[:, i], target[:, i])[0], abs=1e-5
        )
    assert math.isnan(result["pearson"][2]) and math.isnan(result["spearman"][2])
    np.testing.assert_allclose(result["mse"], ((preds - target) ** 2).mean(0), rtol=1e-5)


def test_regression_single_feature() -> None:
    metric = RegressionFeatureMetrics(1)
    x = torch.arange(10.0)[:, None]
    metric.update(x, 2 * x)
    assert metric.compute()["pearson"].item() == pytest.approx(1.0)
