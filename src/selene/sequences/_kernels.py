"""Numba kernels over the flat ``uint8`` reference: window gathering and byte translation."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def gather_windows(
    flat: np.ndarray,
    offsets: np.ndarray,
    lengths: np.ndarray,
    chrom_ids: np.ndarray,
    starts: np.ndarray,
    minus: np.ndarray,
    forward: np.ndarray,
    reverse: np.ndarray,
    unk: int,
    identity: bool,
    out: np.ndarray,
) -> None:
    """Fill ``out[i]`` with the codes of window ``i``; the caller has validated every window.

    Parameters
    ----------
    flat : np.ndarray, shape (G,), dtype uint8
        Canonical codes of every chromosome, concatenated.
    offsets, lengths : np.ndarray, shape (C,), dtype int64
        Where each chromosome starts in ``flat``, and its length.
    chrom_ids, starts : np.ndarray, shape (N,), dtype int64
        Window chromosome (index into ``offsets``) and 0-based start; the length is
        ``out.shape[1]``.
    minus : np.ndarray, shape (N,), dtype bool
        True where the window is read on the '-' strand (reverse complement of the padded
        '+' window).
    forward, reverse : np.ndarray, shape (256,), dtype uint8
        Canonical code -> output code, for '+' windows and (complemented) for '-' windows.
    unk : int
        Output code for positions past either chromosome end.
    identity : bool
        True when ``forward`` is the identity, so '+' windows are plain copies.
    out : np.ndarray, shape (N, L), dtype uint8
        Filled in place.
    """
    n, length = out.shape
    for i in range(n):
        chrom = chrom_ids[i]
        start = starts[i]
        chrom_len = lengths[chrom]
        base = offsets[chrom] + start
        # Columns [lo, hi) of the '+' window lie inside the chromosome; the rest is padding.
        lo = max(0, -start)
        hi = min(length, chrom_len - start)
        if hi < lo:
            hi = lo
        row = out[i]
        if minus[i]:
            # Column j of the '-' window is the complement of '+' column (length - 1 - j).
            for j in range(length - hi):
                row[j] = unk
            # A reversed view (rather than indexing backwards) lets LLVM vectorise the loads.
            source = flat[base + lo : base + hi][::-1]
            first = length - hi
            for k in range(hi - lo):
                row[first + k] = reverse[source[k]]
            for j in range(length - lo, length):
                row[j] = unk
        else:
            for j in range(lo):
                row[j] = unk
            if identity:
                row[lo:hi] = flat[base + lo : base + hi]
            else:
                for j in range(lo, hi):
                    row[j] = forward[flat[base + j]]
            for j in range(hi, length):
                row[j] = unk


@njit(cache=True, nogil=True)
def translate_bytes(raw: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    """Write ``table[raw]`` into ``out`` (a 256-entry byte lookup, e.g. FASTA letters -> codes).

    Parameters
    ----------
    raw : np.ndarray, shape (M,), dtype uint8
    table : np.ndarray, shape (256,), dtype uint8
    out : np.ndarray, shape (M,), dtype uint8
        Filled in place.
    """
    for i in range(raw.shape[0]):
        out[i] = table[raw[i]]


@njit(cache=True, nogil=True)
def translate_lines(
    raw: np.ndarray, line_bases: int, line_bytes: int, table: np.ndarray, out: np.ndarray
) -> None:
    """Translate FASTA lines (``line_bases`` letters each, then the line terminator) into codes.

    Parameters
    ----------
    raw : np.ndarray, shape (M,), dtype uint8
        Whole lines (the last one may be short and lack its terminator).
    line_bases, line_bytes : int
        Letters per line, and bytes per line including the terminator (from the ``.fai``).
    table : np.ndarray, shape (256,), dtype uint8
        Byte -> code.
    out : np.ndarray, dtype uint8
        Receives the letters' codes, terminators dropped; must hold every letter in ``raw``.
    """
    k = 0
    pos = 0
    total = raw.shape[0]
    while pos < total:
        stop = min(pos + line_bases, total)
        for p in range(pos, stop):
            out[k] = table[raw[p]]
            k += 1
        pos += line_bytes
