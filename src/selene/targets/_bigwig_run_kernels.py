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
from llvmlite import ir
from llvmlite.binding import llvm_version_info
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from selene.targets._bigwig_kernels import MAX, MEAN, _load

BLOCK = 256  # track-windows located at once (their prefetched lines: ~80 KB)

# LLVM names intrinsics after their pointer types: typed ``i8*`` before LLVM 17, opaque after.
_PREFETCH = "llvm.prefetch.p0" if llvm_version_info >= (17,) else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, array, i):
    """Ask the CPU to bring the cache line of ``array[i]`` in (a hint: no effect on results)."""
    signature = types.void(array, i)

    def codegen(context, builder, sig, args):
        view = context.make_array(sig.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(
            context, builder, sig.args[0], view, [args[1]], wraparound=False
        )
        byte_ptr, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        kind = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, kind, _PREFETCH)
        # read, keep in all cache levels, data
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


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
    n_tracks, n_bins = len(positions), out.shape[2]
    # Scratch for the bins of one window: its runs (at most one per base, and one more) and
    # the first edge of each bin.
    most = n_bins * (bin_sizes.max() if bin_sizes.size else 1) + 1
    starts_of, values_of, integrals = np.empty(most, np.int64), np.empty(most), np.empty(most)
    runs_at = np.empty(n_bins + 1, np.int64)
    # Blocks of about BLOCK track-windows: the lines a block prefetches stay in the L2 cache
    # until its walks read them (a batch of 4096 windows at once ran 40% slower than 64).
    step = max(1, BLOCK // n_tracks)
    runs = np.empty((step, n_tracks), np.int64)
    firsts = np.empty((step, n_tracks), np.float32)
    for w0 in range(0, starts.size, step):
        w1 = min(w0 + step, starts.size)
        _locate(
            positions,
            values,
            indexes,
            table,
            chroms,
            shift,
            chrom_ids[w0:w1],
            starts[w0:w1],
            bin_sizes[w0:w1],
            n_bins,
            runs,
            firsts,
        )
        _walk(
            positions,
            values,
            table,
            chroms,
            chrom_ids,
            starts,
            bin_sizes,
            aggregation,
            w0,
            w1,
            runs,
            firsts,
            (starts_of, values_of, integrals, runs_at),
            out,
        )


@njit(cache=True, nogil=True)
def _walk(
    positions,
    values,
    table,
    chroms,
    chrom_ids,
    starts,
    bin_sizes,
    aggregation,
    w0,
    w1,
    runs,
    firsts,
    scratch,
    out,
):
    """Fill the rows of windows ``w0`` to ``w1`` from their first runs (``runs[w - w0]``)."""
    n_tracks = len(positions)
    integrals = scratch[2]
    # Windows outside, tracks inside: each window's rows lie side by side in ``out`` (the
    # other order writes 4 KB rows 32 KB apart and ran 2x slower at base resolution).
    for w in range(w0, w1):
        c = chrom_ids[w]
        for t in range(n_tracks):
            row = out[w, t]
            first, n = chroms[t, c, 0], chroms[t, c, 1]
            if n == 0:
                row[:] = 0.0
                continue
            pos, val, lo = positions[t], values[t], starts[w]
            k, v = runs[w - w0, t], firsts[w - w0, t]
            if bin_sizes[w] == 1:
                _fill(pos, val, table, first + n, k, v, lo, row)
            elif aggregation == MAX:
                _bin_max(pos, val, table, first + n, k, v, lo, bin_sizes[w], integrals, row)
            else:
                _bin_sums(
                    pos,
                    val,
                    table,
                    first + n,
                    k,
                    v,
                    lo,
                    bin_sizes[w],
                    aggregation == MEAN,
                    scratch,
                    row,
                )


@njit(cache=True, nogil=True)
def _locate(
    positions,
    values,
    indexes,
    table,
    chroms,
    shift,
    chrom_ids,
    starts,
    bin_sizes,
    n_bins,
    runs,
    firsts,
):
    """Find every window's first run in every track (``runs``), and its value (``firsts``).

    In three passes over the whole batch, so that the CPU fetches many cache lines at once
    instead of waiting for each miss in turn: prefetch the block index entries; read them and
    prefetch the lines of positions and values that the window's runs lie on; then search.
    """
    n_windows, n_tracks = starts.size, runs.shape[1]
    lows = np.empty((n_windows, n_tracks), np.int64)
    highs = np.empty((n_windows, n_tracks), np.int64)
    for w in range(n_windows):
        c = chrom_ids[w]
        block = max(starts[w], 0) >> shift
        for t in range(n_tracks):
            if chroms[t, c, 1] > 0:
                prefetch(indexes[t], chroms[t, c, 2] + min(block, chroms[t, c, 3] - 1))
    for w in range(n_windows):
        c = chrom_ids[w]
        lo, hi = starts[w], starts[w] + n_bins * bin_sizes[w]
        for t in range(n_tracks):
            pos, index = positions[t], indexes[t]
            first, n = chroms[t, c, 0], chroms[t, c, 1]
            index_first, index_n = chroms[t, c, 2], chroms[t, c, 3]
            if n == 0 or lo < np.int64(pos[first]):
                lows[w, t] = highs[w, t] = first - 1  # before the first run: nothing to search
                if n > 0:
                    prefetch(values[t], first)
                continue
            block = min(lo >> shift, index_n - 1)
            # pos[a] <= lo for a = first + index[block] - 1 (the block's first base <= lo)...
            a = max(first + np.int64(index[index_first + block]) - 1, first)
            # ...and pos[b] > lo for b = first + index[block + 1] (the next block's first).
            nxt = block + 1 < index_n
            lows[w, t] = a
            highs[w, t] = first + np.int64(index[index_first + block + 1]) if nxt else first + n
            # About the window's runs: those up to its last block's first base, and one more.
            last = min(
                first + np.int64(index[index_first + min(hi >> shift, index_n - 1)]), first + n - 1
            )
            for q in range(a, last + 16, 16):
                prefetch(pos, min(q, last))
                prefetch(values[t], min(q, last))
    for w in range(n_windows):
        c = chrom_ids[w]
        for t in range(n_tracks):
            pos, a, b = positions[t], lows[w, t], highs[w, t]
            if a < chroms[t, c, 0]:
                runs[w, t], firsts[w, t] = a, 0.0
                continue
            while b - a > 1:
                m = (a + b) >> 1
                below = np.int64(pos[m]) <= starts[w]  # branch-free steps (selects)
                a = m if below else a
                b = b if below else m
            runs[w, t], firsts[w, t] = a, _load(values[t], table, a)


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
def _bin_sums(pos, val, table, stop, k, v, lo, size, mean, scratch, row):
    """Bins of ``size`` bases: sums (or means) of ``value x overlap`` over the runs, in float64.

    Without a branch per run (a walk that tests, at each run, whether it crosses a bin's edge
    mispredicts about once a run): the runs' integrals from ``lo`` are summed up first; each
    run marks the first bin edge at or after its start, a running maximum over the edges gives
    the run that covers each edge, and a bin is the integral at its end minus that at its start.
    """
    starts_of, values_of, integrals, runs_at = scratch
    n = row.size
    hi = lo + n * size
    inverse = 1.0 / size
    runs_at[: n + 1] = 0  # the first run covers the window's first base: edge 0
    m, p, v, total = 0, lo, np.float64(v), 0.0
    while True:
        starts_of[m], values_of[m], integrals[m] = p, v, total
        # The first edge at or after p: ceil((p - lo) / size), by a float product made exact.
        d = p - lo + size - 1
        j = np.int64(d * inverse)
        j += np.int64((j + 1) * size <= d)
        j -= np.int64(j * size > d)
        runs_at[j] = m  # a later run starting before the same edge overwrites it
        m += 1
        if k + 1 >= stop:
            break
        e = np.int64(pos[k + 1])
        if e >= hi:
            break
        total += v * (e - p)
        p = e
        k += 1
        v = np.float64(_load(val, table, k))
    r, before = 0, 0.0
    for j in range(1, n + 1):
        r = max(r, runs_at[j])
        at = integrals[r] + values_of[r] * (lo + j * size - starts_of[r])
        row[j - 1] = (at - before) / size if mean else at - before
        before = at


@njit(cache=True, nogil=True)
def _bin_max(pos, val, table, stop, k, v, lo, size, acc, row):
    """Bins of ``size`` bases: the largest value of a run that overlaps each."""
    n = row.size
    hi = lo + n * size
    acc[:n] = -np.inf
    p = lo
    b = 0  # the bin that holds p, and where it ends: no division per run
    edge = lo + size
    while p < hi:
        e = min(np.int64(pos[k + 1]), hi) if k + 1 < stop else hi
        acc[b] = max(acc[b], v)
        while edge < e:
            b += 1
            edge += size
            acc[b] = max(acc[b], v)
        if e == edge and e < hi:
            b += 1
            edge += size
        p = e
        k += 1
        if p < hi:
            v = _load(val, table, k)
    for j in range(n):
        row[j] = acc[j]
