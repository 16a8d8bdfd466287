"""Torch datasets that serve whole batches: an endless training stream and fixed held-out sets.

Every dataset item is a batch (a dict), so DataLoaders use ``batch_size=None``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

from selene.samplers._packets import packed, unpacked

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


class ChunkStream(IterableDataset):
    """An endless stream of batches served in chunks of a fixed size; it can start at any batch.

    With ``W`` DataLoader workers there are ``W`` streams (per rank), and the loader serves their
    chunks in turn (a worker sends each chunk as one packet, and the loader asks its workers in
    turn from worker 0): chunk slot ``j`` of the loader is chunk ``j // W`` of stream ``j % W``.
    So the loader's batch ``n`` is known, and a loader that starts there (a resumed run) has
    each worker take over the stream whose chunk it now serves. Subclasses say how stream ``s``
    makes its chunks from any chunk on (:meth:`_chunks`).

    Parameters
    ----------
    per_chunk : int
        Batches per chunk.
    epoch : int
        The trainer's epoch when the loader was made; each further iteration of this dataset
        (a new epoch) serves the next epoch's streams.
    start : int
        Batches of the first iteration already trained on (a resumed run): the loader's first
        batch is batch ``start`` of the uninterrupted sequence.
    narrow : dict, optional
        Fields that workers may send in a smaller exact dtype (see ``PacketRing``).
    """

    def __init__(
        self,
        per_chunk: int,
        epoch: int = 0,
        start: int = 0,
        narrow: dict[tuple[str, ...], str] | None = None,
    ) -> None:
        self.per_chunk, self.first_epoch, self.start, self.narrow = per_chunk, epoch, start, narrow
        self._n_iter = 0  # iterations of this copy (a persistent worker keeps its copy)

    def __iter__(self) -> Iterator[Any]:
        wid, n_workers = worker()
        epoch, start = self.first_epoch + self._n_iter, self.start if self._n_iter == 0 else 0
        self._n_iter += 1
        # after `slot` chunk slots served, worker i serves slot + i, slot + i + W, ...; its
        # first chunk lacks the batches already served
        slot, skip = divmod(start, self.per_chunk)
        stream, chunk = (slot + wid) % n_workers, (slot + wid) // n_workers
        chunks = self._chunks(stream, n_workers, epoch, chunk, skip if wid == 0 else 0)
        if get_worker_info() is None:  # batch by batch: nothing is made before it is asked for
            return (batch for batches in chunks for batch in batches)
        return packed((list(batches) for batches in chunks), self.narrow)

    def _chunks(
        self, stream: int, n_streams: int, epoch: int, chunk: int, skip: int
    ) -> Iterator[Iterable[Batch]]:
        """Yield the chunks of stream ``stream`` of ``n_streams`` from ``chunk`` on.

        The first chunk lacks its first ``skip`` batches.
        """
        raise NotImplementedError


class TrainStream(ChunkStream):
    """An endless stream of drawn batches, a chunk per draw; it can start at any batch.

    Chunk ``c`` of stream ``s`` is drawn from a generator seeded from
    ``(seed, 0, rank, s, epoch, c)``, so batch ``n`` of the stream can be drawn without drawing
    those before it (see ``ChunkStream`` for the streams of workers).

    Parameters
    ----------
    draw : callable
        ``draw(rng) -> list of per_draw batches`` (drawn together, served one by one).
    seed : int
        Base seed of every stream.
    rank : int
        DDP rank of the process that iterates this dataset.
    on_batch : callable, optional
        Called with each batch served and the ``(rank, stream)`` that drew it (e.g. to save the
        drawn windows).
    per_draw : int
        Batches that one ``draw`` returns.
    epoch, start, narrow
        See ``ChunkStream``.
    """

    def __init__(
        self,
        draw: Callable[[np.random.Generator], list[Batch]],
        seed: int,
        rank: int = 0,
        on_batch: Callable[[Batch, tuple[int, int]], None] | None = None,
        per_draw: int = 1,
        epoch: int = 0,
        start: int = 0,
        narrow: dict[tuple[str, ...], str] | None = None,
    ) -> None:
        if per_draw < 1 or epoch < 0 or start < 0:
            raise ValueError(
                f"need per_draw >= 1, epoch >= 0 and start >= 0; got {per_draw}, {epoch}, {start}"
            )
        super().__init__(per_draw, epoch, start, narrow)
        self.draw, self.seed, self.rank, self.on_batch = draw, seed, rank, on_batch

    def _chunks(
        self, stream: int, n_streams: int, epoch: int, chunk: int, skip: int
    ) -> Iterator[list[Batch]]:
        for c in itertools.count(chunk):
            rng = stream_rng(self.seed, 0, self.rank, stream, epoch, c)
            batches = self.draw(rng)[skip:]
            skip = 0
            if self.on_batch is not None:
                for batch in batches:
                    self.on_batch(batch, (self.rank, stream))
            yield batches


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
    """A DataLoader over an endless stream whose workers send packets: it unpacks them.

    Streams count their own epochs (``ChunkStream``): workers are persistent and keep their copy.
    """

    def __iter__(self):  # noqa: D105
        items = super().__iter__()
        return items if self.num_workers == 0 else unpacked(items)


def to_tensors(batch: Any) -> Any:
    """Numeric numpy arrays of a batch (nested in dicts) become tensors; the rest stays.

    What ``default_convert`` gives for our batches, without its walk through every string of
    the coordinate lists (a third of a sampler's time at batch 64).
    """
    if isinstance(batch, dict):
        return {key: to_tensors(value) for key, value in batch.items()}
    if isinstance(batch, np.ndarray) and batch.dtype.kind in "biuf":
        return torch.as_tensor(batch)
    return batch


def batch_loader(dataset: Dataset, num_workers: int, train: bool = False) -> DataLoader:
    """Make a DataLoader over a dataset whose items are whole batches."""
    cls = EpochLoader if train else DataLoader
    return cls(
        dataset,
        batch_size=None,
        collate_fn=to_tensors,
        shuffle=False,
        num_workers=num_workers,
        # batches are compact (uint8 codes) and moved by Lightning; pinning would add a copy
        pin_memory=False,
        persistent_workers=num_workers > 0,
    )
