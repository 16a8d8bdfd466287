"""A training stream started at batch n serves what the stream started at 0 serves from n on."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from selene.samplers._datasets import TrainStream, batch_loader
from selene.utils.warnings import SeleneWarning

_PER_DRAW = 3


def _draw(rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    return [{"x": rng.integers(0, 2**62, size=2)} for _ in range(_PER_DRAW)]


def _served(num_workers: int, start: int, n: int, epoch: int = 0) -> list[list[int]]:
    stream = TrainStream(_draw, seed=5, per_draw=_PER_DRAW, epoch=epoch, start=start)
    loader = batch_loader(stream, num_workers, train=True)
    return [torch.as_tensor(b["x"]).tolist() for b in itertools.islice(loader, n)]


@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_stream_resumes_at_any_batch(num_workers) -> None:
    whole = _served(num_workers, 0, 14)
    assert len({tuple(b) for b in whole}) == 14  # workers and chunks draw distinct batches
    # 3: a whole chunk served (worker 1 goes first); 7: two chunks and one batch of the third
    for start in (3, 7):
        assert _served(num_workers, start, 14 - start) == whole[start:], start
    assert _served(num_workers, 0, 3, epoch=1) != whole[:3]


def test_the_sampler_resumes_its_stream_from_its_state(make_sampler) -> None:
    whole = list(itertools.islice(make_sampler().train_dataloader(), 22))
    sampler = make_sampler()
    sampler.load_state_dict({"train_epoch": 0, "train_batches": 21})  # mid-chunk (16 per draw)
    resumed = next(iter(sampler.train_dataloader()))
    assert torch.equal(resumed["sequence"], whole[21]["sequence"])
    assert torch.equal(resumed["targets"], whole[21]["targets"])
    assert resumed["coords"]["chrom"] == whole[21]["coords"]["chrom"]
    again = next(iter(sampler.train_dataloader()))  # the position is used once
    assert torch.equal(again["sequence"], whole[0]["sequence"])
    sampler.load_state_dict({"train_epoch": 1, "train_batches": 21})  # another epoch than now
    assert torch.equal(next(iter(sampler.train_dataloader()))["sequence"], whole[0]["sequence"])


def test_a_malformed_stream_state_is_refused(make_sampler) -> None:
    sampler = make_sampler()
    sampler.load_state_dict({})  # a checkpoint saved without a trainer
    for state in ({"train_epoch": 0, "train_batches": -1}, {"train_epoch": "0"}):
        with pytest.raises(ValueError, match="RandomPositionsSampler state .* train_batches >= 0"):
            sampler.load_state_dict(state)
    with pytest.raises(ValueError, match="need per_draw >= 1, epoch >= 0 and start >= 0"):
        TrainStream(_draw, seed=5, per_draw=0)


def test_resuming_with_other_stream_settings_warns(make_sampler) -> None:
    state = {"train_epoch": 0, "train_batches": 3, "seed": 7, "batch_size": 32, "num_workers": 0}
    make_sampler().load_state_dict(state)  # the same settings: quiet
    with pytest.warns(SeleneWarning, match=r"another batch_size, num_workers than .* \(32, 16\)"):
        make_sampler(batch_size=16, num_workers=1).load_state_dict(state)
