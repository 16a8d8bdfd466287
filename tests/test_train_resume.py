"""A run interrupted after a checkpoint and resumed equals the run that was never interrupted."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig
from torch import nn

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.train import train
from selene.utils.config import config_dir

_STEPS, _STOP, _EVERY = 12, 8, 4  # train 12 steps; the interrupted run stops after step 8


class TinyNet(nn.Module):
    """Convolution, batch norm and dropout: every kind of state a resumed run must restore."""

    def __init__(self, sequence_length: int, n_targets: int) -> None:
        super().__init__()
        self.sequence_length, self.n_targets = sequence_length, n_targets
        self.layers = nn.Sequential(
            nn.Conv1d(4, 8, kernel_size=9),
            nn.BatchNorm1d(8),
            nn.ReLU(),
            nn.AdaptiveMaxPool1d(1),
            nn.Flatten(),
            nn.Dropout(0.5),
            nn.Linear(8, n_targets),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


pytestmark = pytest.mark.usefixtures("one_thread")


def _compose(out: Path, data_dir: Path, num_workers: int, *overrides: str) -> DictConfig:
    """A seconds-long run on the synthetic fixture: a tiny net with dropout, Adam, a plateau."""
    tiny = [
        f"paths.output_dir={out}",
        *tiny_overrides(data_dir, num_workers=num_workers),
        f"model.net._target_={__name__}.TinyNet",
        "model.min_positives=1",
        f"trainer.val_check_interval={_EVERY}",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=[*tiny, *overrides])


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two checkpoint values differ (tensors compared exactly, dtypes included)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}/{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{where}/{i}")
        ]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        same = a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
        return [] if same else [where]
    return [] if type(a) is type(b) and a == b else [f"{where}: {a!r} != {b!r}"]


def _rows(run: Path, after: int) -> list[dict[str, str]]:
    """The logged rows of steps past ``after`` (what a run resumed there logs again)."""
    with open(run / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if int(r["step"]) >= after]


def _assert_same_runs(whole: Path, resumed: Path, metrics: dict, resumed_metrics: dict) -> None:
    """Same returned and logged metrics, same final checkpoint (weights, optimizer, ...)."""
    # the best checkpoint (over all 3 validations) was tested: the test metrics are equal too
    assert {"val/auroc", "test/auroc", "test/loss"} <= set(metrics)
    assert resumed_metrics == metrics
    ends = [
        torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
        for run in (whole, resumed)
    ]
    assert ends[0]["global_step"] == _STEPS
    # the same kernels run in the same order on the same machine: equal to the last bit; the
    # callbacks' states name their own run directories
    first = ["state_dict", "optimizer_states", "lr_schedulers"]
    for key in first + sorted((set(ends[0]) | set(ends[1])) - {"callbacks", *first}):
        assert _differences(ends[0].get(key), ends[1].get(key)) == [], key
    logged = _rows(resumed, 0)
    assert any(r["train/loss"] for r in logged) and any(r["val/auroc"] for r in logged)
    assert _rows(whole, min(int(r["step"]) for r in logged)) == logged


@pytest.mark.parametrize("num_workers", [0, 1])
def test_a_resumed_run_equals_the_uninterrupted_run(synthetic, tmp_path, num_workers) -> None:
    whole, cut, resumed = tmp_path / "whole", tmp_path / "cut", tmp_path / "resumed"
    data = synthetic.root
    metrics = train(_compose(whole, data, num_workers, f"trainer.max_steps={_STEPS}"))
    # the interrupted run dies after the checkpoint of step 8; the resumed one goes on from it
    train(_compose(cut, data, num_workers, f"trainer.max_steps={_STOP}", "test=false"))
    checkpoint = cut / "checkpoints" / "last.ckpt"
    overrides = f"trainer.max_steps={_STEPS}", f"ckpt_path={checkpoint}"
    resumed_metrics = train(_compose(resumed, data, num_workers, *overrides))
    _assert_same_runs(whole, resumed, metrics, resumed_metrics)
    assert min(int(r["step"]) for r in _rows(resumed, 0)) >= _STOP - 1


def test_a_run_resumed_between_validations_equals_the_uninterrupted_run(synthetic, tmp_path):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    every_6 = [  # a checkpoint at step 6, saved after the training step (not at validation)
        "+callbacks.steps._target_=pytorch_lightning.callbacks.ModelCheckpoint",
        f"+callbacks.steps.dirpath={whole}/steps",
        "+callbacks.steps.filename='step{step}'",
        "+callbacks.steps.auto_insert_metric_name=false",
        "+callbacks.steps.every_n_train_steps=6",
        "+callbacks.steps.save_top_k=-1",
    ]
    metrics = train(_compose(whole, synthetic.root, 0, f"trainer.max_steps={_STEPS}", *every_6))
    checkpoint = whole / "steps" / "step6.ckpt"
    assert torch.load(checkpoint, weights_only=True)["global_step"] == 6
    overrides = f"trainer.max_steps={_STEPS}", f"ckpt_path={checkpoint}"
    resumed_metrics = train(_compose(resumed, synthetic.root, 0, *overrides))
    _assert_same_runs(whole, resumed, metrics, resumed_metrics)
