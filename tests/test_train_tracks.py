"""``+experiment=tracks_demo`` end to end, in seconds: train, test, the track files, evaluate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import one_thread  # noqa: F401 (a fixture)
from selene.evaluate import evaluate
from selene.train import train
from selene.utils.config import config_dir

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = [
    "data.sequence_length=256",
    "data.n_validation_samples=16",
    "data.n_test_samples=16",
    "data.batch_size=8",
    "model.net.channels=8",
    "model.net.n_dilated=1",
    "trainer.accelerator=cpu",
    "trainer.max_steps=4",
    "trainer.val_check_interval=2",
    "+trainer.enable_progress_bar=false",
    "+trainer.enable_model_summary=false",
]


def _compose(config: str, data_dir: Path, out: Path, *overrides: str) -> DictConfig:
    paths = [f"paths.data_dir={data_dir}", f"paths.output_dir={out}"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(config, overrides=["+experiment=tracks_demo", *paths, *overrides])


@pytest.mark.slow  # about 12 s: the demo genome and its 20 tracks are made first
def test_tracks_demo_trains_tests_and_evaluates(tmp_path) -> None:
    data_dir, out = tmp_path / "data", tmp_path / "run"
    metrics = train(_compose("train", data_dir, out, *TINY, "~callbacks.progress_bar"))
    for key in ("val/pearson", "val/pearson_best", "val/spearman_windows", "test/pearson"):
        assert key in metrics
    assert (data_dir / "demo" / "tracks" / "f19.bw").is_file()  # prepare_data made them
    rows = list(csv.DictReader(open(out / "test_performance.tsv"), delimiter="\t"))
    assert [r["feature"] for r in rows] == [f"f{i:02d}" for i in range(20)]
    assert set(rows[0]) == {
        "feature",
        "pearson",
        "spearman",
        "mse",
        "pearson_windows",
        "spearman_windows",
        "mse_windows",
    }
    assert (out / "track_scatter.png").is_file() and (out / "track_windows.png").is_file()
    (best,) = (out / "checkpoints").glob("best-step*.ckpt")

    evaluated = evaluate(
        _compose("evaluate", data_dir, tmp_path / "eval", *TINY[:4], f"ckpt_path={best}")
    )
    assert evaluated["test/pearson"] == pytest.approx(metrics["test/pearson"], abs=1e-6)
    assert (tmp_path / "eval" / "track_windows.png").is_file()
