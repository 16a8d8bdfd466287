"""``multirun_summary.tsv``: which job of a multirun won on ``optimized_metric``."""

from __future__ import annotations

import csv
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.core.utils import JobReturn, JobStatus
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from _tiny_run import tiny_overrides
from selene.utils.multirun import MultirunSummary


def _config(sweep: Path, metric: str | None = "val/auroc", job: int = 0, **hydra) -> DictConfig:
    node = {
        "mode": RunMode.MULTIRUN,
        "sweep": {"dir": str(sweep)},
        "job": {"num": job},
        "runtime": {"output_dir": str(sweep / str(job))},
        **hydra,
    }
    return OmegaConf.create({"optimized_metric": metric, "hydra": node})


def _job(overrides: list[str], value: float | None, failed: bool = False) -> JobReturn:
    status = JobStatus.FAILED if failed else JobStatus.COMPLETED
    job = JobReturn(overrides=overrides, status=status)
    job.return_value = RuntimeError("boom") if failed else value
    return job


def _sweep(summary: MultirunSummary, sweep: Path, results, **cfg) -> list[dict[str, str]]:
    summary.on_multirun_start(_config(sweep, **cfg))
    for num, (overrides, value, failed) in reversed(list(enumerate(results))):  # any order
        summary.on_job_end(_config(sweep, job=num, **cfg), _job(overrides, value, failed))
    summary.on_multirun_end(_config(sweep, **cfg))
    with open(sweep / "multirun_summary.tsv") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_the_best_job_is_marked_and_logged(tmp_path, caplog) -> None:
    results = [
        (["lr=0.1", "x=[1, 2]"], 0.61, False),
        (["lr=0.01", "x=[1, 2]"], 0.83, False),
        (["lr=1.0", "x=[1, 2]"], None, True),
        (["lr=0.001", "x=[1, 2]"], math.nan, False),
    ]
    with caplog.at_level(logging.INFO, logger="selene.utils.multirun"):
        rows = _sweep(MultirunSummary(), tmp_path, results)
    assert [r["job"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["winner"] for r in rows] == ["false", "true", "false", "false"]
    assert [r["status"] for r in rows] == ["completed", "completed", "failed", "completed"]
    assert float(rows[1]["val/auroc"]) == 0.83 and rows[2]["val/auroc"] == ""
    assert rows[0]["overrides"] == "lr=0.1 'x=[1, 2]'"  # shell-quoted, ready to paste
    assert rows[1]["run_dir"] == str(tmp_path / "1")
    assert "job 1 won on val/auroc = 0.83 (maximize) with lr=0.01;" in caplog.text


@pytest.mark.parametrize(
    ("metric", "direction", "sweeper", "winner"),
    [
        ("val/loss", None, {}, "0"),  # a loss: lower wins
        ("val/auroc", "minimize", {}, "0"),  # told
        ("val/auroc", None, {"sweeper": {"direction": "minimize"}}, "0"),  # Optuna's direction
        ("val/auroc", None, {}, "1"),
    ],
)
def test_direction(tmp_path, metric, direction, sweeper, winner) -> None:
    results = [(["a=1"], 0.2, False), (["a=2"], 0.5, False)]
    summary = MultirunSummary(direction=direction)
    rows = _sweep(summary, tmp_path, results, metric=metric, **sweeper)
    assert [r["job"] for r in rows if r["winner"] == "true"] == [winner]


def test_no_finite_score_warns_and_apps_without_a_metric_get_no_table(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="selene.utils.multirun"):
        rows = _sweep(MultirunSummary(), tmp_path / "a", [(["a=1"], None, False)])
    assert rows[0]["winner"] == "false" and "no job returned a finite val/auroc" in caplog.text
    summary, sweep = MultirunSummary(), tmp_path / "b"
    summary.on_multirun_start(_config(sweep, metric=None))  # predict: nothing to compare
    summary.on_job_end(_config(sweep, metric=None), _job(["a=1"], None))
    summary.on_multirun_end(_config(sweep, metric=None))
    assert not (sweep / "multirun_summary.tsv").exists()
    with pytest.raises(ValueError, match=r"direction='max': use maximize, minimize or null"):
        MultirunSummary(direction="max")


@pytest.mark.slow  # a subprocess of two jobs (~20 s); the tests above check the callback
def test_a_train_multirun_writes_the_summary(synthetic, tmp_path) -> None:
    sweep = tmp_path / "sweep"
    command = [
        *("-m", "selene.train", "-m", "model.optimizer.lr=1e-2,1e-4"),
        *tiny_overrides(synthetic.root, n_samples=(32, 32)),
        *("model.min_positives=1", "trainer.max_steps=2", "trainer.val_check_interval=2"),
        *("test=false", f"hydra.sweep.dir={sweep}"),
    ]
    env = os.environ | {"OMP_NUM_THREADS": "1"}  # tiny tensors: more threads only contend
    run = subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(sweep / "multirun_summary.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [r["job"] for r in rows] == ["0", "1"]
    for row in rows:  # each job's score is its last logged val/auroc
        with open(Path(row["run_dir"]) / "metrics.csv") as handle:
            logged = [r["val/auroc"] for r in csv.DictReader(handle) if r["val/auroc"]]
        assert float(row["val/auroc"]) == pytest.approx(float(logged[-1]), abs=1e-6)
    (best,) = (r for r in rows if r["winner"] == "true")
    assert float(best["val/auroc"]) == max(float(r["val/auroc"]) for r in rows)
    swept = best["overrides"].split()[0]
    assert swept.startswith("model.optimizer.lr=")
    assert f"job {best['job']} won on val/auroc = " in run.stdout + run.stderr
    assert f"with {swept};" in run.stdout + run.stderr
