"""bigWig files: chromosome sizes and per-base values, read and written with pybigtools.

The one reader and writer of bigWig in selene. pybigtools (MIT; Python bindings of the Rust
bigtools library, released through 2026) reads a whole range straight into a caller's float64
buffer (``arr=``), so a chromosome converts in a few large calls; it also writes bigWig
(``BigWigWriter``), so one library serves the track writers too; and its per-window reads
were 6-14x faster than pyBigWig's in ``scripts/bench_tracks.py``. pyBigWig (MIT, deepTools)
reads the same files; the tests take its ``values()`` as the oracle, so the two readers check
each other.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "chrom_sizes",
    "open_bigwig",
    "read_records",
    "read_values",
    "value_runs",
    "write_bigwig",
]


def _pybigtools():
    try:
        import pybigtools
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading bigWig files needs pybigtools: pip install 'selene[tracks]' "
            "(or pip install pybigtools)"
        ) from err
    return pybigtools


def open_bigwig(path: str | Path):
    """Open a bigWig for reading.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    pybigtools.BBIReader
        Close it with ``.close()`` (or use it as a context manager).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a bigWig (e.g. a bigBed, a bedGraph or a truncated file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"bigWig file not found: {path}")
    pybigtools = _pybigtools()
    try:
        reader = pybigtools.open(str(path))
    except Exception as err:  # pybigtools raises its own types for bad headers
        raise ValueError(
            f"{path} is not a readable bigWig file ({err}); convert a bedGraph with "
            "bedGraphToBigWig first"
        ) from err
    if not reader.is_bigwig:
        reader.close()
        raise ValueError(f"{path} is a bigBed, not a bigWig; pass bigWig (.bw) files")
    return reader


def chrom_sizes(path: str | Path) -> dict[str, int]:
    """Chromosome names and lengths in a bigWig's header, in the file's order.

    Returns
    -------
    dict of str to int
    """
    reader = open_bigwig(path)
    try:
        sizes = reader.chroms()
    finally:
        reader.close()
    if not sizes:
        raise ValueError(f"the bigWig {path} lists no chromosome in its header")
    return {str(name): int(length) for name, length in sizes.items()}


def read_values(reader, chrom: str, start: int, out: np.ndarray) -> int:
    """Fill ``out`` with the values of ``chrom`` from ``start`` on, bases without data as 0.

    Parameters
    ----------
    reader : pybigtools.BBIReader
        From :func:`open_bigwig`.
    chrom : str
        A chromosome of the file; ``[start, start + out.size)`` must lie within it.
    start : int
        0-based first base.
    out : np.ndarray, shape (n,), dtype float64, C-contiguous
        Receives one value per base.

    Returns
    -------
    int
        Bases without data (no record covers them, or the record's value is NaN), now 0.
    """
    reader.values(chrom, start, start + out.size, oob=0.0, fillna=None, arr=out)
    missing = np.isnan(out)
    n_missing = int(np.count_nonzero(missing))
    if n_missing:
        out[missing] = 0.0
    return n_missing


