from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from matplotlib.image import imread

from selene.models.metrics import BinaryFeatureMetrics, FeatureScores, RegressionFeatureMetrics
from selene.models.reports import write_evaluation, write_test_performance
from selene.utils.plotting import plot_curves


def _binary_result() -> FeatureScores:
    g = torch.Generator().manual_seed(0)
    target = (torch.rand(300, 3, generator=g) < 0.3).float()
    target[:, 2] = 0  # never positive: NaN
    metric = BinaryFeatureMetrics(3, min_positives=5)
    metric.update(torch.sigmoid(2 * target + torch.randn(300, 3, generator=g)), target)
    return FeatureScores(["a", "b", "c"], metric.compute(), metric.curves())


def test_table_has_one_row_per_feature_with_nan_for_unscored(tmp_path) -> None:
    result = _binary_result()
    path = write_test_performance(result, tmp_path / "t.tsv")
    rows = list(csv.reader(open(path), delimiter="\t"))
    assert rows[0] == ["feature", "AUROC", "AUPRC", "n_positives"]
    assert [r[0] for r in rows[1:]] == ["a", "b", "c"]
    assert rows[3][1:3] == ["NaN", "NaN"] and rows[3][3] == "0"
    written = float(rows[1][1])  # 6 decimals: rounded by <= 5e-7
    assert written == pytest.approx(float(result.scores["auroc"][0]), abs=1e-6)


def test_evaluation_writes_table_and_real_curves(tmp_path) -> None:
    written = write_evaluation(_binary_result(), tmp_path / "out")
    assert set(written) == {"table", "roc", "pr"}
    image = imread(written["roc"])
    assert image.shape[0] > 300 and np.unique(image.reshape(-1, image.shape[-1]), axis=0).size > 8


def test_regression_results_write_a_table_without_curves(tmp_path) -> None:
    metric = RegressionFeatureMetrics(2)
    x = torch.randn(50, 2)
    metric.update(x, x + 0.1 * torch.randn(50, 2))
    written = write_evaluation(FeatureScores(["u", "v"], metric.compute()), tmp_path)
    assert set(written) == {"table"}
    header = (tmp_path / "test_performance.tsv").read_text().splitlines()[0]
    assert header.split("\t") == ["feature", "pearson", "spearman", "mse"]


def test_plot_curves_handles_no_curve_and_long_curves(tmp_path) -> None:
    assert plot_curves([], tmp_path / "empty.png", "pr").is_file()
    x = np.linspace(0, 1, 100_000)
    assert plot_curves([(x, x**0.5)], tmp_path / "long.png", "roc").is_file()
    with pytest.raises(ValueError, match="kind must be 'roc' or 'pr'"):
        plot_curves([], tmp_path / "x.png", "det")
