"""The run-length cache of one bigWig track: where its value changes, and the value from there.

Per chromosome the track is a step function: ``positions`` (``uint32``, sorted, relative to the
chromosome's start) are the bases where the value changes, ``values`` (float32, or float16) the
value from each of them up to the next; before the first position, and from the last one on
(whose value is always 0), the track is 0. Bases without data (gaps between records, NaN
records) and records of value 0 are one and the same, so zero runs cost nothing but the change
point where data stops, and equal adjacent records merge. It is read from the bigWig's records
(:func:`selene.io.bigwig.read_records`), never expanded to bases, so building it takes memory in
proportion to one chunk's records.

``uint32`` positions: a bigWig stores every coordinate as an unsigned 32-bit integer, so they
hold any chromosome a bigWig can describe, at half the bytes of int64.

An ``index`` per chromosome gives, for every block of ``2**SHIFT`` bases, how many change
points lie at or before the block's first base, so a window finds its first run with one
load and a binary search over one block's runs, instead of over the chromosome's.

Files (in one folder named after the bigWig's fingerprint, written whole, then renamed into
place): ``positions.u32`` and ``values.f32`` (or ``.f16``) raw, the chromosomes end to end in
the header's order, ``index.u32`` raw, and ``chroms.npy``: per chromosome the first run, the
number of runs, the first index entry and the number of index entries (int64).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from selene.io._cache import cache_dirs
from selene.io.bigwig import open_bigwig, read_records
from selene.targets._bigwig_cache import FLOAT16_MAX, fingerprint

_log = logging.getLogger(__name__)

SHIFT = 8  # 256 bases per index block: 1/64 B per base, a few runs per block in coverage
_CHUNK = 1 << 24  # bases of records read per call
_FORMAT = 1  # the files' layout: a new number gives every bigWig a new cache


def load_or_build_runs(
    path: Path, sizes: dict[str, int], dtype: str, cache_dir: str | Path | None = None
) -> Path:
    """Return the run-length cache folder of this bigWig, building it first if none is valid.

    Parameters
    ----------
    path : Path
        The bigWig.
    sizes : dict of str to int
        Its chromosome sizes, in header order.
    dtype : {'float32', 'float16'}
    cache_dir : str or Path, optional
        Use only this folder.
    """
    tag = f"runs{1 << SHIFT}-{dtype}"
    name = f"bigwig-{tag}-{fingerprint(path, sizes, f'{tag}|{_FORMAT}')}"
    folders = cache_dirs(path, cache_dir)
    for folder in folders:
        if (folder / name / "chroms.npy").is_file():
            return folder / name
    errors = []
    for folder in folders:
        _log.info("Building the run-length track cache %s from %s", folder / name, path)
        try:
            return _write_folder(folder, name, path, sizes, dtype, stale=f"bigwig-{tag}-*")
        except OSError as err:
            errors.append(f"{folder}: {err}")
    raise OSError(
        f"cannot write the track cache for {path}; tried {'; '.join(errors)}. "
        "Pass a writable cache_dir."
    )


def _write_folder(
    folder: Path, name: str, path: Path, sizes: dict[str, int], dtype: str, stale: str
) -> Path:
    """Build the cache in a temporary folder, rename it into place, drop stale versions."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=folder))
    try:
        _build(path, sizes, dtype, tmp)
        with contextlib.suppress(OSError):  # another process finished it first: keep theirs
            os.rename(tmp, folder / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not (folder / name / "chroms.npy").is_file():
        raise OSError(f"the cache folder {folder / name} is incomplete")
    for old in folder.glob(stale):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return folder / name


def _build(path: Path, sizes: dict[str, int], dtype: str, out: Path) -> None:
    table = np.zeros((len(sizes), 4), np.int64)
    n_runs = n_index = covered = 0
    reader = open_bigwig(path)
    try:
        with (
            open(out / "positions.u32", "wb") as pos_file,
            open(out / f"values.{_suffix(dtype)}", "wb") as val_file,
            open(out / "index.u32", "wb") as index_file,
        ):
            for c, (chrom, length) in enumerate(sizes.items()):
                positions, values, bases = _chrom_runs(reader, path, chrom, length, dtype)
                index = _block_index(positions, length)
                pos_file.write(positions.tobytes())
                val_file.write(values.tobytes())
                index_file.write(index.tobytes())
                table[c] = n_runs, positions.size, n_index, index.size
                n_runs, n_index, covered = (
                    n_runs + positions.size,
                    n_index + index.size,
                    covered + bases,
                )
    finally:
        reader.close()
    np.save(out / "chroms.npy", table)
    total = sum(sizes.values())
    _log.info(
        "%s: %d runs; %d of %d bases (%.1f%%) are 0 or have no data",
        path,
        n_runs,
        total - covered,
        total,
        100 * (total - covered) / total,
    )


def _suffix(dtype: str) -> str:
    return "f16" if dtype == "float16" else "f32"


def _chrom_runs(
    reader, path: Path, chrom: str, length: int, dtype: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Change points and values of one chromosome, and the bases of non-zero value."""
    parts_pos, parts_val = [], []
    last = np.zeros(1, dtype)  # the value before the records at hand
    held = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    bases = 0
    for start in range(0, length, _CHUNK):
        end = min(start + _CHUNK, length)
        records = read_records(reader, chrom, start, end)
        # The chunk's last record may go on in the next chunk: it waits for it.
        starts, ends, values = (np.concatenate(pair) for pair in zip(held, records, strict=True))
        cut = starts.size - 1 if end < length and starts.size else starts.size
        held = (starts[cut:], ends[cut:], values[cut:])
        starts, ends, values = starts[:cut], ends[:cut], values[:cut]
        _check_records(path, chrom, starts, ends)
        keep = ends > starts
        starts, ends, values = starts[keep], ends[keep], np.nan_to_num(values[keep], nan=0.0)
        if dtype == "float16":
            _check_half(path, chrom, starts, values)
        bases += int((ends - starts)[values != 0].sum())
        # Each record starts its value and ends with 0, unless the next record starts there.
        pos = np.empty(2 * starts.size, np.int64)
        val = np.zeros(2 * starts.size, np.dtype(dtype))
        pos[0::2], pos[1::2], val[0::2] = starts, ends, values
        after = np.append(starts[1:], held[0][:1] if held[0].size else -1)  # next record
        keep = np.ones(pos.size, bool)
        keep[1::2] = after != ends
        pos, val = pos[keep], val[keep]
        # A change point that does not change the value is dropped (equal neighbours, zeros).
        change = val != np.concatenate((last, val[:-1]))
        pos, val = pos[change], val[change]
        last = val[-1:] if val.size else last
        parts_pos.append(pos.astype(np.uint32))
        parts_val.append(val)
    if not parts_pos:
        return np.zeros(0, np.uint32), np.zeros(0, np.dtype(dtype)), 0
    return np.concatenate(parts_pos), np.concatenate(parts_val), bases


def _check_records(path: Path, chrom: str, starts: np.ndarray, ends: np.ndarray) -> None:
    """Refuse records out of order or overlapping (a bigWig's records never are)."""
    bad = np.flatnonzero(starts[1:] < ends[:-1])
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{path}: on {chrom} the record [{starts[i + 1]}, {ends[i + 1]}) starts before the "
            f"previous one [{starts[i]}, {ends[i]}) ends; use cache_resolution='base', which "
            "reads the values per base"
        )


def _check_half(path: Path, chrom: str, starts: np.ndarray, values: np.ndarray) -> None:
    """Refuse values that float16 cannot hold (they would become inf)."""
    big = np.flatnonzero(np.abs(values) > FLOAT16_MAX)
    if big.size:
        i = int(big[0])
        raise ValueError(
            f"{path}: the value {values[i]} at {chrom}:{starts[i]} exceeds float16's range "
            f"(|x| <= {FLOAT16_MAX:g}); use cache_dtype='float32' for this track"
        )


def _block_index(positions: np.ndarray, length: int) -> np.ndarray:
    """For each block ``b`` of ``2**SHIFT`` bases: how many change points lie at or before it."""
    firsts = np.arange((length >> SHIFT) + 1, dtype=np.int64) << SHIFT
    return np.searchsorted(positions, firsts, side="right").astype(np.uint32)


def open_runs(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Memory-map a run-length cache: positions, values (float16 as ``uint16`` bits), index.

    Also returns the per-chromosome table ``(n_chroms, 4)``: first run, runs, first index
    entry, index entries.
    """
    table = np.load(folder / "chroms.npy")
    n_runs, n_index = int(table[:, 1].sum()), int(table[:, 3].sum())
    half = (folder / "values.f16").is_file()
    positions = _map(folder / "positions.u32", np.uint32, n_runs)
    values = _map(
        folder / ("values.f16" if half else "values.f32"),
        np.uint16 if half else np.float32,
        n_runs,
    )
    index = _map(folder / "index.u32", np.uint32, n_index)
    return positions, values, index, table


def _map(file: Path, dtype, n: int) -> np.ndarray:
    if n == 0:  # an empty file cannot be memory-mapped
        return np.zeros(1, dtype)
    # A plain ndarray view of the map: numba types an np.memmap argument by a slow path
    # (50 us a call for 24 maps), an ndarray by a fast one.
    return np.asarray(np.memmap(file, dtype=dtype, mode="r", shape=(n,)))


def runs_layout(chroms: list[str], sizes: list[dict[str, int]], tables: list[np.ndarray]):
    """Per track and chromosome of ``chroms``: its row of the track's table (zeros: absent).

    Returns
    -------
    np.ndarray, shape (T, len(chroms), 4), dtype int64
    """
    out = np.zeros((len(sizes), len(chroms), 4), np.int64)
    where = {name: c for c, name in enumerate(chroms)}
    for t, (track, table) in enumerate(zip(sizes, tables, strict=True)):
        for row, name in zip(table, track, strict=True):
            out[t, where[name]] = row
    return out