def read_records(
    reader, chrom: str, start: int, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read the records (intervals of one value) of ``chrom`` within ``[start, end)``.

    Records that reach out of the range are clipped to it, so consecutive ranges give the
    records of the whole chromosome exactly once (a record cut in two comes as two pieces).

    Parameters
    ----------
    reader : pybigtools.BBIReader
        From :func:`open_bigwig`.
    chrom : str
        A chromosome of the file.
    start, end : int
        0-based, end-exclusive range within the chromosome.

    Returns
    -------
    starts, ends : np.ndarray, shape (k,), dtype int64
        Half-open intervals in the file's order (sorted in a valid bigWig).
    values : np.ndarray, shape (k,), dtype float64
        NaN where the file stores NaN (no data).
    """
    flat = np.fromiter(
        itertools.chain.from_iterable(reader.records(chrom, start, end)), dtype=np.float64
    )
    records = flat.reshape(-1, 3)
    starts = np.maximum(records[:, 0].astype(np.int64), start)
    ends = np.minimum(records[:, 1].astype(np.int64), end)
    return starts, ends, records[:, 2].copy()


def value_runs(values: np.ndarray, offset: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut per-base values into runs of equal values, NaN bases left out (no data).

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        One value per base; NaN marks bases without data.
    offset : int
        Position of ``values[0]``, added to the starts and ends.

    Returns
    -------
    starts, ends : np.ndarray, shape (k,), dtype int64
        Half-open runs, sorted, not overlapping.
    run_values : np.ndarray, shape (k,), dtype float64
        The value of each run.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {values.shape}")
    if values.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    missing = np.isnan(values)
    # a run ends where the value changes or data starts or stops (NaN != NaN on its own)
    change = (values[1:] != values[:-1]) & ~(missing[1:] & missing[:-1])
    cuts = np.flatnonzero(change) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [values.size]])
    keep = ~missing[starts]
    return starts[keep] + offset, ends[keep] + offset, values[starts[keep]]


def write_bigwig(
    path: str | Path,
    chrom_sizes: Mapping[str, int],
    blocks: Iterable[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
) -> Path:
    """Write a bigWig from blocks of intervals, each with one value.

    The blocks are checked as they stream in, and an error raised while producing them is
    raised here (pybigtools only prints what it finds wrong, or an exception of the iterable,
    and writes a truncated file); the file appears only when complete.

    Parameters
    ----------
    path : str or Path
        The bigWig to write (replaced if present).
    chrom_sizes : mapping of str to int
        The header's chromosomes and lengths, in the file's order.
    blocks : iterable of (str, np.ndarray, np.ndarray, np.ndarray)
        ``(chrom, starts, ends, values)``: 0-based half-open intervals, sorted and not
        overlapping within a chromosome, and one chromosome's blocks one after another (as from
        :func:`value_runs`). Bases no interval covers have no data.

    Returns
    -------
    Path
        The bigWig written (moved into place whole).

    Raises
    ------
    ValueError
        If a block names a chromosome not in ``chrom_sizes`` or one already finished, or its
        intervals are empty, unsorted, overlapping, past the chromosome's end or not finite;
        or if no block holds an interval (pybigtools writes no valid file without one).
    """
    path = Path(path)
    sizes = {str(name): int(length) for name, length in chrom_sizes.items()}
    problems: list[str] = []
    failures: list[BaseException] = []
    written = 0

    def records():
        try:
            yield from checked()
        except Exception as err:  # pybigtools would swallow it: raise it after the write
            failures.append(err)

    def checked():
        nonlocal written
        done: set[str] = set()
        current, last_end = None, 0
        for number, (chrom, starts, ends, values) in enumerate(blocks):
            starts = np.asarray(starts, dtype=np.int64)
            ends = np.asarray(ends, dtype=np.int64)
            values = np.asarray(values, dtype=np.float64)
            if chrom != current:
                done.add(current)
                current, last_end = chrom, 0
            problem = _block_problem(chrom, starts, ends, values, sizes, done, last_end)
            if problem:
                problems.append(f"block {number} ({chrom}): {problem}")
                return
            if starts.size:
                last_end = int(ends[-1])
                written += starts.size
            rows = ([chrom] * starts.size, starts.tolist(), ends.tolist(), values.tolist())
            yield from zip(*rows, strict=True)

    writer = _pybigtools()
    path.parent.mkdir(parents=True, exist_ok=True)
    # pybigtools picks the format from the extension, so the temporary file ends in .bw; it
    # creates the file itself, with the permissions the umask gives (mkstemp's would be 0600)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp.bw"
    try:
        writer.open(str(tmp), "w").write(sizes, records())
        if failures:
            raise failures[0]
        if problems or not written:
            problem = problems[0] if problems else "no block holds an interval"
            raise ValueError(f"cannot write {path}: {problem}")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


def _block_problem(
    chrom: str,
    starts: np.ndarray,
    ends: np.ndarray,
    values: np.ndarray,
    sizes: dict[str, int],
    done: set,
    last_end: int,
) -> str:
    """Say what is wrong with one block of :func:`write_bigwig` (``""`` if nothing)."""
    if chrom not in sizes:
        return f"chromosome not in chrom_sizes (known: {list(sizes)[:5]})"
    if chrom in done:
        return "its chromosome came earlier, then another; give each chromosome's blocks together"
    shapes = {starts.shape, ends.shape, values.shape}
    if len(shapes) > 1 or starts.ndim != 1:
        return "starts, ends and values must be one-dimensional and of one length"
    if not starts.size:
        return ""
    if np.any(ends <= starts):
        return "an interval ends at or before its start"
    if starts.min() < 0 or ends.max() > sizes[chrom]:
        return f"intervals run outside the chromosome (0-{sizes[chrom]})"
    if starts[0] < last_end or np.any(starts[1:] < ends[:-1]):
        return "intervals are unsorted or overlap"
    if not np.all(np.isfinite(values)):
        return "a value is NaN or infinite (leave bases without data out instead)"
    return ""
