"""Numba kernels that gather binned track values of many windows from a flat per-base cache.

A track's cache is one flat array of every chromosome's bases, end to end; a window is given by
its chromosome's offset into that array, the chromosome's length (0 when the track lacks the
chromosome) and its start, which may lie before 0 or run past the end: those bases are 0. A
float16 cache is passed as its ``uint16`` bits with a 65536-entry float32 table (numba has no
float16 on the CPU); the table fits in L2, so decoding costs one load per base.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

MEAN, SUM, MAX = 0, 1, 2
AGGREGATIONS = {"mean": MEAN, "sum": SUM, "max": MAX}


def half_table() -> np.ndarray:
    """Float32 value of every float16 bit pattern, indexed by the pattern as ``uint16``."""
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    return bits.view(np.float16).astype(np.float32)


def _load(values, table, i):  # pragma: no cover - replaced by the overload inside numba
    raise NotImplementedError


@overload(_load, inline="always")
def _load_overload(values, table, i):
    if isinstance(values, types.Array) and values.dtype == types.uint16:
        return lambda values, table, i: table[values[i]]
    return lambda values, table, i: values[i]


@njit(cache=True, nogil=True, fastmath=True)
def gather(
    tracks: tuple,
    table: np.ndarray,
    chrom_offsets: np.ndarray,
    chrom_lengths: np.ndarray,
    chrom_ids: np.ndarray,
    starts: np.ndarray,
    bin_sizes: np.ndarray,
    aggregation: int,
    out: np.ndarray,
) -> None:
    """Fill ``out`` with each window's bins of every track.

    Parameters
    ----------
    tracks : tuple of np.ndarray, each shape (G_t,), dtype float32 or uint16 (float16 bits)
        Each track's per-base cache (all of one dtype); holds no NaN.
    table : np.ndarray, shape (65536,), dtype float32
        float16 bits -> value (read only for ``uint16`` caches).
    chrom_offsets, chrom_lengths : np.ndarray, shape (T, C), dtype int64
        Per track and chromosome: where it begins in the track's cache, and its length there
        (0 for a chromosome the track lacks).
    chrom_ids : np.ndarray, shape (N,), dtype int64
        Each window's chromosome.
    starts : np.ndarray, shape (N,), dtype int64
        Each window's first base (may be negative).
    bin_sizes : np.ndarray, shape (N,), dtype int64
        Bases per bin of each window; the window spans ``out.shape[2]`` bins.
    aggregation : int
        ``MEAN`` (sum over the bin's bases / bin size), ``SUM`` or ``MAX``; bases outside the
        chromosome count as 0.
    out : np.ndarray, shape (N, T, n_bins), dtype float32
    """
    n_bins = out.shape[2]
    for t in range(len(tracks)):
        values = tracks[t]
        for w in range(starts.size):
            c = chrom_ids[w]
            base = chrom_offsets[t, c]
            length = chrom_lengths[t, c]
            size = bin_sizes[w]
            lo = starts[w]
            if lo >= 0 and lo + n_bins * size <= length:
                _inside(values, table, base + lo, size, aggregation, out[w, t])
            else:
                _edges(values, table, base, length, lo, size, aggregation, out[w, t])


@njit(cache=True, nogil=True)
def _block_sum(values, table, p, n):
    """Sum ``n`` bases from ``p``: 8 float32 lanes of at most 32 values each, then float64.

    Eight independent accumulators let the CPU overlap the additions (one accumulator is a
    chain of dependent adds); capping each lane at 32 values keeps a float32 lane within
    ``31 * 2**-24`` of its absolute sum, whatever ``n`` is. No fastmath here: with it, LLVM
    vectorises the lanes with gathers, which cost several times more on AMD Zen.
    """
    total = 0.0
    end = p + n
    b = p
    while b + 8 <= end:
        stop = min(b + 256, end - (end - b) % 8)
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = np.float32(0.0)
        for i in range(b, stop, 8):
            s0 += _load(values, table, i)
            s1 += _load(values, table, i + 1)
            s2 += _load(values, table, i + 2)
            s3 += _load(values, table, i + 3)
            s4 += _load(values, table, i + 4)
            s5 += _load(values, table, i + 5)
            s6 += _load(values, table, i + 6)
            s7 += _load(values, table, i + 7)
        total += (np.float64(s0) + s1 + s2 + s3) + (np.float64(s4) + s5 + s6 + s7)
        b = stop
    for i in range(b, end):
        total += _load(values, table, i)
    return total


@njit(cache=True, nogil=True)
def _block_max(values, table, p, n):
    """Maximum of ``n >= 1`` bases from ``p``, over 8 independent lanes."""
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = _load(values, table, p)
    end8 = p + n - n % 8
    for i in range(p, end8, 8):
        m0 = max(m0, _load(values, table, i))
        m1 = max(m1, _load(values, table, i + 1))
        m2 = max(m2, _load(values, table, i + 2))
        m3 = max(m3, _load(values, table, i + 3))
        m4 = max(m4, _load(values, table, i + 4))
        m5 = max(m5, _load(values, table, i + 5))
        m6 = max(m6, _load(values, table, i + 6))
        m7 = max(m7, _load(values, table, i + 7))
    for i in range(end8, p + n):
        m0 = max(m0, _load(values, table, i))
    return max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _inside(values, table, first, size, aggregation, row):
    """Bins of a window that lies within its chromosome (the common case: no bounds checks)."""
    if size == 1:
        for j in range(row.size):
            row[j] = _load(values, table, first + j)
        return
    for j in range(row.size):
        p = first + j * size
        if aggregation == MAX:
            row[j] = _block_max(values, table, p, size)
        else:
            total = _block_sum(values, table, p, size)
            row[j] = total / size if aggregation == MEAN else total


@njit(cache=True, nogil=True, fastmath=True)
def _edges(values, table, base, length, lo, size, aggregation, row):
    """Bins of a window that reaches past an end of its chromosome (or a track without it)."""
    for j in range(row.size):
        hi = lo + size
        a = max(lo, 0)
        z = min(hi, length)
        if aggregation == MAX:
            # Bases outside the chromosome are 0, so a bin that reaches out has max >= 0.
            acc = _block_max(values, table, base + a, z - a) if z > a else 0.0
            if z - a < size:
                acc = max(acc, 0.0)
        else:
            acc = _block_sum(values, table, base + a, z - a) if z > a else 0.0
            if aggregation == MEAN:
                acc /= size
        row[j] = acc
        lo = hi
