"""Fixtures for tests/predict: a copy of tests/data/predict and a DeepSEA(200, 4) analysis."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from _predict_goldens import DATA, FEATURES, SEQUENCE_LENGTH, fill_weights
from torch import nn

from selene.models import DeepSEA
from selene.models.lit_module import SequenceLitModule
from selene.predict import AnalyzeSequences
from selene.sequences import Genome


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of tests/data/predict (genome.fa, query.fa, ism.fa, variants.vcf)."""
    tmp = tmp_path_factory.mktemp("predict")
    for name in ("genome.fa", "query.fa", "ism.fa", "variants.vcf"):
        shutil.copy(DATA / name, tmp / name)
    return tmp


@pytest.fixture(scope="session")
def genome(workdir: Path) -> Genome:
    return Genome(workdir / "genome.fa")


@pytest.fixture(scope="session")
def analysis(genome: Genome) -> AnalyzeSequences:
    """DeepSEA(200, 4) under the golden weights, on the CPU, no progress bars."""
    model = fill_weights(DeepSEA(SEQUENCE_LENGTH, len(FEATURES)))
    return AnalyzeSequences(
        model,
        None,
        SEQUENCE_LENGTH,
        FEATURES,
        batch_size=16,
        reference_sequence=genome,
        show_progress=False,
    )


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A selene.train-style checkpoint of the golden DeepSEA, at logs/train/runs/x/checkpoints."""
    net = {"_target_": "selene.models.DeepSEA", "sequence_length": 200, "n_targets": 4}
    optimizer = functools.partial(torch.optim.SGD, lr=0.0)
    module = SequenceLitModule(net, optimizer=optimizer, features=FEATURES)
    fill_weights(module.net)
    trainer = pl.Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.strategy.connect(module)
    logs = tmp_path_factory.mktemp("logs")
    path = logs / "train" / "runs" / "x" / "checkpoints" / "best-step1.ckpt"
    path.parent.mkdir(parents=True)
    trainer.save_checkpoint(path)
    return path


@pytest.fixture(scope="module")
def tiny_model(genome) -> AnalyzeSequences:
    """A small convolutional network (fast), batches of 4 records."""
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv1d(4, 16, 9), nn.ReLU(), nn.MaxPool1d(4), nn.Flatten(),
        nn.Linear(16 * ((SEQUENCE_LENGTH - 8) // 4), len(FEATURES)),
    )  # fmt: skip
    return AnalyzeSequences(net, None, SEQUENCE_LENGTH, FEATURES, batch_size=4,
                            reference_sequence=genome, show_progress=False)  # fmt: skip


@pytest.fixture(scope="session")
def vep_overrides(checkpoint: Path, workdir: Path) -> list[str]:
    """``selene.predict`` overrides: the golden checkpoint's VEP of variants.vcf, batches of 8."""
    return [
        "analysis=vep",
        f"analysis.vcf_file={workdir / 'variants.vcf'}",
        f"ckpt_path={checkpoint}",
        f"analyzer.reference_sequence.input_path={workdir / 'genome.fa'}",
        "analyzer.batch_size=8",
        "+analyzer.show_progress=false",
    ]
