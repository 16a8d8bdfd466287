"""Numba BED parser: one pass over a whole (decompressed) file, names interned exactly on the fly.

The rules are those of :mod:`selene.io.bed`, which also checks streamed rows with the same rules
in Python (``row_problem``); a test holds the two to the same answers.

Chromosome and feature names are interned in open-addressing hash tables that compare the bytes
of a name with its first occurrence, so the codes are exact (no hash-collision risk) and come out
in order of first appearance; a run of lines on one chromosome reuses the previous code.
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

_TAB, _LF, _CR, _SPACE, _HASH = 9, 10, 13, 32, 35
_TRACK = np.frombuffer(b"track", np.uint8)
_BROWSER = np.frombuffer(b"browser", np.uint8)


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
def _same(buf: np.ndarray, a: int, b: int, n: int) -> bool:
    """Tell whether ``buf[a:a + n]`` equals ``buf[b:b + n]``."""
    for i in range(n):
        if buf[a + i] != buf[b + i]:
            return False
    return True


@njit(cache=True, nogil=True)
def _starts_with_word(buf: np.ndarray, lo: int, hi: int, word: np.ndarray) -> bool:
    """Tell whether ``buf[lo:hi]`` is ``word``, or starts with ``word`` then a tab or a space."""
    n = word.size
    if hi - lo < n:
        return False
    for k in range(n):
        if buf[lo + k] != word[k]:
            return False
    return hi - lo == n or buf[lo + n] == _TAB or buf[lo + n] == _SPACE


@njit(cache=True, nogil=True)
def _is_skipped(buf: np.ndarray, lo: int, hi: int) -> bool:
    """Tell whether a line is blank (spaces and tabs) or a ``#``, ``track`` or ``browser`` line."""
    blank = True
    for i in range(lo, hi):
        if buf[i] != _SPACE and buf[i] != _TAB:
            blank = False
            break
    return (
        blank
        or buf[lo] == _HASH
        or _starts_with_word(buf, lo, hi, _TRACK)
        or _starts_with_word(buf, lo, hi, _BROWSER)
    )


@njit(cache=True, nogil=True)
def _find(
    buf: np.ndarray,
    lo: int,
    n: int,
    slots: np.ndarray,
    first: np.ndarray,
    off: np.ndarray,
    ln: np.ndarray,
) -> int:
    """Find the slot of token ``buf[lo:lo + n]``: the one holding its code, or an empty one.

    ``slots`` hold codes (-1: empty); code ``c`` was first seen as token ``first[c]``.
    """
    h = np.uint64(14695981039346656037)  # FNV-1a
    for i in range(lo, lo + n):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    mask = slots.size - 1
    j = np.int64(h & np.uint64(mask))
    while True:
        code = slots[j]
        if code < 0:
            return j
        t = first[code]
        if ln[t] == n and _same(buf, off[t], lo, n):
            return j
        j = (j + 1) & mask


@njit(cache=True, nogil=True)
def intern_tokens(buf: np.ndarray, off: np.ndarray, ln: np.ndarray) -> tuple:
    """Give each token ``buf[off[i]:off[i] + ln[i]]`` a code, in order of first appearance.

    An open-addressing hash table compares the bytes of a token with its first occurrence, so
    codes are exact; a token equal to the previous one (a run of one chromosome) skips the table.

    Returns
    -------
    tuple
        ``(codes, first)``: each token's code, and the index of each code's first token.
    """
    codes = np.empty(off.size, np.int64)
    first = np.empty(64, np.int64)
    slots = np.full(128, -1, np.int64)
    n_codes = 0
    for i in range(off.size):
        lo, n = off[i], ln[i]
        if i > 0 and n == ln[i - 1] and _same(buf, off[i - 1], lo, n):
            codes[i] = codes[i - 1]
            continue
        j = _find(buf, lo, n, slots, first, off, ln)
        code = slots[j]
        if code < 0:
            code = n_codes
            if n_codes == first.size:  # half full: double the table and re-insert every code
                first = np.concatenate((first, np.empty(first.size, np.int64)))
                slots = np.full(2 * slots.size, -1, np.int64)
                for c in range(n_codes):
                    slots[_find(buf, off[first[c]], ln[first[c]], slots, first, off, ln)] = c
                j = _find(buf, lo, n, slots, first, off, ln)
            slots[j] = code
            first[code] = i
            n_codes += 1
        codes[i] = code
    return codes, first[:n_codes]


