"""Index BED intervals for window queries: sorted by ``(chrom, start)``, long ones split.

The intervals come from :func:`selene.io.bed.read_bed`; the index is what the labelling kernels
(``_kernels``) scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit

from selene.io.bed import BedIntervals
from selene.targets import _kernels

#: Intervals longer than this are split into adjacent pieces (same union, same overlaps), so a
#: window query never has to scan back past one very long interval.
MAX_PIECE = 1024
#: The index arrays, in the order :func:`index_intervals` returns them.
ARRAYS = ("offsets", "starts", "ends", "max_ends", "feats", "sources")


@dataclass
class Index:
    """A built or mapped index, with what its build found out about the BED.

    Attributes
    ----------
    arrays : dict of str to np.ndarray
        ``ARRAYS`` (``sources`` may be None: no interval was split).
    chroms : tuple of str
        Chromosome names, in the order of ``offsets``.
    info : dict
        ``n`` (intervals kept), ``compressed``, ``was_sorted``, ``skipped`` (intervals of
        unlisted features), ``unknown`` (up to 5 of those features), ``n_unknown``, ``absent``
        (listed features with no interval).
    files : Path or None
        The description file when the arrays are mapped from a cache (to reopen them).
    """

    arrays: dict[str, np.ndarray | None]
    chroms: tuple[str, ...]
    info: dict = field(default_factory=dict)
    files: Path | None = None


def index_bed(bed: BedIntervals, feature_index: dict[str, int]) -> Index:
    """Index the intervals of ``bed`` whose feature is in ``feature_index`` (name -> column)."""
    lookup = np.array([feature_index.get(n, -1) for n in bed.names], np.int64)
    feats = lookup[bed.name] if bed.name.size else bed.name
    keep = feats >= 0
    unknown = [n for n, i in zip(bed.names, lookup.tolist(), strict=True) if i < 0]
    present = np.zeros(len(feature_index), dtype=bool)
    present[feats[keep]] = True
    built = index_intervals(
        bed.chrom[keep], bed.starts[keep], bed.ends[keep], feats[keep], len(bed.chroms)
    )
    info = {
        "n": int(keep.sum()),
        "compressed": bool(bed.compressed),
        "was_sorted": built[-1],
        "skipped": int((~keep).sum()),
        "unknown": unknown[:5],
        "n_unknown": len(unknown),
        "absent": [f for f, i in feature_index.items() if not present[i]],
    }
    return Index(dict(zip(ARRAYS, built[:-1], strict=True)), tuple(bed.chroms), info)


def index_intervals(
    chrom: np.ndarray, starts: np.ndarray, ends: np.ndarray, feats: np.ndarray, n_chroms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Sort intervals by ``(chrom, start)``, split long ones, and build the query index.

    Returns
    -------
    tuple
        ``(offsets, starts, ends, max_ends, feats, sources, was_sorted)``: ``offsets``
        (n_chroms + 1,) delimit each chromosome's slice; ``max_ends`` is the running maximum of
        ``ends`` per chromosome; ``sources`` (int32) numbers the input interval each piece comes
        from, or is None when no interval was split (each piece is then a whole interval);
        ``was_sorted`` says whether the input was already in order.
    """
    key = (chrom << 40) | starts
    was_sorted = bool(np.all(key[1:] >= key[:-1]))
    order = None if was_sorted else np.argsort(key, kind="stable")
    sources = None
    if np.any(ends - starts > MAX_PIECE):
        total = int(np.maximum(1, -(-(ends - starts) // MAX_PIECE)).sum())
        if order is None:
            order = np.arange(starts.size)
        else:
            key, ends = key[order], ends[order]
        sources, chrom, starts, ends = _split_sorted(key, ends, order, MAX_PIECE, total)
        feats = feats[sources]
    elif order is not None:
        chrom, starts, ends, feats = chrom[order], starts[order], ends[order], feats[order]
    offsets = np.searchsorted(chrom, np.arange(n_chroms + 1), side="left").astype(np.int64)
    max_ends = _kernels.prefix_max_end(offsets, ends)
    if ends.size == 0 or ends.max() < np.iinfo(np.int32).max:  # halve the memory
        starts, ends, max_ends = (a.astype(np.int32) for a in (starts, ends, max_ends))
    if sources is not None:
        sources = sources.astype(np.int32)
    return offsets, starts, ends, max_ends, feats.astype(np.int32), sources, was_sorted


@njit(cache=True, nogil=True)
def _split_sorted(
    keys: np.ndarray, ends: np.ndarray, order: np.ndarray, piece: int, total: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split intervals sorted by ``keys`` (``chrom << 40 | start``) into sorted pieces.

    The pieces after an interval's first wait in a binary heap until the sorted intervals reach
    their start, so the output comes out sorted without sorting it: time ``n log h`` for ``h``
    long intervals open at once. Equal keys keep the input order (``order`` maps to it), as a
    stable sort of all pieces would.

    Returns
    -------
    tuple
        ``(sources, chrom, starts, ends)``, shape (total,): each piece's input interval, its
        chromosome, start and end.
    """
    sources = np.empty(total, np.int64)
    chrom = np.empty(total, np.int64)
    starts = np.empty(total, np.int64)
    piece_ends = np.empty(total, np.int64)
    low = np.int64((1 << 40) - 1)  # the start bits of a key
    size = total - keys.size + 1  # a min-heap of waiting pieces: key, sorted index, input rank
    heap_key = np.empty(size, np.int64)
    heap_pos = np.empty(size, np.int64)
    heap_rank = np.empty(size, np.int64)
    size, n = 0, 0
    for j in range(keys.size + 1):
        while size > 0 and (
            j == keys.size
            or heap_key[0] < keys[j]
            or (heap_key[0] == keys[j] and heap_rank[0] < order[j])
        ):
            key, pos = heap_key[0], heap_pos[0]
            sources[n], chrom[n], starts[n] = order[pos], key >> 40, key & low
            piece_ends[n] = min(starts[n] + piece, ends[pos])
            n += 1
            if (key & low) + piece < ends[pos]:
                heap_key[0] = key + piece  # the next piece replaces it: one sift down
            else:
                size -= 1
                heap_key[0], heap_pos[0], heap_rank[0] = (
                    heap_key[size],
                    heap_pos[size],
                    heap_rank[size],
                )
            _sift_down(heap_key, heap_pos, heap_rank, size)
        if j == keys.size:
            break
        sources[n], chrom[n], starts[n] = order[j], keys[j] >> 40, keys[j] & low
        piece_ends[n] = min(starts[n] + piece, ends[j])
        n += 1
        if (keys[j] & low) + piece < ends[j]:
            heap_key[size], heap_pos[size], heap_rank[size] = keys[j] + piece, j, order[j]
            _sift_up(heap_key, heap_pos, heap_rank, size)
            size += 1
    return sources, chrom, starts, piece_ends


@njit(cache=True, nogil=True)
def _swap(heap_key: np.ndarray, heap_pos: np.ndarray, heap_rank: np.ndarray, i: int, k: int):
    heap_key[i], heap_key[k] = heap_key[k], heap_key[i]
    heap_pos[i], heap_pos[k] = heap_pos[k], heap_pos[i]
    heap_rank[i], heap_rank[k] = heap_rank[k], heap_rank[i]


@njit(cache=True, nogil=True)
def _sift_up(heap_key: np.ndarray, heap_pos: np.ndarray, heap_rank: np.ndarray, i: int) -> None:
    while i > 0:
        up = (i - 1) // 2
        if heap_key[up] < heap_key[i] or (
            heap_key[up] == heap_key[i] and heap_rank[up] < heap_rank[i]
        ):
            return
        _swap(heap_key, heap_pos, heap_rank, i, up)
        i = up


@njit(cache=True, nogil=True)
def _sift_down(heap_key: np.ndarray, heap_pos: np.ndarray, heap_rank: np.ndarray, size: int):
    i = 0
    while True:
        least = i
        for child in (2 * i + 1, 2 * i + 2):
            if child < size and (
                heap_key[child] < heap_key[least]
                or (heap_key[child] == heap_key[least] and heap_rank[child] < heap_rank[least])
            ):
                least = child
        if least == i:
            return
        _swap(heap_key, heap_pos, heap_rank, i, least)
        i = least
