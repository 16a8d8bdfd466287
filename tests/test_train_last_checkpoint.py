"""``last.ckpt`` holds the final step of every run, validated there or not."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.train import train
from selene.utils.config import config_dir

pytestmark = pytest.mark.usefixtures("one_thread")


def _compose(out: Path, data_dir: Path, *overrides: str) -> DictConfig:
    tiny = [f"paths.output_dir={out}", *tiny_overrides(data_dir), "model.min_positives=1"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=[*tiny, *overrides])


def _step(path: Path) -> int:
    return torch.load(path, weights_only=True)["global_step"]


def test_a_run_shorter_than_one_validation_writes_last_ckpt(synthetic, tmp_path) -> None:
    cfg = _compose(tmp_path, synthetic.root, "trainer.max_steps=3", "trainer.val_check_interval=5")
    train(cfg)
    assert _step(tmp_path / "checkpoints" / "last.ckpt") == 3
    assert not list((tmp_path / "checkpoints").glob("best-step*.ckpt"))  # nothing validated
    assert (tmp_path / "test_performance.tsv").is_file()  # the last weights were tested


def test_last_ckpt_holds_the_steps_after_the_last_validation(synthetic, tmp_path) -> None:
    first = tmp_path / "first"
    steps = ("trainer.max_steps=5", "trainer.val_check_interval=3", "test=false")
    train(_compose(first, synthetic.root, *steps))
    (best,) = (first / "checkpoints").glob("best-step*.ckpt")
    assert best.name == "best-step3.ckpt" and _step(first / "checkpoints" / "last.ckpt") == 5
    resumed = tmp_path / "resumed"  # the end-of-training checkpoint resumes like any other
    cfg = _compose(
        resumed,
        synthetic.root,
        "trainer.max_steps=7",
        "trainer.val_check_interval=3",
        "test=false",
        f"ckpt_path={first / 'checkpoints' / 'last.ckpt'}",
    )
    train(cfg)
    assert _step(resumed / "checkpoints" / "last.ckpt") == 7
