"""A file stream started at batch n serves what the stream started at 0 serves from n on."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.io
import torch

from selene.samplers import MatFileSampler, MultiFileSampler
from selene.samplers._datasets import batch_loader
from selene.samplers.multi_file import FileStream
from selene.utils.warnings import SeleneWarning


class Rows:
    """A file sampler in memory whose batches are the indices of their rows; it counts reads."""

    sequence_length, n_features, random_seed, narrow = 4, 1, 11, {}

    def __init__(self, n_samples: int, block_size: int, shuffle: bool = True) -> None:
        self.n_samples, self.block_size, self.shuffle = n_samples, block_size, shuffle
        self.reads: list[tuple[int, int]] = []

    def read(self, start: int, stop: int) -> np.ndarray:
        self.reads.append((start, stop))
        return np.arange(start, min(stop, self.n_samples))

    def batch(self, block: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {"row": block[rows]}


# (rows, block size): 13 full blocks of 16 and one of 4 rows (no batch of 8): streams split the
# blocks; 1 full block of 64 and one of 36 rows (4 batches): 2 streams share one order
SPLIT, SHARED = (212, 16), (100, 64)


def _served(source, num_workers, start, n, epoch=0, rank=0, world_size=1) -> list[list[int]]:
    stream = FileStream(source, 8, rank, world_size, epoch=epoch, start=start)
    stream.per_chunk = 3  # packets of 3 batches: a resumed loader may start mid-packet
    loader = batch_loader(stream, num_workers, train=True)
    return [torch.as_tensor(b["row"]).tolist() for b in itertools.islice(loader, n)]


@pytest.mark.parametrize("layout", [SPLIT, SHARED], ids=["split", "shared"])
@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_file_stream_resumes_at_any_batch(layout, num_workers) -> None:
    n = 40  # past the end of a pass (26 batches in one pass of SPLIT, 12 of SHARED)
    whole = _served(Rows(*layout), num_workers, 0, n)
    assert len({tuple(b) for b in whole[:10]}) == 10
    # 3: a whole packet served; 7 and 29: mid-packet, 29 in the second pass
    for start in (3, 7, 29):
        assert _served(Rows(*layout), num_workers, start, n - start) == whole[start:], start
    assert _served(Rows(*layout), num_workers, 0, 3, epoch=1) != whole[:3]


@pytest.mark.parametrize("layout", [SPLIT, SHARED], ids=["split", "shared"])
def test_ranks_resume_their_own_streams(layout) -> None:
    for rank in (0, 1):
        whole = _served(Rows(*layout), 0, 0, 30, rank=rank, world_size=2)
        assert _served(Rows(*layout), 0, 17, 13, rank=rank, world_size=2) == whole[17:]


@pytest.mark.parametrize("layout", [SPLIT, SHARED], ids=["split", "shared"])
def test_starting_late_reads_one_block(layout) -> None:
    for shuffle in (True, False):
        source = Rows(*layout, shuffle=shuffle)
        first = next(iter(FileStream(source, 8, start=100_000)))
        assert len(source.reads) == 1 and len(first["row"]) == 8


def test_streams_that_cannot_share_a_pass_are_refused() -> None:
    with pytest.raises(ValueError, match="20 training samples give 2 batches of 8, fewer than"):
        next(iter(FileStream(Rows(20, 20), 8, rank=0, world_size=3)))
    with pytest.raises(ValueError, match="need batch_size >= 1, 0 <= rank < world_size"):
        FileStream(Rows(20, 20), 8, rank=2, world_size=2)


@pytest.fixture
def make_multi(tmp_path):
    """A MultiFileSampler over a small .mat file; keyword arguments override."""
    rng = np.random.default_rng(0)
    one_hot = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (60, 20))].transpose(0, 2, 1)
    path = tmp_path / "train.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": (rng.random((60, 3)) < 0.3).astype(np.uint8)})

    def make(n_rows=None, **kwargs):
        train = MatFileSampler(path, "x", "y", random_seed=5)
        if n_rows is not None:
            train.n_samples = n_rows
        args = dict(batch_size=8, num_workers=0, features=["a", "b", "c"])
        return MultiFileSampler(train, MatFileSampler(path, "x", "y"), **{**args, **kwargs})

    return make


def test_the_multi_file_sampler_resumes_its_stream_from_its_state(make_multi) -> None:
    whole = list(itertools.islice(make_multi().train_dataloader(), 12))  # 7 batches a pass
    sampler = make_multi()
    sampler.load_state_dict({"train_epoch": 0, "train_batches": 9})
    assert torch.equal(next(iter(sampler.train_dataloader()))["sequence"], whole[9]["sequence"])
    again = next(iter(sampler.train_dataloader()))  # the position is used once
    assert torch.equal(again["sequence"], whole[0]["sequence"])
    sampler.load_state_dict({"train_epoch": 1, "train_batches": 9})  # another epoch than now
    assert torch.equal(next(iter(sampler.train_dataloader()))["sequence"], whole[0]["sequence"])
    with pytest.raises(ValueError, match="MultiFileSampler state .* train_batches >= 0"):
        sampler.load_state_dict({"train_epoch": 0, "train_batches": -1})


def test_resuming_with_another_training_file_warns(make_multi) -> None:
    state = {"train_epoch": 0, "train_batches": 3, "seed": 5, "batch_size": 8, "num_workers": 0}
    make_multi().load_state_dict({**state, "train_samples": 60})  # the same settings: quiet
    with pytest.warns(SeleneWarning, match=r"another train_samples than .* \(60, 50\)"):
        make_multi(n_rows=50).load_state_dict({**state, "train_samples": 60})
