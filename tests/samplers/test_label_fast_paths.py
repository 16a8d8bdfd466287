"""The label reader's fast paths: a promised label range and per-window labels skip work."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data._utils.collate import default_convert

from selene.samplers._datasets import to_tensors
from selene.samplers._labels import LabelReader
from selene.targets import Target


class ConstantTarget(Target):
    """Every window's labels are ``value``; ``label_range`` as given."""

    never_nan = True

    def __init__(self, value: float, label_range: tuple[float, float] | None) -> None:
        self.value, self.label_range = value, label_range
        self.n_features, self.features = 3, ["a", "b", "c"]
        self.flips = 0

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        return np.full(self.n_features, self.value, np.float32)

    def flip_strand(self, labels: np.ndarray) -> np.ndarray:
        self.flips += 1
        return labels


def _read(target: Target, minus: bool = False) -> np.ndarray:
    reader = LabelReader(target, ["chr1"], 0, 100)
    reader.bounds = (0.0, 1.0, "bce takes targets in [0, 1]")
    ids, starts = np.zeros(4, np.int64), np.arange(4, dtype=np.int64) * 100
    return reader(ids, starts, np.full(4, minus))


def test_labels_outside_the_loss_range_are_refused_without_a_promise():
    with pytest.raises(ValueError, match=r"chr1:0-100.*\[0, 1\]|\[0\.0, 1\.0\]"):
        _read(ConstantTarget(3.0, None))


def test_a_promise_wider_than_the_loss_range_is_checked():
    with pytest.raises(ValueError, match="chr1:0-100"):
        _read(ConstantTarget(3.0, (0.0, 5.0)))


def test_a_promise_within_the_loss_range_skips_the_check():
    # the target breaks its own promise here, which only a skipped check lets through
    assert np.all(_read(ConstantTarget(3.0, (0.0, 1.0))) == 3.0)


class PlainTarget(ConstantTarget):
    """The protocol's own flip (per-window labels stay as they are)."""

    flip_strand = Target.flip_strand


def test_an_overridden_flip_is_called_and_the_default_is_not_copied():
    custom = ConstantTarget(0.5, (0.0, 1.0))
    assert np.all(_read(custom, minus=True) == 0.5)
    assert custom.flips == 1
    assert not LabelReader(PlainTarget(0.5, None), ["chr1"], 0, 100)._flips
    assert np.all(_read(PlainTarget(0.5, None), minus=True) == 0.5)


def test_to_tensors_gives_what_default_convert_gives():
    batch = {
        "sequence": np.zeros((2, 5), np.uint8),
        "targets": np.ones((2, 3), np.float32),
        "coords": {
            "chrom": ["chr1", "chr2"],
            "start": np.array([0, 5]),
            "strand": ["+", "-"],
            "names": np.array(["x", "y"]),
        },
    }
    ours, theirs = to_tensors(batch), default_convert(batch)
    assert ours.keys() == theirs.keys() and ours["coords"].keys() == theirs["coords"].keys()
    for key in ("sequence", "targets"):
        assert isinstance(ours[key], torch.Tensor)
        assert torch.equal(ours[key], theirs[key]) and ours[key].dtype == theirs[key].dtype
    assert torch.equal(ours["coords"]["start"], theirs["coords"]["start"])
    assert ours["coords"]["chrom"] == theirs["coords"]["chrom"] == ["chr1", "chr2"]
    assert list(ours["coords"]["names"]) == list(theirs["coords"]["names"])
