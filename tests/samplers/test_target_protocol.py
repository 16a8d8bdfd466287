"""Samplers take any ``Target`` (``target=``), and refuse what does not follow the protocol."""

from __future__ import annotations

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from torch import nn

from selene.samplers import IntervalsSampler, RandomPositionsSampler
from selene.targets import GenomicFeatures, Target

SMALL = dict(
    validation_holdout=["chr3"],
    test_holdout=["chr4"],
    sequence_length=1000,
    center_bin_to_predict=200,
    n_validation_samples=64,
    n_test_samples=32,
    batch_size=16,
    seed=5,
)


def _rule(chrom: str, start: int, end: int) -> list[float]:
    """Labels from plain Python: the bin's kilobase is odd; the bin is on chr1."""
    return [float((start // 1000) % 2), float(chrom == "chr1")]


class FunctionTarget(Target):
    """The guide's example: labels computed by a Python function of the coordinates."""

    binary = True  # 0/1 labels: loaders may move them as uint8

    def __init__(self, rule) -> None:
        self.rule = rule
        self.features = ["odd_kb", "on_chr1"]
        self.n_features = len(self.features)

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        return np.asarray(self.rule(chrom, start, end), dtype=np.float32)


class _Probe(pl.LightningModule):
    """A linear model that records the labels it trains on."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4 * 1000, 2))
        self.seen: list[tuple[dict, torch.Tensor]] = []

    def training_step(self, batch, batch_idx):
        self.seen.append((batch["coords"], batch["targets"].clone()))
        logits = self.net(batch["sequence"])
        return nn.functional.binary_cross_entropy_with_logits(logits, batch["targets"])

    def validation_step(self, batch, batch_idx):
        loss = nn.functional.mse_loss(self.net(batch["sequence"]), batch["targets"])
        self.log("val/loss", loss, batch_size=batch["targets"].shape[0])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def test_a_custom_target_trains_through_a_sampler(genome, tmp_path):
    target = FunctionTarget(_rule)
    sampler = RandomPositionsSampler(genome, target=target, **SMALL)
    assert sampler.features == ["odd_kb", "on_chr1"] and sampler.n_features == 2
    model = _Probe()
    trainer = pl.Trainer(
        max_steps=4,
        val_check_interval=2,
        limit_val_batches=1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(model, datamodule=sampler)
    assert trainer.global_step == 4 and len(model.seen) == 4
    for coords, labels in model.seen:
        assert labels.dtype == torch.float32 and labels.shape == (16, 2)
        want = [
            _rule(c, int(s) + 400, int(s) + 600)
            for c, s in zip(coords["chrom"], coords["start"], strict=True)
        ]
        np.testing.assert_array_equal(labels.numpy(), np.float32(want))


def test_intervals_sampler_takes_target_too(synthetic, genome):
    sampler = IntervalsSampler(
        genome,
        target=FunctionTarget(_rule),
        intervals_path=synthetic.intervals_bed,
        sample_negative=True,
        **SMALL,
    )
    batch = sampler.sample(8)
    assert np.asarray(batch["targets"]).shape == (8, 2)
    with pytest.raises(TypeError, match="IntervalsSampler needs intervals_path"):
        IntervalsSampler(genome, target=FunctionTarget(_rule), **SMALL)


def test_target_path_keeps_working_as_the_bed_shortcut(synthetic, genome):
    by_path = RandomPositionsSampler(
        genome, target_path=synthetic.features_bed, features=synthetic.features_txt, **SMALL
    )
    by_target = RandomPositionsSampler(
        genome, target=GenomicFeatures(synthetic.features_bed, synthetic.features_txt), **SMALL
    )
    a, b = by_path.sample(32), by_target.sample(32)
    np.testing.assert_array_equal(a["targets"], b["targets"])
    assert a["coords"]["start"].tolist() == b["coords"]["start"].tolist()


def test_target_and_target_path_are_exclusive(synthetic, genome, targets):
    with pytest.raises(ValueError, match="give exactly one of target= .* got both"):
        RandomPositionsSampler(genome, target_path=synthetic.features_bed, target=targets, **SMALL)
    with pytest.raises(ValueError, match="give exactly one of target= .* got neither"):
        RandomPositionsSampler(genome, **SMALL)
    with pytest.raises(TypeError, match="pass a BED path as target_path= instead"):
        RandomPositionsSampler(genome, target=synthetic.features_bed, **SMALL)
    with pytest.raises(ValueError, match="features is required with target_path="):
        RandomPositionsSampler(genome, target_path=synthetic.features_bed, **SMALL)


class _DuckTarget:
    """Has the methods, but is no ``Target``."""

    features = ["a"]
    n_features = 1

    def get_feature_data(self, chrom, start, end):
        return np.zeros(1, np.float32)

    def get_feature_data_batch(self, chroms, starts, ends):
        return np.zeros((len(starts), 1), np.float32)


class _NoCount(Target):
    """Forgets to set ``n_features``."""

    def get_feature_data(self, chrom, start, end):
        return np.zeros(1, np.float32)


class _Mismatch(FunctionTarget):
    def __init__(self) -> None:
        super().__init__(_rule)
        self.n_features = 3


class _Unnamed(Target):
    n_features = 2

    def get_feature_data(self, chrom, start, end):
        return np.zeros(2, np.float32)


def test_what_breaks_the_protocol_is_refused_clearly(genome, targets):
    with pytest.raises(TypeError, match="target must be a selene.targets.Target; got _DuckTarget"):
        RandomPositionsSampler(genome, target=_DuckTarget(), **SMALL)
    with pytest.raises(TypeError, match="target must be a selene.targets.Target; got _DuckTarget"):
        RandomPositionsSampler(genome, target_path=_DuckTarget(), **SMALL)
    with pytest.raises(TypeError, match="_NoCount sets no n_features"):
        RandomPositionsSampler(genome, target=_NoCount(), **SMALL)
    with pytest.raises(ValueError, match="_Mismatch has n_features=3 but 2 features"):
        RandomPositionsSampler(genome, target=_Mismatch(), **SMALL)
    with pytest.raises(ValueError, match="_Unnamed has features=None"):
        RandomPositionsSampler(genome, target=_Unnamed(), **SMALL)
    named = RandomPositionsSampler(genome, target=_Unnamed(), features=["x", "y"], **SMALL)
    assert named.features == ["x", "y"]
    with pytest.raises(TypeError, match="reference_sequence must be a selene.sequences.Sequence"):
        RandomPositionsSampler(object(), target=targets, **SMALL)


class _BadShape(FunctionTarget):
    def get_feature_data_batch(self, chroms, starts, ends):
        return np.zeros((len(starts), 2, 1), np.float32)


def test_labels_of_the_wrong_shape_are_refused(genome):
    sampler = RandomPositionsSampler(genome, target=_BadShape(_rule), **SMALL)
    with pytest.raises(ValueError, match=r"gave labels of shape \(\d+, 2, 1\) for \d+ windows"):
        sampler.sample(4)


class _Absent(FunctionTarget):
    absent_features = ["on_chr1"]

    def describe(self) -> str:
        return "rule.py"


def test_declared_absent_features_are_refused_naming_the_source(genome):
    with pytest.raises(ValueError, match=r"1 of the 2 listed features have no interval in rule"):
        RandomPositionsSampler(genome, target=_Absent(_rule), **SMALL)


def test_the_protocol_defaults(targets):
    target = FunctionTarget(_rule)
    assert (Target.binary, Target.never_nan, tuple(Target.absent_features)) == (False, False, ())
    assert target.describe() == "FunctionTarget"
    assert target.chrom_ids(["chr1", "chr2"]).tolist() == ["chr1", "chr2"]
    assert targets.never_nan and targets.binary and targets.describe().endswith("features.bed.gz")


class _Counts(Target):
    """Read counts: fine for mse or poisson, not for a binary loss."""

    features = ["reads"]
    n_features = 1

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        return np.asarray([3.0 if chrom == "chr2" else 0.0], dtype=np.float32)


def test_labels_outside_the_loss_range_are_refused_naming_the_window(genome):
    sampler = RandomPositionsSampler(genome, target=_Counts(), **SMALL)
    assert sampler.sample(64, "train")["targets"].max() == 3.0  # no range asked: served
    sampler.require_target_range(0.0, 1.0, "loss='bce' takes binary targets")
    with pytest.raises(ValueError, match=r"_Counts gave 3 for feature 0 of chr2:\d+-\d+, outside "
                       r"\[0, 1\]: loss='bce' takes binary targets"):  # fmt: skip
        sampler.sample(64, "train")
