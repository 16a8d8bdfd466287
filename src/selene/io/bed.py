"""BED files: the one reader of them in selene, in bulk (:func:`read_bed`) or row by row.

One set of rules everywhere:

- the file is plain, gzip or bgzip (told from its first bytes, :mod:`selene.io.text`);
- blank lines and ``#``, ``track`` and ``browser`` lines are skipped;
- columns are tab-separated; the first three are ``chrom start end``, 0-based and
  end-exclusive, ``start`` and ``end`` non-negative integers with ``start <= end`` (a
  zero-length interval is legal BED: an insertion point); a reader that needs the ``name`` (4th)
  column refuses a line without one; further columns are kept only on request;
- a bad line is an error naming ``file:line`` and the problem (:func:`read_bed`), or, for a
  caller that passes bad rows on (:func:`iter_rows`), the same problem in the same words.

:func:`read_bed` parses a whole file in one numba pass and keeps the parsed arrays in a cache
beside the file (:mod:`selene.io._bed_cache`), so a large BED is parsed once. Every caller reads
whole files, so no reader queries a tabix index: one pass into memory (then the cache) answers
many windows faster than a tabix query per window.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from selene.io import _bed_cache, _bed_parse
from selene.io.text import open_text, read_bytes

__all__ = ["BedIntervals", "BedRow", "iter_rows", "read_bed"]

#: Files at least this large are cached by default (parsing a smaller one takes milliseconds).
CACHE_MIN_BYTES = 1 << 20

_LAYOUTS = {3: "chrom start end", 4: "chrom start end name"}
_PROBLEMS = {
    _bed_parse.BED_BAD_START: "start is not a non-negative integer",
    _bed_parse.BED_BAD_END: "end is not a non-negative integer",
    _bed_parse.BED_START_AFTER_END: "start > end",
    _bed_parse.BED_EMPTY_NAME: "empty chromosome or feature name",
}
_HEADER = re.compile(r"#|(track|browser)([\t ]|$)")


@dataclass(frozen=True)
class BedIntervals:
    """Every data line of a BED file, in file order.

    Attributes
    ----------
    chroms, names : tuple of str
        Distinct chromosome and name-column values, in order of first appearance (``names``
        is empty when read with ``columns=3``).
    chrom, name : np.ndarray, shape (n,), dtype int64
        Codes into ``chroms`` and ``names`` (``name`` is empty with ``columns=3``).
    starts, ends : np.ndarray, shape (n,), dtype int64
        0-based, end-exclusive coordinates.
    compressed : bool
        Whether the file was gzip/bgzip-compressed.
    lines : np.ndarray, shape (n,), dtype int64, or None
        1-based line number of each interval (with ``extra=True``).
    extra : tuple of tuple of str, or None
        The tab-separated columns after the first ``columns`` of each line (with
        ``extra=True``; an empty tuple where there are none).
    """

    chroms: tuple[str, ...]
    names: tuple[str, ...]
    chrom: np.ndarray
    name: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    compressed: bool
    lines: np.ndarray | None = None
    extra: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class BedRow:
    """One data line of a BED file, with what is wrong with it, if anything.

    Attributes
    ----------
    number : int
        1-based line number.
    text : str
        The line as read, line end included.
    fields : list of str
        Its tab-separated columns.
    problem : str or None
        Why it is not a valid BED line, in :func:`read_bed`'s words; None when it is.
    """

    number: int
    text: str
    fields: list[str]
    problem: str | None


def read_bed(
    path: str | Path,
    *,
    columns: int = 4,
    extra: bool = False,
    cache: bool | None = None,
    cache_dir: str | Path | None = None,
) -> BedIntervals:
    """Read every data line of a BED file into arrays.

    Parameters
    ----------
    path : str or Path
        Plain, gzip or bgzip BED, sorted or not.
    columns : {3, 4}
        3 reads ``chrom start end``; 4 also the ``name`` column, which must then be present.
    extra : bool
        Also return the further columns of each line, and the line numbers (never cached).
    cache : bool, optional
        Keep the parsed arrays in a cache beside the file, read instead of the file next time
        while the file is unchanged (size, mtime and ctime). By default, for files of at least
        ``CACHE_MIN_BYTES``. Where no cache folder can be written the file is read uncached.
    cache_dir : str or Path, optional
        Keep the cache in this folder instead (by default beside the file, or in
        ``~/.cache/selene`` where that folder is not writable).

    Returns
    -------
    BedIntervals

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        On a malformed line (the message names ``file:line`` and the problem), a name that is
        not UTF-8, or a corrupt compressed file.
    """
    path = Path(path)
    _check_columns(columns)
    if not path.is_file():
        raise FileNotFoundError(f"BED file not found: {path}")
    if extra:
        return _parse(path, columns, extra=True)
    if cache is None:
        cache = path.stat().st_size >= CACHE_MIN_BYTES
    if not cache:
        return _parse(path, columns, extra=False)
    stored = _bed_cache.load_or_build(
        path, f"bed{columns}", lambda: _pack(_parse(path, columns, extra=False)), cache_dir
    )
    return _unpack(stored)


def iter_rows(path: str | Path, *, columns: int = 3) -> Iterator[BedRow]:
    """Stream the data lines of a BED file, each with its problem (or None); never raises on one.

    For callers that pass bad rows on (``predict``'s ``.NA`` files) rather than stop.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``columns`` is not 3 or 4.
    """
    _check_columns(columns)
    with open_text(path) as handle:
        for number, text in enumerate(handle, start=1):
            body = text.rstrip("\r\n")
            if not body.strip(" \t") or _HEADER.match(body):
                continue
            fields = body.split("\t")
            yield BedRow(number, text, fields, row_problem(fields, columns))


def row_problem(fields: list[str], columns: int = 3) -> str | None:
    """Say what is wrong with a data line split into ``fields``, in :func:`read_bed`'s words."""
    if len(fields) < columns:
        return _too_few(columns)
    if not _is_count(fields[1]):
        return _PROBLEMS[_bed_parse.BED_BAD_START]
    if not _is_count(fields[2]):
        return _PROBLEMS[_bed_parse.BED_BAD_END]
    if int(fields[1]) > int(fields[2]):
        return _PROBLEMS[_bed_parse.BED_START_AFTER_END]
    if not fields[0] or (columns == 4 and not fields[3]):
        return _PROBLEMS[_bed_parse.BED_EMPTY_NAME]
    return None


def _check_columns(columns: int) -> None:
    if columns not in _LAYOUTS:
        raise ValueError(f"columns must be 3 or 4 (the BED columns to read); got {columns!r}")


def _is_count(text: str) -> bool:
    """Whether ``text`` is a non-negative decimal of at most 18 digits (as the parser takes)."""
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


def _too_few(columns: int) -> str:
    return f"too few columns (need {columns}, tab-separated: {_LAYOUTS[columns]})"


def _parse(path: Path, columns: int, extra: bool) -> BedIntervals:
    data, compressed = read_bytes(path)
    buf = np.frombuffer(data, dtype=np.uint8)
    error, line, chrom, starts, ends, name, chrom_tokens, name_tokens, lines, rest = (
        _bed_parse.parse_bed(buf, columns, extra)
    )
    if error != _bed_parse.BED_OK:
        problem = _too_few(columns) if error == _bed_parse.BED_TOO_FEW_COLUMNS else None
        text = next(islice(io.BytesIO(data), line - 1, line), b"").rstrip(b"\r\n")
        raise ValueError(
            f"{path}:{line}: {problem or _PROBLEMS[error]}: {text.decode(errors='replace')!r}"
        )
    chroms = _decode(data, *chrom_tokens, path)
    names = _decode(data, *name_tokens, path)
    if not extra:
        return BedIntervals(chroms, names, chrom, name, starts, ends, compressed)
    more = tuple(
        () if n < 0 else tuple(_text(data[o : o + n], path, k).split("\t"))
        for o, n, k in zip(rest[:, 0].tolist(), rest[:, 1].tolist(), lines.tolist(), strict=True)
    )
    return BedIntervals(chroms, names, chrom, name, starts, ends, compressed, lines, more)


def _text(raw: bytes, path: Path, line: int | None = None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        where = f"{path}:{line}" if line is not None else str(path)
        raise ValueError(
            f"{where}: {raw!r} is not valid UTF-8 text; re-save the file as UTF-8"
        ) from err


def _decode(data: bytes, offsets: np.ndarray, lengths: np.ndarray, path: Path) -> tuple[str, ...]:
    pairs = zip(offsets.tolist(), lengths.tolist(), strict=True)
    return tuple(_text(data[o : o + n], path) for o, n in pairs)


def _pack(bed: BedIntervals) -> dict[str, np.ndarray]:
    """Give the arrays of ``bed`` their smallest integer types (the cache is 2-4x smaller)."""
    coords = np.uint32 if bed.ends.size == 0 or bed.ends.max() < 2**32 else np.int64
    return {
        "chroms": np.array(bed.chroms, dtype=str),
        "names": np.array(bed.names, dtype=str),
        "chrom": bed.chrom.astype(np.min_scalar_type(max(len(bed.chroms) - 1, 0))),
        "name": bed.name.astype(np.min_scalar_type(max(len(bed.names) - 1, 0))),
        "starts": bed.starts.astype(coords),
        "ends": bed.ends.astype(coords),
        "compressed": np.array(bed.compressed),
    }


def _unpack(stored: dict[str, np.ndarray]) -> BedIntervals:
    return BedIntervals(
        tuple(stored["chroms"].tolist()),
        tuple(stored["names"].tolist()),
        *(stored[key].astype(np.int64) for key in ("chrom", "name", "starts", "ends")),
        bool(stored["compressed"]),
    )
