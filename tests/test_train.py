"""The train / evaluate apps end to end on the tiny synthetic genome."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import tiny_overrides
from selene.evaluate import evaluate
from selene.train import train
from selene.utils.config import config_dir


def _tiny(data_dir: Path) -> list[str]:
    """Overrides for a seconds-long run on the synthetic fixture (4 chromosomes, 8 features)."""
    return tiny_overrides(data_dir, n_samples=(64, 96), batch_size=16)


def _compose(config: str, out: Path, *overrides: str) -> DictConfig:
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(config, overrides=[f"paths.output_dir={out}", *overrides])


def _table(path: Path) -> list[dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t" if path.suffix == ".tsv" else ","))


@pytest.fixture(scope="module")
def trained(synthetic, tmp_path_factory) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp("train")
    cfg = _compose(
        "train",
        out,
        *_tiny(synthetic.root),
        "trainer.max_steps=6",
        "trainer.val_check_interval=3",
        "model.min_positives=1",
    )
    return out, train(cfg)


def test_fast_dev_run(synthetic, tmp_path) -> None:
    cfg = _compose("train", tmp_path, *_tiny(synthetic.root), "+trainer.fast_dev_run=true")
    metrics = train(cfg)
    assert "test/loss" in metrics
    assert (tmp_path / "config.yaml").is_file()
    assert len(_table(tmp_path / "test_performance.tsv")) == 8


def test_test_without_a_test_partition_is_refused_before_training(synthetic, tmp_path) -> None:
    cfg = _compose("train", tmp_path, *_tiny(synthetic.root), "data.test_holdout=null")
    with pytest.raises(ValueError, match=r"test=true, but the data \(IntervalsSampler\) has no "):
        train(cfg)
    assert not (tmp_path / "checkpoints").exists()  # refused before any training


def test_run_dir_holds_every_output(synthetic, trained) -> None:
    out, metrics = trained
    for name in (
        "config.yaml",
        "metrics.csv",
        "test_performance.tsv",
        "roc_curves.png",
        "pr_curves.png",
        "checkpoints/last.ckpt",
    ):
        assert (out / name).is_file(), name
    assert list((out / "checkpoints").glob("best-step*.ckpt"))
    rows = _table(out / "test_performance.tsv")
    assert [r["feature"] for r in rows] == synthetic.features_txt.read_text().split()
    assert set(rows[0]) == {"feature", "AUROC", "AUPRC", "n_positives"}
    assert {"val/auroc", "test/auroc", "test/auprc", "train/loss"} <= set(metrics)
    logged = _table(out / "metrics.csv")
    assert any(r.get("val/auroc") for r in logged) and any(r.get("train/loss") for r in logged)
    assert "n_targets: 8" in (out / "config.yaml").read_text()


def test_evaluate_reproduces_the_training_test_metrics(synthetic, trained, tmp_path) -> None:
    out, metrics = trained
    (best,) = (out / "checkpoints").glob("best-step*.ckpt")
    cfg = _compose("evaluate", tmp_path, *_tiny(synthetic.root)[:-1], f"ckpt_path={best}")
    evaluated = evaluate(cfg)
    # The same checkpoint on the same batches through the same kernels (the tables below are
    # equal as text); 1e-6 absorbs only the float32 averaging of the logged means.
    for key in ("test/auroc", "test/auprc", "test/loss"):
        assert evaluated[key] == pytest.approx(metrics[key], abs=1e-6), key
    assert _table(tmp_path / "test_performance.tsv") == _table(out / "test_performance.tsv")
    assert (tmp_path / "roc_curves.png").is_file()


def test_evaluate_rejects_a_checkpoint_with_other_features(synthetic, trained, tmp_path) -> None:
    out, _ = trained
    cfg = _compose(
        "evaluate",
        tmp_path,
        *_tiny(synthetic.root)[:-1],
        f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}",
        "data.features=[f0,f1,f2]",
    )
    with pytest.raises(ValueError, match="checkpoint predicts 8 features but the data has 3"):
        evaluate(cfg)


def test_resume_continues_the_step_count(synthetic, trained, tmp_path) -> None:
    out, _ = trained
    cfg = _compose(
        "train",
        tmp_path,
        *_tiny(synthetic.root),
        "trainer.max_steps=9",
        "trainer.val_check_interval=3",
        f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}",
        "test=false",
    )
    train(cfg)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] == 9
    steps = [int(r["step"]) for r in _table(tmp_path / "metrics.csv") if r["step"]]
    assert min(steps) >= 6 and max(steps) >= 8


def test_app_finds_its_configs_from_any_directory(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "selene.train", "--cfg", "job", "+experiment=deepsea"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "selene.models.DeepSEA" in result.stdout and "chr8" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "selene.train", "+experiment=nope"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "deepsea" in bad.stderr and "demo" in bad.stderr


def _cli(tmp_path: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    overrides = [o.replace("+trainer.enable_model_summary=false", "") for o in _tiny(data_dir)]
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "selene.train",
            *args,
            *filter(None, overrides),
            f"paths.log_dir={tmp_path / 'logs'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


@pytest.mark.slow
def test_multirun_sweep_runs_one_job_per_value(synthetic, tmp_path) -> None:
    result = _cli(
        tmp_path,
        synthetic.root,
        "-m",
        "model.optimizer.lr=1e-3,1e-4",
        "trainer.max_steps=20",
        "trainer.val_check_interval=10",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted((tmp_path / "logs" / "train" / "multiruns").glob("*/[0-9]"))
    assert len(jobs) == 2
    lrs = {
        float(line.split(":")[1])
        for job in jobs
        for line in (job / "config.yaml").read_text().splitlines()
        if line.strip().startswith("lr:")
    }
    assert lrs == {1e-3, 1e-4}
    assert all((job / "test_performance.tsv").is_file() for job in jobs)


PROBE = """
import hashlib, pytorch_lightning as pl

class Probe(pl.Callback):
    def __init__(self, out):
        self.out = out

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        digest = hashlib.md5(batch["sequence"].cpu().numpy().tobytes()).hexdigest()
        with open(f"{self.out}/rank{trainer.global_rank}.txt", "a") as handle:
            handle.write(digest + "\\n")
"""


@pytest.mark.slow
def test_ddp_on_two_cpu_processes_gives_ranks_different_batches(synthetic, tmp_path) -> None:
    (tmp_path / "ddp_probe.py").write_text(PROBE)
    result = _cli(
        tmp_path,
        synthetic.root,
        "trainer=ddp_cpu",
        "trainer.max_steps=4",
        "trainer.val_check_interval=2",
        "+callbacks.probe._target_=ddp_probe.Probe",
        f"+callbacks.probe.out={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rank0 = (tmp_path / "rank0.txt").read_text().split()
    rank1 = (tmp_path / "rank1.txt").read_text().split()
    assert len(rank0) == len(rank1) == 4
    assert not set(rank0) & set(rank1)
    (run,) = (tmp_path / "logs" / "train" / "runs").glob("*")
    assert (run / "test_performance.tsv").is_file()
