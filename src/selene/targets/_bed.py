"""Read a BED file (plain or gzip/bgzip, sorted or not) into flat interval arrays.

The whole file is parsed by one numba pass; chromosome and feature names are interned through
two independent 64-bit hashes (an exact Python path takes over if they ever disagree), so a
multi-million-line BED loads in seconds without a tabix index.
"""

from __future__ import annotations

import gzip
import io
import itertools
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selene.targets import _kernels as k

#: Intervals longer than this are split into adjacent pieces (same union, same overlaps), so a
#: window query never has to scan back past one very long interval.
MAX_PIECE = 1024

_PROBLEMS = {
    k.BED_TOO_FEW_COLUMNS: "too few columns (need 4 tab-separated: chrom, start, end, feature)",
    k.BED_BAD_START: "start is not a non-negative integer",
    k.BED_BAD_END: "end is not a non-negative integer",
    k.BED_START_AFTER_END: "start > end",
    k.BED_EMPTY_NAME: "empty chromosome or feature name",
}


@dataclass(frozen=True)
class BedIntervals:
    """Every data line of a BED file, in file order.

    Attributes
    ----------
    chroms, names : tuple of str
        Distinct chromosome and feature names, in order of first appearance.
    chrom, name : np.ndarray, shape (n,), dtype int64
        Codes into ``chroms`` and ``names``.
    starts, ends : np.ndarray, shape (n,), dtype int64
        0-based, end-exclusive coordinates.
    compressed : bool
        Whether the file was gzip/bgzip-compressed.
    """

    chroms: tuple[str, ...]
    names: tuple[str, ...]
    chrom: np.ndarray
    name: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    compressed: bool


def read_bed(path: Path) -> BedIntervals:
    """Parse ``chrom start end feature [...]`` lines; comment/track/browser lines are skipped.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        On a malformed line (the message names ``file:line`` and the problem), or a corrupt
        compressed file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"BED file not found: {path}")
    data = path.read_bytes()
    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(
                f"cannot decompress {path}: {err} (is it a valid bgzip file?)"
            ) from err
    buf = np.frombuffer(data, dtype=np.uint8)
    error, line, starts, ends, ch1, ch2, fh1, fh2, f_off, f_len, c_off, c_len = k.parse_bed(buf)
    if error != k.BED_OK:
        text = next(itertools.islice(io.BytesIO(data), line - 1, line), b"").rstrip(b"\r\n")
        raise ValueError(f"{path}:{line}: {_PROBLEMS[error]}: {text.decode(errors='replace')!r}")
    chroms, chrom = _intern(ch1, ch2, c_off, c_len, data, path)
    names, name = _intern(fh1, fh2, f_off, f_len, data, path)
    return BedIntervals(chroms, names, chrom, name, starts, ends, compressed)


def _intern(
    h1: np.ndarray, h2: np.ndarray, off: np.ndarray, length: np.ndarray, data: bytes, path: Path
) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct tokens (order of first appearance) and each line's code into them."""
    if h1.size == 0:
        return (), np.zeros(0, np.int64)
    # Runs of one token (a sorted BED's chromosomes) are interned once per run.
    heads = np.flatnonzero(np.concatenate(([True], h1[1:] != h1[:-1])))
    _, first, inverse = np.unique(h1[heads], return_index=True, return_inverse=True)
    first = heads[first]
    run_code = inverse.reshape(-1)
    code = np.repeat(run_code, np.diff(np.append(heads, h1.size)))
    if not np.array_equal(h2[first][code], h2):
        return _intern_exact(off, length, data, path)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    tokens = tuple(_decode(data[off[i] : off[i] + length[i]], path) for i in first[order])
    return tokens, rank[code].astype(np.int64)


def _intern_exact(
    off: np.ndarray, length: np.ndarray, data: bytes, path: Path
) -> tuple[tuple[str, ...], np.ndarray]:
    """Slow exact interning, for the (astronomically rare) case of a double hash collision."""
    index: dict[bytes, int] = {}
    code = np.empty(off.size, np.int64)
    for j, (o, n) in enumerate(zip(off.tolist(), length.tolist(), strict=True)):
        code[j] = index.setdefault(data[o : o + n], len(index))
    return tuple(_decode(t, path) for t in index), code


def _decode(token: bytes, path: Path) -> str:
    try:
        return token.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: name {token!r} is not valid UTF-8") from err


def index_intervals(
    chrom: np.ndarray, starts: np.ndarray, ends: np.ndarray, feats: np.ndarray, n_chroms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Sort intervals by ``(chrom, start)``, split long ones, and build the query index.

    Returns
    -------
    tuple
        ``(offsets, starts, ends, max_ends, feats, was_sorted)``: ``offsets`` (n_chroms + 1,)
        delimit each chromosome's slice; ``max_ends`` is the running maximum of ``ends`` per
        chromosome; ``was_sorted`` says whether the input was already in order.
    """
    key = (chrom << 40) | starts
    was_sorted = bool(np.all(key[1:] >= key[:-1]))
    lengths = ends - starts
    n_pieces = np.maximum(1, -(-lengths // MAX_PIECE))
    if np.any(n_pieces > 1):
        src = np.repeat(np.arange(starts.size), n_pieces)
        first = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        piece_starts = starts[src] + (np.arange(src.size) - first) * MAX_PIECE
        ends = np.minimum(piece_starts + MAX_PIECE, ends[src])
        chrom, starts, feats, key = chrom[src], piece_starts, feats[src], key[src]
        key = (chrom << 40) | starts
        was_sorted_now = False
    else:
        was_sorted_now = was_sorted
    if not was_sorted_now:
        order = np.argsort(key, kind="stable")
        chrom, starts, ends, feats = chrom[order], starts[order], ends[order], feats[order]
    offsets = np.searchsorted(chrom, np.arange(n_chroms + 1), side="left").astype(np.int64)
    max_ends = k.prefix_max_end(offsets, ends)
    return offsets, starts, ends, max_ends, feats.astype(np.int32), was_sorted
