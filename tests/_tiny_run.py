"""Overrides for seconds-long train / evaluate runs on the synthetic fixture, shared by the
app tests (4 chromosomes, 8 features; chr3 validates, chr4 tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

# a model file in the shape of the Selene tutorial's deeperdeepsea.py (ends in nn.Sigmoid,
# module-level criterion() and get_optimizer(lr))
MODEL_FILE = Path(__file__).parent / "data" / "model_files" / "deeperdeepsea.py"


def tiny_overrides(
    data_dir: Path,
    n_samples: tuple[int, int] = (32, 32),
    batch_size: int = 8,
    num_workers: int = 0,
) -> list[str]:
    """Intervals data on 200 bp windows, CPU, no progress bar or model summary.

    ``n_samples`` are the validation and test set sizes. The last item is
    ``~callbacks.progress_bar`` (``evaluate`` has no such callback: drop it there).
    """
    return [
        "data=intervals",
        f"paths.data_dir={data_dir}",
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.sequence_length=200",
        "data.center_bin_to_predict=100",
        f"data.n_validation_samples={n_samples[0]}",
        f"data.n_test_samples={n_samples[1]}",
        f"data.batch_size={batch_size}",
        f"data.num_workers={num_workers}",
        "trainer.accelerator=cpu",
        "trainer.log_every_n_steps=1",
        "+trainer.enable_progress_bar=false",
        "+trainer.enable_model_summary=false",
        "~callbacks.progress_bar",
    ]


@pytest.fixture
def one_thread():
    """Tiny tensors: more threads only contend for a shared CPU (20x slower here)."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def quiet_trainer(
    tmp_path: Path, max_steps: int, callbacks: Sequence[pl.Callback] = ()
) -> pl.Trainer:
    """A CPU ``Trainer`` for ``max_steps`` steps: no logger, checkpoints, progress or summary."""
    return pl.Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        default_root_dir=tmp_path,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        callbacks=list(callbacks),
    )
