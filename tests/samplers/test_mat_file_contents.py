"""Sequences that are not one-hot, and targets a loss cannot take, are refused at load."""

from __future__ import annotations

import functools

import h5py
import numpy as np
import pytest
import pytorch_lightning as pl
import scipy.io
import torch
from torch import nn

from selene.models import SequenceLitModule
from selene.samplers import MatFileSampler, MultiFileSampler

N, L, F = 40, 24, 5


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    one_hot = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (N, L))].transpose(0, 2, 1)
    return one_hot.copy(), (rng.random((N, F)) < 0.3).astype(np.uint8)


def _h5(path, **arrays):
    with h5py.File(path, "w") as handle:
        for key, value in arrays.items():
            handle[key] = value
    return path


@pytest.mark.parametrize(
    ("value", "dtype"),
    [([1, 1, 0, 0], np.uint8), ([2, 0, 0, 0], np.uint8), ([-1, 1, 1, 0], np.int8),
     ([0.5, 0.5, 0, 0], np.float32), ([0.25, 0.25, 0.25, 0], np.float32),
     ([1, 1, 0, 0], bool)],
)  # fmt: skip
def test_not_one_hot_names_file_variable_and_sample(data, tmp_path, value, dtype):
    one_hot, targets = data
    seq = one_hot.astype(dtype)
    seq[29, :, 11] = value
    path = tmp_path / "bad.mat"
    scipy.io.savemat(path, {"trainxdata": seq, "traindata": targets})
    sampler = MatFileSampler(path, "trainxdata", "traindata")
    with pytest.raises(ValueError, match=r"bad.mat: 'trainxdata' is not one-hot at sample 29, "):
        sampler.read_batch(0, N)


@pytest.mark.parametrize(("unknown", "dtype"), [(0, np.uint8), (0.25, np.float32)])
def test_not_one_hot_in_an_hdf5_block(data, tmp_path, unknown, dtype):
    one_hot, targets = data
    seq = one_hot.astype(dtype)
    seq[3, :, 7] = unknown  # N: all 0 in DeepSEA's integer arrays, all 0.25 in the Selene SDK's
    seq[25, :, 20] = [1, 0, 1, 0]
    sampler = MatFileSampler(_h5(tmp_path / "bad.h5", x=seq, y=targets), "x", "y")
    np.testing.assert_array_equal(sampler.read_batch(0, 20)["sequence"], seq[:20])
    with pytest.raises(ValueError, match=r"'x' is not one-hot at sample 25, position 20: "
                       r"\[1(\.0)?, 0(\.0)?, 1(\.0)?, 0(\.0)?\]\. Each position"):  # fmt: skip
        sampler.read_batch(20, 40)
    cropped = MatFileSampler(tmp_path / "bad.h5", "x", "y", use_seq_len=8)  # positions 8..15
    cropped.read_batch(0, N)  # the bad position is cropped away


def test_targets_outside_the_loss_range(data, tmp_path):
    one_hot, targets = data
    counts = targets * 3.0
    sampler = MatFileSampler(_h5(tmp_path / "counts.h5", x=one_hot, y=counts), "x", "y")
    sampler.read_batch(0, N)  # no loss asked for a range: quantitative targets are fine
    sampler.require_target_range(0.0, 1.0, "use a regression loss")
    row, col = np.argwhere(counts > 1)[0]
    with pytest.raises(
        ValueError,
        match=rf"counts.h5: 'y' holds 3.0 at sample {row}, feature {col}, outside \[0.0, 1.0\]: "
        "use a regression loss",
    ):
        sampler.read_batch(0, N)


def _fit(datamodule, loss: str) -> None:
    net = nn.Sequential(nn.Flatten(), nn.Linear(4 * L, F))
    module = SequenceLitModule(
        net, functools.partial(torch.optim.SGD, lr=0.1), loss=loss, min_positives=1
    )
    trainer = pl.Trainer(
        max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        limit_val_batches=1, val_check_interval=1, check_val_every_n_epoch=None,
    )  # fmt: skip
    trainer.fit(module, datamodule=datamodule)


def test_bce_loss_refuses_targets_outside_0_1(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "train.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": targets * 2.0})
    multi = MultiFileSampler(
        MatFileSampler(path, "x", "y"), MatFileSampler(path, "x", "y", shuffle=False),
        [f"t{i}" for i in range(F)], batch_size=8,
    )  # fmt: skip
    _fit(multi, "mse")  # quantitative targets train with mse
    with pytest.raises(ValueError, match=r"train.mat: 'y' holds 2.0 at sample \d+, feature \d+, "
                       r"outside \[0.0, 1.0\]: loss='bce' takes binary targets"):  # fmt: skip
        _fit(multi, "bce")
