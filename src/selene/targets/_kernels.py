"""Numba kernels for genomic feature targets: BED parsing and batched window labelling.

Intervals live in flat arrays sorted by ``(chromosome, start)``; ``offsets[c]:offsets[c + 1]`` is
chromosome ``c``'s slice. ``prefix_max_end`` is the running maximum of ``end`` within each
chromosome, so the intervals that can reach past a window's start begin at a binary-searched index
and the scan for a window touches only the intervals near it (long intervals are split beforehand
so that one long interval cannot pin that index far to the left).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Error codes of ``parse_bed`` (the caller turns them into messages naming file:line).
BED_OK = 0
BED_TOO_FEW_COLUMNS = 1
BED_BAD_START = 2
BED_BAD_END = 3
BED_START_AFTER_END = 4
BED_EMPTY_NAME = 5

_TAB = 9
_LF = 10
_CR = 13
_HASH = 35
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_ALT_OFFSET = np.uint64(0x9E3779B97F4A7C15)
_ALT_PRIME = np.uint64(0x100000001B3 + 2)
_TRACK = np.frombuffer(b"track", np.uint8)
_BROWSER = np.frombuffer(b"browser", np.uint8)


@njit(cache=True, nogil=True)
def _hashes(buf: np.ndarray, lo: int, hi: int) -> tuple[np.uint64, np.uint64]:
    """Two independent 64-bit FNV-1a style hashes of ``buf[lo:hi]``."""
    h1 = _FNV_OFFSET
    h2 = _ALT_OFFSET
    for i in range(lo, hi):
        b = np.uint64(buf[i])
        h1 = (h1 ^ b) * _FNV_PRIME
        h2 = (h2 ^ (b + np.uint64(0x5B))) * _ALT_PRIME
    return h1, h2


@njit(cache=True, nogil=True)
def _parse_int(buf: np.ndarray, lo: int, hi: int) -> int:
    """Parse a non-negative decimal in ``buf[lo:hi]``; -1 if it is not one."""
    if hi <= lo or hi - lo > 18:
        return -1
    value = 0
    for i in range(lo, hi):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return -1
        value = value * 10 + d
    return value


@njit(cache=True, nogil=True)
def _starts_with_word(buf: np.ndarray, lo: int, hi: int, word: np.ndarray) -> bool:
    """Tell whether ``buf[lo:hi]`` is ``word``, or starts with ``word`` then a tab or a space."""
    n = word.size
    if hi - lo < n:
        return False
    for k in range(n):
        if buf[lo + k] != word[k]:
            return False
    return hi - lo == n or buf[lo + n] == _TAB or buf[lo + n] == 32


@njit(cache=True, nogil=True)
def _is_header(buf: np.ndarray, lo: int, hi: int) -> bool:
    """Tell whether a line is a comment (``#``), ``track`` or ``browser`` line."""
    return (
        buf[lo] == _HASH
        or _starts_with_word(buf, lo, hi, _TRACK)
        or _starts_with_word(buf, lo, hi, _BROWSER)
    )


@njit(cache=True, nogil=True)
def parse_bed(buf: np.ndarray) -> tuple:
    """Parse the first four tab-separated columns of every data line of a BED file.

    Parameters
    ----------
    buf : np.ndarray, shape (B,), dtype uint8
        The whole (decompressed) file.

    Returns
    -------
    tuple
        ``(error, error_line, starts, ends, chrom_h1, chrom_h2, feat_h1, feat_h2, feat_off,
        feat_len, chrom_off, chrom_len)``: ``error`` is a ``BED_*`` code and ``error_line`` the
        1-based line it refers to; the arrays hold one entry per data line.
    """
    n_lines = 1
    for i in range(buf.size):
        if buf[i] == _LF:
            n_lines += 1
    starts = np.empty(n_lines, np.int64)
    ends = np.empty(n_lines, np.int64)
    ch1 = np.empty(n_lines, np.uint64)
    ch2 = np.empty(n_lines, np.uint64)
    fh1 = np.empty(n_lines, np.uint64)
    fh2 = np.empty(n_lines, np.uint64)
    c_off = np.empty(n_lines, np.int64)
    c_len = np.empty(n_lines, np.int64)
    f_off = np.empty(n_lines, np.int64)
    f_len = np.empty(n_lines, np.int64)
    error, error_line, k, line, i = BED_OK, 0, 0, 0, 0
    cols = np.empty(5, np.int64)  # field boundaries: cols[j] = index of the j-th tab (or end)
    while i < buf.size:
        line += 1
        lo = i
        while i < buf.size and buf[i] != _LF:
            i += 1
        hi = i
        i += 1
        if hi > lo and buf[hi - 1] == _CR:
            hi -= 1
        if hi == lo or _is_header(buf, lo, hi):
            continue
        n_cols = 0
        j = lo
        while j < hi and n_cols < 4:
            if buf[j] == _TAB:
                cols[n_cols] = j
                n_cols += 1
            j += 1
        if n_cols < 3:
            error, error_line = BED_TOO_FEW_COLUMNS, line
            break
        if n_cols == 3:
            cols[3] = hi
        start = _parse_int(buf, cols[0] + 1, cols[1])
        end = _parse_int(buf, cols[1] + 1, cols[2])
        if start < 0:
            error, error_line = BED_BAD_START, line
            break
        if end < 0:
            error, error_line = BED_BAD_END, line
            break
        if start > end:
            error, error_line = BED_START_AFTER_END, line
            break
        if cols[0] == lo or cols[3] == cols[2] + 1:
            error, error_line = BED_EMPTY_NAME, line
            break
        starts[k] = start
        ends[k] = end
        c_off[k] = lo
        c_len[k] = cols[0] - lo
        f_off[k] = cols[2] + 1
        f_len[k] = cols[3] - cols[2] - 1
        ch1[k], ch2[k] = _hashes(buf, lo, cols[0])
        fh1[k], fh2[k] = _hashes(buf, cols[2] + 1, cols[3])
        k += 1
    return (
        error,
        error_line,
        starts[:k],
        ends[:k],
        ch1[:k],
        ch2[:k],
        fh1[:k],
        fh2[:k],
        f_off[:k],
        f_len[:k],
        c_off[:k],
        c_len[:k],
    )


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
