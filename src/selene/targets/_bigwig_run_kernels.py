"""Numba kernel that gathers binned track values of many windows from run-length caches.

Each track is a step function per chromosome (:mod:`selene.targets._bigwig_runs`): sorted
change points and the value from each one on, 0 before the first and from the last on. A
window finds its first run through the block index and a binary search over one block, then
walks the runs to its end: at base resolution it fills each run's bases, binned it adds
``value x overlap`` to every bin a run touches (in float64) or takes the maximum. Windows
before a chromosome's start or past its end read 0 there with no special case: those bases lie
before the first change point or after the last. The kernel holds no state and releases the
GIL, so threads may call it at once on disjoint outputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from selene.targets._bigwig_kernels import MAX, MEAN, _load


@njit(cache=True, nogil=True)
def gather_runs(
    positions: tuple,
    values: tuple,
    indexes: tuple,
    table: np.ndarray,
    chroms: np.ndarray,
    shift: int,
    chrom_ids: np.ndarray,
    starts: np.ndarray,
    bin_sizes: np.ndarray,
    aggregation: int,
    out: np.ndarray,
) -> None:
    """Fill ``out`` with each window's bins of every track.

    Parameters
    ----------
    positions : tuple of np.ndarray, each shape (R_t,), dtype uint32
        Each track's change points, relative to their chromosome, chromosomes end to end.
    values : tuple of np.ndarray, each shape (R_t,), dtype float32 or uint16 (float16 bits)
        The value from each change point on (all tracks of one dtype).
    indexes : tuple of np.ndarray, each shape (I_t,), dtype uint32
        Per block of ``2**shift`` bases: the change points at or before its first base.
    table : np.ndarray, shape (65536,), dtype float32
        float16 bits -> value (read only for ``uint16`` values).
    chroms : np.ndarray, shape (T, C, 4), dtype int64
        Per track and chromosome: first run, runs (0: no data, or a chromosome the track
        lacks), first index entry, index entries.
    shift : int
        log2 of the bases per index block.
    chrom_ids : np.ndarray, shape (N,), dtype int64
    starts : np.ndarray, shape (N,), dtype int64
        Each window's first base (may be negative).
    bin_sizes : np.ndarray, shape (N,), dtype int64
        Bases per bin of each window; the window spans ``out.shape[2]`` bins.
    aggregation : int
        ``MEAN`` (sum over the bin's bases / bin size), ``SUM`` or ``MAX``.
    out : np.ndarray, shape (N, T, n_bins), dtype float32
    """
    n_tracks = len(positions)
    # First every window's first run in every track, then the walks: the lookups of one
    # batch are independent, so the CPU overlaps their cache misses (the walk that follows
    # each lookup would stall it); a lookup also loads the run's value, which the walk reuses.
    runs = np.empty((starts.size, n_tracks), np.int64)
    firsts = np.empty((starts.size, n_tracks), np.float32)
    for w in range(starts.size):
        c = chrom_ids[w]
        for t in range(n_tracks):
            k = _first_run(positions[t], indexes[t], chroms[t, c], shift, starts[w])
            runs[w, t] = k
            firsts[w, t] = _load(values[t], table, k) if k >= chroms[t, c, 0] else 0.0
    acc = np.empty(out.shape[2], np.float64)
    # Windows outside, tracks inside: each window's rows lie side by side in ``out`` (the
    # other order writes 4 KB rows 32 KB apart and ran 2x slower at base resolution).
    for w in range(starts.size):
        c = chrom_ids[w]
        for t in range(n_tracks):
            row = out[w, t]
            first, n = chroms[t, c, 0], chroms[t, c, 1]
            if n == 0:
                row[:] = 0.0
                continue
            pos, val, k, lo = positions[t], values[t], runs[w, t], starts[w]
            if bin_sizes[w] == 1:
                _fill(pos, val, table, first + n, k, firsts[w, t], lo, row)
            else:
                _bins(
                    pos,
                    val,
                    table,
                    first + n,
                    k,
                    firsts[w, t],
                    lo,
                    bin_sizes[w],
                    aggregation,
                    acc,
                    row,
                )


@njit(cache=True, nogil=True, inline="always")
def _first_run(pos, index, chrom, shift, lo):
    """Index of the last change point at or before ``lo``; ``first - 1`` if there is none.

    ``chrom`` is the chromosome's row of the layout: first run, runs, first index entry,
    index entries.
    """
    first, n, index_first, index_n = chrom[0], chrom[1], chrom[2], chrom[3]
    if n == 0 or lo < np.int64(pos[first]):
        return first - 1
    block = min(lo >> shift, index_n - 1)
    # pos[a] <= lo for a = first + index[block] - 1 (the block's first base is <= lo)...
    a = max(first + np.int64(index[index_first + block]) - 1, first)
    # ...and pos[b] > lo for b = first + index[block + 1] (the next block starts after lo).
    b = first + np.int64(index[index_first + block + 1]) if block + 1 < index_n else first + n
    while b - a > 1:
        m = (a + b) >> 1
        below = np.int64(pos[m]) <= lo  # branch-free steps (selects), no mispredictions
        a = m if below else a
        b = b if below else m
    return a


@njit(cache=True, nogil=True)
def _fill(pos, val, table, stop, k, v, lo, row):
    """One value per base: each run's value over its bases in the window."""
    j = 0
    n = row.size
    while j < n:
        end = np.int64(pos[k + 1]) - lo if k + 1 < stop else n
        end = min(end, n)
        row[j:end] = v  # a slice: numba vectorises it (an index loop runs 5x slower)
        j = end
        k += 1
        if j < n:
            v = _load(val, table, k)


@njit(cache=True, nogil=True)
def _bins(pos, val, table, stop, k, v0, lo, size, aggregation, acc, row):
    """Bins of ``size`` bases: float64 sums of ``value x overlap``, or maxima, over runs."""
    n = row.size
    hi = lo + n * size
    if aggregation == MAX:
        acc[:] = -np.inf
    else:
        acc[:] = 0.0
    p = lo
    b = 0  # the bin that holds p, and where it ends: no division per run
    edge = lo + size
    v = np.float64(v0)
    while p < hi:
        e = min(np.int64(pos[k + 1]), hi) if k + 1 < stop else hi
        if aggregation == MAX:
            acc[b] = max(acc[b], v)
            while edge < e:
                b += 1
                edge += size
                acc[b] = max(acc[b], v)
        elif v == 0.0:
            while edge < e:
                b += 1
                edge += size
        else:
            if e <= edge:
                acc[b] += v * (e - p)
            else:
                acc[b] += v * (edge - p)
                full = v * size
                b += 1
                edge += size
                while edge < e:
                    acc[b] += full
                    b += 1
                    edge += size
                acc[b] += v * (e - edge + size)
        if e == edge and e < hi:
            b += 1
            edge += size
        p = e
        k += 1
        if p < hi:
            v = np.float64(_load(val, table, k))
    if aggregation == MEAN:
        for j in range(n):
            row[j] = acc[j] / size
    else:
        for j in range(n):
            row[j] = acc[j]
