"""The evaluation files of tracks: the per-track table and the two figures."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from matplotlib.image import imread

from selene.models.reports import write_evaluation
from selene.models.track_metrics import TrackMetrics, TrackScores
from selene.models.track_reports import plot_track_scatter, plot_track_windows

COLUMNS = ["pearson", "spearman", "mse", "pearson_windows", "spearman_windows", "mse_windows"]


def _result(signed: bool = False) -> TrackScores:
    g = torch.Generator().manual_seed(0)
    rate = torch.rand(30, 3, 16, generator=g) * torch.rand(30, 1, 1, generator=g) * 8
    target = torch.poisson(rate, generator=g)
    preds = rate - 4 if signed else rate
    metric = TrackMetrics(3, n_examples=3)
    metric.update(preds, target)
    scores = metric.compute()
    return TrackScores(["dnase", "atac", "h3k27ac"], scores, **metric.last_plot_data)


def _drawn(path) -> bool:
    image = imread(path)
    return image.shape[0] > 300 and np.unique(image.reshape(-1, image.shape[-1]), axis=0).size > 8


def test_track_evaluation_writes_the_table_and_both_figures(tmp_path) -> None:
    result = _result()
    written = write_evaluation(result, tmp_path)
    assert set(written) == {"table", "scatter", "windows"}
    rows = list(csv.reader(open(written["table"]), delimiter="\t"))
    assert rows[0] == ["feature", *COLUMNS]
    assert [r[0] for r in rows[1:]] == ["dnase", "atac", "h3k27ac"]
    for i, column in enumerate(COLUMNS, start=1):  # 6 decimals: rounded by <= 5e-7
        assert float(rows[2][i]) == pytest.approx(float(result.scores[column][1]), abs=1e-6)
    assert _drawn(written["scatter"]) and _drawn(written["windows"])


def test_signed_values_are_drawn_on_linear_axes(tmp_path) -> None:
    path = plot_track_scatter(_result(signed=True), tmp_path / "scatter.png")
    assert _drawn(path)


def test_scores_without_plot_data_write_only_the_table(tmp_path) -> None:
    result = _result()
    bare = TrackScores(result.features, result.scores)
    assert set(write_evaluation(bare, tmp_path)) == {"table"}
    with pytest.raises(ValueError, match="holds no sampled bins"):
        plot_track_scatter(bare, tmp_path / "x.png")
    with pytest.raises(ValueError, match="holds no example windows"):
        plot_track_windows(bare, tmp_path / "y.png")
