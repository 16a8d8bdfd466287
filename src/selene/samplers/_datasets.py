"""Torch datasets that serve whole batches: an endless training stream and fixed held-out sets.

Every dataset item is a batch (a dict), so DataLoaders use ``batch_size=None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

from selene.samplers._packets import packets, unpacked

Batch = dict[str, Any]


def current_rank() -> int:
    """Return the DDP rank of this process (0 when not distributed)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank()
    return 0


def stream_rng(seed: int, *keys: int) -> np.random.Generator:
    """Make a generator seeded from ``(seed, *keys)`` through ``np.random.SeedSequence``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(int(k) for k in keys)]))


def worker() -> tuple[int, int]:
    """Return (worker id, number of workers); (0, 1) in the main process."""
    info = get_worker_info()
    return (0, 1) if info is None else (info.id, info.num_workers)


class TrainStream(IterableDataset):
    """An endless stream of batches; every (rank, worker, epoch) draws its own stream.

    Parameters
    ----------
    draw : callable
        ``draw(rng) -> list of batches`` (drawn together, served one by one).
    seed : int
        Base seed; the stream's generator is seeded from
        ``(seed, 0, rank, worker id, epoch, n, start_step)``, where ``n`` counts the iterators
        this copy of the dataset has made (persistent workers).
    rank : int
        DDP rank of the process that iterates this dataset.
    on_batch : callable, optional
        Called with each batch and the ``(rank, worker id)`` (e.g. to save the drawn windows).
    start_step : int
        The trainer's step when the loader was made: a run resumed from a checkpoint draws new
        windows instead of replaying the first ones.
    narrow : dict, optional
        Fields that workers may send in a smaller exact dtype (see ``PacketRing``).
    """

    def __init__(
        self,
        draw: Callable[[np.random.Generator], list[Batch]],
        seed: int,
        rank: int = 0,
        on_batch: Callable[[Batch, tuple[int, int]], None] | None = None,
        start_step: int = 0,
        narrow: dict[tuple[str, ...], str] | None = None,
    ) -> None:
        self.draw, self.seed, self.rank, self.on_batch = draw, seed, rank, on_batch
        self.start_step, self.narrow = start_step, narrow
        self.epoch = 0
        self._n_iter = 0

    def __iter__(self) -> Iterator[Any]:
        wid, _ = worker()
        rng = stream_rng(self.seed, 0, self.rank, wid, self.epoch, self._n_iter, self.start_step)
        self._n_iter += 1
        stream = self._batches(rng, wid)
        return stream if get_worker_info() is None else packets(stream, self.narrow)

    def _batches(self, rng: np.random.Generator, wid: int) -> Iterator[Batch]:
        while True:
            for batch in self.draw(rng):
                if self.on_batch is not None:
                    self.on_batch(batch, (self.rank, wid))
                yield batch


class FixedBatches(Dataset):
    """A map-style dataset of batches, where item ``i`` is ``read(i)``.

    Parameters
    ----------
    read : callable
        ``read(i) -> batch`` for ``0 <= i < n_batches``.
    n_batches : int
        Number of batches.
    """

    def __init__(self, read: Callable[[int], Batch], n_batches: int) -> None:
        self.read, self.n_batches = read, n_batches

    def __len__(self) -> int:
        return self.n_batches

    def __getitem__(self, index: int) -> Batch:
        if not 0 <= index < self.n_batches:
            raise IndexError(f"batch {index} out of range: this set has {self.n_batches} batches")
        return self.read(index)


class EpochLoader(DataLoader):
    """A DataLoader over an endless stream: it unpacks workers' packets and counts epochs.

    The stream learns its epoch before workers copy it, so that non-persistent workers do not
    restart the same stream every epoch.
    """

    def __iter__(self):  # noqa: D105
        if hasattr(self.dataset, "epoch"):
            self.dataset.epoch += 1
        items = super().__iter__()
        return items if self.num_workers == 0 else unpacked(items)


def batch_loader(dataset: Dataset, num_workers: int, train: bool = False) -> DataLoader:
    """Make a DataLoader over a dataset whose items are whole batches."""
    cls = EpochLoader if train else DataLoader
    return cls(
        dataset,
        batch_size=None,
        shuffle=False,
        num_workers=num_workers,
        # batches are compact (uint8 codes) and moved by Lightning; pinning would add a copy
        pin_memory=False,
        persistent_workers=num_workers > 0,
    )
