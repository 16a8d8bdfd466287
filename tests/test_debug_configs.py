"""The debug config group (``+debug=fdr|limit|overfit|profiler``) on the tiny synthetic genome."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.models.lit_module import SequenceLitModule
from selene.train import train
from selene.utils.config import config_dir

pytestmark = pytest.mark.usefixtures("one_thread")


def _compose(out: Path, data_dir: Path, *overrides: str) -> DictConfig:
    tiny = [f"paths.output_dir={out}", *tiny_overrides(data_dir), "model.min_positives=1"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=[*tiny, *overrides])


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "metrics.csv") as handle:
        return list(csv.DictReader(handle))


def test_every_debug_option_runs_on_the_cpu_in_a_debug_run(tmp_path) -> None:
    options = sorted(p.stem for p in (config_dir() / "debug").glob("*.yaml"))
    assert options == ["default", "fdr", "limit", "overfit", "profiler"]
    for option in options:
        cfg = _compose(tmp_path, tmp_path, f"+debug={option}")
        assert cfg.task_name == "debug"
        assert cfg.trainer.accelerator == "cpu" and cfg.trainer.detect_anomaly
        assert cfg.data.num_workers == 0


def test_debug_given_after_an_experiment_wins(tmp_path) -> None:
    cfg = _compose(tmp_path, tmp_path, "+experiment=deepsea", "+debug=limit")
    assert cfg.trainer.accelerator == "cpu"  # deepsea trains on a GPU
    assert (cfg.trainer.max_steps, cfg.trainer.val_check_interval) == (20, 10)
    assert cfg.data.num_workers == 0 and "deepsea" in cfg.tags


def test_fdr_runs_one_batch_of_each_split(synthetic, tmp_path) -> None:
    metrics = train(_compose(tmp_path, synthetic.root, "+debug=fdr"))
    assert {"val/loss", "test/loss"} <= set(metrics)
    assert not (tmp_path / "checkpoints").exists()  # fast_dev_run saves no checkpoint


def test_limit_validates_checkpoints_and_tests_a_few_batches(synthetic, tmp_path) -> None:
    metrics = train(_compose(tmp_path, synthetic.root, "+debug=limit"))
    rows = _rows(tmp_path)
    assert [int(r["step"]) for r in rows if r["val/loss"]] == [9, 19]
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file() and "test/auroc" in metrics


def test_overfit_trains_on_the_same_batches_every_epoch(synthetic, tmp_path, monkeypatch):
    seen: dict[int, list[str]] = {}
    step = SequenceLitModule.training_step

    def record(self, batch, batch_idx):
        digest = hashlib.sha1(batch["sequence"].numpy().tobytes()).hexdigest()
        seen.setdefault(self.trainer.current_epoch, []).append(digest)
        return step(self, batch, batch_idx)

    monkeypatch.setattr(SequenceLitModule, "training_step", record)
    train(_compose(tmp_path, synthetic.root, "+debug=overfit", "trainer.max_steps=15"))
    assert len(seen) == 5 and all(len(batches) == 3 for batches in seen.values())
    assert seen[1] == seen[2] == seen[3] == seen[4]
    assert len(set(seen[1])) == 3  # three different batches, each seen again every epoch
    losses = [float(r["train/loss"]) for r in _rows(tmp_path) if r["train/loss"]]
    assert losses[-1] < losses[0] / 2  # memorising them


def test_profiler_writes_its_tables_into_the_run_dir(synthetic, tmp_path) -> None:
    train(_compose(tmp_path, synthetic.root, "+debug=profiler"))
    for stage, action in (("fit", "run_training_batch"), ("test", "test_step")):
        assert action in (tmp_path / f"{stage}-profiler.txt").read_text(), stage
