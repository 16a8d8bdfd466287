"""Read a BED file (plain or gzip/bgzip, sorted or not) into flat, indexed interval arrays.

The whole file is parsed by one numba pass (``_parse``), so a multi-million-line BED loads in
seconds and needs no tabix index.
"""

from __future__ import annotations

import gzip
import io
import itertools
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selene.targets import _kernels, _parse

#: Intervals longer than this are split into adjacent pieces (same union, same overlaps), so a
#: window query never has to scan back past one very long interval.
MAX_PIECE = 1024

_PROBLEMS = {
    _parse.BED_TOO_FEW_COLUMNS: "too few columns (need 4, tab-separated: chrom start end feature)",
    _parse.BED_BAD_START: "start is not a non-negative integer",
    _parse.BED_BAD_END: "end is not a non-negative integer",
    _parse.BED_START_AFTER_END: "start > end",
    _parse.BED_EMPTY_NAME: "empty chromosome or feature name",
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
    with open(path, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    if not compressed:
        data = path.read_bytes()
    else:
        try:  # streamed: gzip.decompress copies the rest of the buffer at each bgzip member
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(
                f"cannot decompress {path}: {err} (is it a valid bgzip file?)"
            ) from err
    buf = np.frombuffer(data, dtype=np.uint8)
    error, line, chrom, starts, ends, name, chrom_tokens, name_tokens = _parse.parse_bed(buf)
    if error != _parse.BED_OK:
        text = next(itertools.islice(io.BytesIO(data), line - 1, line), b"").rstrip(b"\r\n")
        raise ValueError(f"{path}:{line}: {_PROBLEMS[error]}: {text.decode(errors='replace')!r}")
    chroms = _decode(data, *chrom_tokens, path)
    names = _decode(data, *name_tokens, path)
    return BedIntervals(chroms, names, chrom, name, starts, ends, compressed)


def _decode(data: bytes, offsets: np.ndarray, lengths: np.ndarray, path: Path) -> tuple[str, ...]:
    names = []
    for o, n in zip(offsets.tolist(), lengths.tolist(), strict=True):
        try:
            names.append(data[o : o + n].decode("utf-8"))
        except UnicodeDecodeError as err:
            raise ValueError(f"{path}: name {data[o : o + n]!r} is not valid UTF-8") from err
    return tuple(names)


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
    lengths = ends - starts
    n_pieces = np.maximum(1, -(-lengths // MAX_PIECE))
    sources = None
    if np.any(n_pieces > 1):
        src = np.repeat(np.arange(starts.size), n_pieces)
        sources = src
        first = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        piece_starts = starts[src] + (np.arange(src.size) - first) * MAX_PIECE
        ends = np.minimum(piece_starts + MAX_PIECE, ends[src])
        chrom, starts, feats = chrom[src], piece_starts, feats[src]
        key = (chrom << 40) | starts
        was_sorted_now = False
    else:
        was_sorted_now = was_sorted
    if not was_sorted_now:
        order = np.argsort(key, kind="stable")
        chrom, starts, ends, feats = chrom[order], starts[order], ends[order], feats[order]
        sources = None if sources is None else sources[order]
    offsets = np.searchsorted(chrom, np.arange(n_chroms + 1), side="left").astype(np.int64)
    max_ends = _kernels.prefix_max_end(offsets, ends)
    if ends.size == 0 or ends.max() < np.iinfo(np.int32).max:  # halve the memory
        starts, ends, max_ends = (a.astype(np.int32) for a in (starts, ends, max_ends))
    if sources is not None:
        sources = sources.astype(np.int32)
    return offsets, starts, ends, max_ends, feats.astype(np.int32), sources, was_sorted
