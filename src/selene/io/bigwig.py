"""bigWig files: chromosome sizes and per-base values, read with pybigtools.

The one reader of bigWig in selene. pybigtools (MIT; Python bindings of the Rust bigtools
library, released through 2026) reads a whole range straight into a caller's float64 buffer
(``arr=``), so a chromosome converts in a few large calls; it also writes bigWig
(``BigWigWriter``), so one library serves the track writers too; and its per-window reads
were 6-14x faster than pyBigWig's in ``scripts/bench_tracks.py``. pyBigWig (MIT, deepTools)
reads the same files; the tests take its ``values()`` as the oracle, so the two readers check
each other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["chrom_sizes", "open_bigwig", "read_values"]


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