@njit(cache=True, nogil=True)
def parse_bed(buf: np.ndarray, columns: int, spans: bool) -> tuple:
    """Parse the first ``columns`` (3 or 4) tab-separated columns of every data line.

    Parameters
    ----------
    buf : np.ndarray, shape (B,), dtype uint8
        The whole (decompressed) file.
    columns : int
        3 for ``chrom start end``, 4 for ``chrom start end name``.
    spans : bool
        Also return each data line's number and the span of its further columns.

    Returns
    -------
    tuple
        ``(error, error_line, chrom, starts, ends, name, chrom_tokens, name_tokens, lines,
        rest)``: ``error`` is a ``BED_*`` code and ``error_line`` the 1-based line it refers
        to; the arrays hold one entry per data line: codes into the distinct names (``name``
        is empty with 3 columns), coordinates, and (empty unless ``spans``) 1-based line
        numbers and ``rest``, shape (n, 2), the ``(offset, length)`` of the columns after the
        first ``columns`` (length -1 when there are none); ``*_tokens`` are
        ``(offsets, lengths)`` of each distinct name's first occurrence in ``buf``.
    """
    n_lines = 1
    for i in range(buf.size):
        if buf[i] == _LF:
            n_lines += 1
    starts = np.empty(n_lines, np.int64)
    ends = np.empty(n_lines, np.int64)
    lines = np.empty(n_lines if spans else 0, np.int64)
    rest = np.empty((n_lines if spans else 0, 2), np.int64)
    c_off = np.empty(n_lines, np.int64)
    c_len = np.empty(n_lines, np.int64)
    f_off = np.empty(n_lines if columns == 4 else 0, np.int64)
    f_len = np.empty(n_lines if columns == 4 else 0, np.int64)
    error, error_line, k, line, i = BED_OK, 0, 0, 0, 0
    cols = np.empty(4, np.int64)  # index of the first ``columns`` tabs (or of the line end)
    while i < buf.size:
        line += 1
        lo = i
        while i < buf.size and buf[i] != _LF:
            i += 1
        hi = i
        i += 1
        if hi > lo and buf[hi - 1] == _CR:
            hi -= 1
        if hi == lo or _is_skipped(buf, lo, hi):
            continue
        n_cols = 0
        j = lo
        while j < hi and n_cols < columns:
            if buf[j] == _TAB:
                cols[n_cols] = j
                n_cols += 1
            j += 1
        if n_cols < columns - 1:
            error, error_line = BED_TOO_FEW_COLUMNS, line
            break
        extra_lo, extra_len = cols[columns - 1] + 1, hi - cols[columns - 1] - 1
        if n_cols == columns - 1:
            cols[columns - 1] = hi
            extra_lo, extra_len = hi, -1
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
        n_chrom = cols[0] - lo
        n_name = cols[3] - cols[2] - 1 if columns == 4 else 1
        if n_chrom == 0 or n_name == 0:
            error, error_line = BED_EMPTY_NAME, line
            break
        c_off[k], c_len[k] = lo, n_chrom
        if columns == 4:
            f_off[k], f_len[k] = cols[2] + 1, n_name
        starts[k] = start
        ends[k] = end
        if spans:
            lines[k] = line
            rest[k, 0], rest[k, 1] = extra_lo, extra_len
        k += 1
    n_names = k if columns == 4 else 0
    chrom, c_first = intern_tokens(buf, c_off[:k], c_len[:k])
    name, f_first = intern_tokens(buf, f_off[:n_names], f_len[:n_names])
    return (
        error,
        error_line,
        chrom,
        starts[:k],
        ends[:k],
        name,
        (c_off[c_first], c_len[c_first]),
        (f_off[f_first], f_len[f_first]),
        lines[: k if spans else 0],
        rest[: k if spans else 0],
    )
