"""Macro scores that are NaN because no feature could be scored say so in a warning."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.models.metrics import (
    BinaryFeatureMetrics,
    FeatureScores,
    RegressionFeatureMetrics,
    macro,
    warn_unscored,
)
from selene.train import train
from selene.utils.config import config_dir
from selene.utils.warnings import SeleneWarning


def _scores(target: torch.Tensor, min_positives: int) -> FeatureScores:
    metric = BinaryFeatureMetrics(target.shape[1], min_positives=min_positives)
    metric.update(torch.rand(target.shape), target)
    return FeatureScores([f"f{i}" for i in range(target.shape[1])], metric.compute())


def test_too_few_positives_everywhere_names_the_split_and_the_fix() -> None:
    target = torch.zeros(40, 3)
    target[:4, 0] = 1  # 4 positives, the most of any feature
    target[:2, 1] = 1
    result = _scores(target, min_positives=10)
    assert math.isnan(result.macro()["auroc"])
    with pytest.warns(SeleneWarning, match=r"val/auroc and val/auprc are NaN") as caught:
        warn_unscored(result, "val", 10)
    message = str(caught[0].message)
    assert "model.min_positives=10" in message and "3 of 3 features" in message
    assert "the most any has is 4" in message and "data.n_validation_samples" in message


def test_no_warning_when_a_feature_is_scored_or_the_targets_are_quantitative() -> None:
    target = torch.zeros(40, 3)
    target[:12, 0] = 1
    regression = RegressionFeatureMetrics(2)
    regression.update(torch.randn(10, 2), torch.randn(10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_unscored(_scores(target, min_positives=10), "test", 10)
        warn_unscored(FeatureScores(["a", "b"], regression.compute()), "test", 10)
    assert not math.isnan(macro(_scores(target, min_positives=10).scores["auroc"]))


@pytest.mark.usefixtures("one_thread")
def test_training_warns_for_each_split_it_cannot_score(synthetic, tmp_path: Path) -> None:
    overrides = [
        f"paths.output_dir={tmp_path}",
        *tiny_overrides(synthetic.root, n_samples=(16, 16)),
        "trainer.max_steps=2",
        "trainer.val_check_interval=2",
        "model.min_positives=1000",  # more than any split has windows
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with pytest.warns(SeleneWarning, match=r"are NaN: no .* model\.min_positives=1000") as caught:
        metrics = train(cfg)
    splits = {str(w.message).split("/")[0] for w in caught if "are NaN" in str(w.message)}
    assert splits == {"train", "val", "test"}
    assert math.isnan(metrics["val/auroc"]) and math.isnan(metrics["test/auroc"])
