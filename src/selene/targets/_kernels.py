"""Numba kernels that label genomic windows from sorted interval arrays, many at a time.

Intervals live in flat arrays sorted by ``(chromosome, start)``; ``offsets[c]:offsets[c + 1]`` is
chromosome ``c``'s slice. ``prefix_max_end`` is the running maximum of ``end`` within each
chromosome, so the intervals that can reach past a window's start begin at a binary-searched index
and the scan for a window touches only the intervals near it (long intervals are split beforehand
so that one long interval cannot pin that index far to the left).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def prefix_max_end(offsets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Compute the running maximum of ``ends`` within each chromosome slice."""
    out = np.empty_like(ends)
    for c in range(offsets.size - 1):
        running = -1
        for i in range(offsets[c], offsets[c + 1]):
            if ends[i] > running:
                running = ends[i]
            out[i] = running
    return out


@njit(cache=True, nogil=True)
def label_windows(
    offsets: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    max_ends: np.ndarray,
    feats: np.ndarray,
    chrom_ids: np.ndarray,
    q_starts: np.ndarray,
    q_ends: np.ndarray,
    need_row: np.ndarray,
    need: np.ndarray,
    binary: bool,
    out: np.ndarray,
) -> None:
    """Label every window; ``out`` (N, F) float32 must be zero on entry.

    A feature's coverage of window ``[qs, qe)`` is the size of the union of its intervals clipped
    to the window (intervals sorted by start, so a running "covered up to" per feature merges
    them). Binary labels follow Selene: an interval is *returned* (as tabix returns it) when
    ``start < qe and end > qs``; a returned zero-length interval covers one base; the label is 1
    when the feature has a returned interval and its coverage exceeds ``need[need_row[w], f]``
    (-1 for "any returned interval"). Fractional labels are coverage / window length, with
    zero-length intervals covering nothing.
    """
    n_feat = out.shape[1]
    stamp = np.full(n_feat, -1, np.int64)
    count = np.zeros(n_feat, np.int64)
    covered_to = np.zeros(n_feat, np.int64)
    touched = np.empty(n_feat, np.int64)
    for w in range(chrom_ids.size):
        c = chrom_ids[w]
        if c < 0 or c >= offsets.size - 1:
            continue
        qs, qe = q_starts[w], q_ends[w]
        first, last = offsets[c], offsets[c + 1]
        lo = first + np.searchsorted(max_ends[first:last], qs, side="right")
        hi = first + np.searchsorted(starts[first:last], qe, side="left")
        n_touched = 0
        for i in range(lo, hi):
            a, b = starts[i], ends[i]
            if b <= qs:
                continue
            if a == b:
                if not binary:
                    continue
                b = a + 1
            f = feats[i]
            if stamp[f] != w:
                stamp[f] = w
                count[f] = 0
                covered_to[f] = qs
                touched[n_touched] = f
                n_touched += 1
            if a < covered_to[f]:
                a = covered_to[f]
            if b > qe:
                b = qe
            if b > a:
                count[f] += b - a
                covered_to[f] = b
        if binary:
            row = need_row[w]
            for t in range(n_touched):
                f = touched[t]
                if count[f] > need[row, f]:
                    out[w, f] = 1.0
        else:
            length = qe - qs
            for t in range(n_touched):
                f = touched[t]
                out[w, f] = count[f] / length
