"""``val/auroc_best``: the best validation macro AUROC so far, kept across a resume."""

from __future__ import annotations

import csv
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
    tiny = [
        f"paths.output_dir={out}",
        *tiny_overrides(data_dir),
        "model.min_positives=1",
        "trainer.val_check_interval=2",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=[*tiny, *overrides])


def _validations(out: Path) -> list[tuple[float, float]]:
    """``(val/auroc, val/auroc_best)`` of each validation, in order."""
    with open(out / "metrics.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["val/auroc"]]
    return [(float(r["val/auroc"]), float(r["val/auroc_best"])) for r in rows]


def test_the_best_validation_auroc_is_the_running_maximum(synthetic, tmp_path) -> None:
    metrics = train(_compose(tmp_path, synthetic.root, "trainer.max_steps=8", "test=false"))
    logged = _validations(tmp_path)
    assert len(logged) == 4  # steps 2, 4, 6, 8 (sanity checks are left out)
    aurocs = [auroc for auroc, _ in logged]
    # float32 (the metric's state) of the float64 scores: equal after the same rounding
    expected = [torch.tensor(max(aurocs[: i + 1])).item() for i in range(len(aurocs))]
    assert [best for _, best in logged] == expected
    assert metrics["val/auroc_best"] == expected[-1]
    saved = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["val_best"]
    assert saved.item() == expected[-1]


def test_a_resumed_run_keeps_the_best_of_the_checkpoint(synthetic, tmp_path) -> None:
    cut, resumed = tmp_path / "cut", tmp_path / "resumed"
    train(_compose(cut, synthetic.root, "trainer.max_steps=2", "test=false"))
    checkpoint = torch.load(cut / "checkpoints" / "last.ckpt", weights_only=True)
    checkpoint["val_best"] = torch.tensor(0.999)  # better than any tiny run reaches
    torch.save(checkpoint, tmp_path / "best.ckpt")
    overrides = "trainer.max_steps=4", "test=false", f"ckpt_path={tmp_path / 'best.ckpt'}"
    metrics = train(_compose(resumed, synthetic.root, *overrides))
    logged = _validations(resumed)  # step 4: the resumed run's one validation
    assert len(logged) == 1 and logged[0][0] < 0.999
    assert logged[0][1] == pytest.approx(0.999) == metrics["val/auroc_best"]
