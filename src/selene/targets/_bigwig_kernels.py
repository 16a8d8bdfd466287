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
def gather_track(
    values: np.ndarray,
    table: np.ndarray,
    chrom_offsets: np.ndarray,
    chrom_lengths: np.ndarray,
    starts: np.ndarray,
    bin_sizes: np.ndarray,
    aggregation: int,
    track: int,
    out: np.ndarray,
) -> None:
    """Fill ``out[:, track, :]`` with each window's bins of one track.

    Parameters
    ----------
    values : np.ndarray, shape (G,), dtype float32 or uint16 (float16 bits)
        The track's per-base cache; holds no NaN.
    table : np.ndarray, shape (65536,), dtype float32
        float16 bits -> value (read only for a ``uint16`` cache).
    chrom_offsets, chrom_lengths : np.ndarray, shape (N,), dtype int64
        Each window's chromosome: where it begins in ``values``, and its length.
    starts : np.ndarray, shape (N,), dtype int64
        Each window's first base (may be negative).
    bin_sizes : np.ndarray, shape (N,), dtype int64
        Bases per bin of each window; the window spans ``out.shape[2]`` bins.
    aggregation : int
        ``MEAN`` (sum over the bin's bases / bin size), ``SUM`` or ``MAX``; bases outside the
        chromosome count as 0.
    track : int
        Index into ``out``'s second axis.
    out : np.ndarray, shape (N, T, n_bins), dtype float32
    """
    n_bins = out.shape[2]
    for w in range(starts.size):
        base = chrom_offsets[w]
        length = chrom_lengths[w]
        size = bin_sizes[w]
        lo = starts[w]
        for j in range(n_bins):
            hi = lo + size
            a = max(lo, 0)
            z = min(hi, length)
            if aggregation == MAX:
                # Bases outside the chromosome are 0, so a bin that reaches out has max >= 0.
                acc = -np.inf if (a == lo and z == hi) else 0.0
                for i in range(a, z):
                    v = _load(values, table, base + i)
                    if v > acc:
                        acc = v
            else:
                acc = 0.0
                for i in range(a, z):
                    acc += _load(values, table, base + i)
                if aggregation == MEAN:
                    acc /= size
            out[w, track, j] = acc
            lo = hi
