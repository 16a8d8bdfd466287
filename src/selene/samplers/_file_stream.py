"""``FileStream``: endless shuffled passes over a file sampler, able to start at any batch."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from selene.samplers._datasets import ChunkStream, stream_rng
from selene.samplers._packets import batches_per_packet

Batch = dict[str, Any]


class FileStream(ChunkStream):
    """Endless passes over a file sampler in batches, shuffled per pass; streams share the work.

    Rows are read in blocks (a multiple of ``batch_size``); a last incomplete batch of a block
    is dropped. The streams are the DataLoader workers of every rank (``S`` = ranks x workers).
    With at least as many full blocks as streams, each stream reads its own blocks of every
    pass (blocks ``s, s + S, ...`` of the pass's order); otherwise every stream walks the same
    order and serves every ``S``-th batch of it, reading only the blocks that hold one.

    The blocks' order in each pass, and the rows' order in each block, are drawn from their own
    generators (seeded from ``random_seed``, the epoch, the pass and the block), so where batch
    ``n`` of a stream lies (pass, block, rows) is counted without reading any data: a stream
    starts at any batch at the cost of reading one block, and a resumed run trains on the
    batches the uninterrupted run would have (``ChunkStream`` says in which order the loader
    serves the streams).

    Parameters
    ----------
    source : FileSampler
        The training data (``BedFileSampler``, ``MatFileSampler``).
    batch_size : int
        Rows per batch.
    rank, world_size : int
        DDP rank of the process that iterates this dataset, and the number of ranks.
    epoch, start : int
        See ``ChunkStream``.

    Raises
    ------
    ValueError
        If an argument is out of range; on iteration, if the streams share one order but a pass
        has fewer batches than there are streams.
    """

    def __init__(
        self,
        source: Any,
        batch_size: int,
        rank: int = 0,
        world_size: int = 1,
        epoch: int = 0,
        start: int = 0,
    ) -> None:
        if batch_size < 1 or not 0 <= rank < world_size or epoch < 0 or start < 0:
            raise ValueError(
                "need batch_size >= 1, 0 <= rank < world_size, epoch >= 0 and start >= 0; got "
                f"{batch_size}, {rank}, {world_size}, {epoch}, {start}"
            )
        # a packet holds a fixed number of batches, so that the loader's order is known
        labels = getattr(source, "label_shape", (source.n_features or 0,))
        row_bytes = 4 * source.sequence_length + 4 * int(np.prod(labels))
        narrow = getattr(source, "narrow", None)
        super().__init__(batches_per_packet(batch_size * row_bytes), epoch, start, narrow)
        self.source, self.batch_size, self.rank, self.world_size = (
            source,
            batch_size,
            rank,
            world_size,
        )
        self.block_rows = max(1, source.block_size // batch_size) * batch_size
        n_samples = source.n_samples
        firsts = np.arange(0, n_samples, self.block_rows)
        self.block_batches = np.minimum(self.block_rows, n_samples - firsts) // batch_size
        self.n_full_blocks = n_samples // self.block_rows

    def _chunks(
        self, stream: int, n_streams: int, epoch: int, chunk: int, skip: int
    ) -> Iterator[Iterable[Batch]]:
        # the loader's streams are this rank's workers; a stream here is one of every rank's
        stream, n_streams = self.rank * n_streams + stream, self.world_size * n_streams
        batches = self._batches(stream, n_streams, epoch, chunk * self.per_chunk + skip)
        size = self.per_chunk - skip
        while True:
            yield itertools.islice(batches, size)  # lazy: read as the batches are asked for
            size = self.per_chunk

    def _batches(self, stream: int, n_streams: int, epoch: int, first: int) -> Iterator[Batch]:
        """Yield the batches of a stream from its batch ``first`` on."""
        split = self.n_full_blocks >= n_streams
        n_batches, bsz = int(self.block_batches.sum()), self.batch_size
        if not split and n_batches < n_streams:
            raise ValueError(
                f"{self.source.n_samples} training samples give {n_batches} batches of {bsz}, "
                f"fewer than the {n_streams} ranks x workers that share them; lower batch_size"
            )
        first_pass, skip = self._locate(first, stream, n_streams, split, epoch)
        for n_pass in itertools.count(first_pass):
            for block, local in self._plan(epoch, n_pass, stream, n_streams, split):
                if skip >= local.size:  # nothing of this block left to serve: not read
                    skip -= local.size
                    continue
                local, skip = local[skip:], 0
                data = self.source.read(block * self.block_rows, (block + 1) * self.block_rows)
                rows = self._rows(epoch, n_pass, block)
                for i in local.tolist():
                    yield self.source.batch(data, rows[i * bsz : (i + 1) * bsz])

    def _locate(
        self, first: int, stream: int, n_streams: int, split: bool, epoch: int
    ) -> tuple[int, int]:
        """Return the pass that holds batch ``first`` of a stream, and its index in that pass."""
        constant = not self.source.shuffle or np.all(self.block_batches == self.block_batches[0])
        if not split or constant:  # every pass gives this stream as many batches
            plan = self._plan(epoch, 0, stream, n_streams, split)
            return divmod(first, sum(local.size for _, local in plan))
        n_pass = 0  # a pass gives this stream fewer batches when it gets the short last block
        while True:
            mine = self._order(epoch, n_pass)[stream::n_streams]
            count = int(self.block_batches[mine].sum())
            if first < count:
                return n_pass, first
            first, n_pass = first - count, n_pass + 1

    def _plan(
        self, epoch: int, n_pass: int, stream: int, n_streams: int, split: bool
    ) -> list[tuple[int, np.ndarray]]:
        """Return what a stream serves in a pass: (block, indices of its batches in the block)."""
        order = self._order(epoch, n_pass)
        if split:
            return [(int(b), np.arange(self.block_batches[b])) for b in order[stream::n_streams]]
        counts = self.block_batches[order]
        ends = np.cumsum(counts)
        starts = ends - counts
        # the pass's batches are numbered across blocks; this stream serves those = stream mod S
        firsts = starts + (stream - starts) % n_streams
        return [
            (int(b), np.arange(f - s, e - s, n_streams))
            for b, s, e, f in zip(order, starts, ends, firsts, strict=True)
            if f < e
        ]

    def _order(self, epoch: int, n_pass: int) -> np.ndarray:
        """Return the order of the blocks in a pass (the same for every stream)."""
        n_blocks = self.block_batches.size
        if not self.source.shuffle:
            return np.arange(n_blocks)
        return stream_rng(self.source.random_seed, 3, epoch, n_pass, 0).permutation(n_blocks)

    def _rows(self, epoch: int, n_pass: int, block: int) -> np.ndarray:
        """Return the order of a block's rows in a pass."""
        n = min(self.block_rows, self.source.n_samples - block * self.block_rows)
        if not self.source.shuffle:
            return np.arange(n)
        rng = stream_rng(self.source.random_seed, 3, epoch, n_pass, 1, block)
        return rng.permutation(n)
