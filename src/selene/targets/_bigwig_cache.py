"""The cache of one bigWig track: every chromosome's values (or bins) as one flat ``.npy`` file.

Built once per track, dtype and resolution, like the reference cache: the file is named after
a fingerprint of the bigWig (size, mtime, ctime, chromosome names and lengths), so a changed
bigWig gets a new cache and the old one is removed; it is written under a temporary name and
renamed into place, so concurrent processes never read a half-written file; it goes beside the
bigWig (``<name>.selcache/``) or, when that folder is not writable, in ``$XDG_CACHE_HOME/selene``
(:mod:`selene.io._cache`). Chromosomes lie end to end in the header's order; bases without data
are 0.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import numpy as np

from selene.io._cache import cache_dirs, stat_fingerprint, write_atomically
from selene.io.bigwig import open_bigwig, read_values

_log = logging.getLogger(__name__)

_FORMAT_VERSION = 1
_CHUNK = 1 << 22  # bases read per call: 32 MiB of float64, few calls per chromosome
FLOAT16_MAX = float(np.finfo(np.float16).max)


def fingerprint(path: Path, sizes: dict[str, int], tag: str) -> str:
    """Hash the bigWig's size, mtime, ctime and chromosome sizes, and the cache's ``tag``."""
    digest = stat_fingerprint(path, f"{_FORMAT_VERSION}|{tag}")
    digest.update("\t".join(f"{name}:{n}" for name, n in sizes.items()).encode())
    return digest.hexdigest()[:16]


def load_or_build(
    path: Path,
    sizes: dict[str, int],
    dtype: str,
    cache_dir: str | Path | None = None,
    bin_size: int = 1,
    aggregation: str = "mean",
) -> Path:
    """Return the cache file of this bigWig, building it first if no valid one exists.

    Parameters
    ----------
    path : Path
        The bigWig.
    sizes : dict of str to int
        Its chromosome sizes, in header order (:func:`selene.io.bigwig.chrom_sizes`).
    dtype : {'float32', 'float16'}
    cache_dir : str or Path, optional
        Use only this folder.
    bin_size : int
        1 for one value per base; more for one value per bin of the chromosome's grid
        (``[k * bin_size, (k + 1) * bin_size)``, the last bin padded with 0).
    aggregation : {'mean', 'sum', 'max'}
        How a bin's bases combine (bins only).

    Returns
    -------
    Path
        A complete ``.npy`` of shape ``(sum(ceil(n / bin_size)),)`` and dtype ``dtype``.
    """
    # Tags never prefix one another, so removing stale caches of one kind spares the others.
    tag = f"{dtype}-base" if bin_size == 1 else f"{dtype}-bin{bin_size}-{aggregation}"
    name = f"bigwig-{tag}-{fingerprint(path, sizes, tag)}.npy"
    folders = cache_dirs(path, cache_dir)
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    write = partial(
        _write, path=path, sizes=sizes, dtype=dtype, bin_size=bin_size, aggregation=aggregation
    )
    errors = []
    for folder in folders:
        _log.info("Building the track cache %s from %s", folder / name, path)
        try:
            return write_atomically(folder, name, write, stale=f"bigwig-{tag}-*.npy")
        except OSError as err:
            errors.append(f"{folder}: {err}")
    raise OSError(
        f"cannot write the track cache for {path}; tried {'; '.join(errors)}. "
        "Pass a writable cache_dir."
    )


def _write(
    tmp: Path, *, path: Path, sizes: dict[str, int], dtype: str, bin_size: int, aggregation: str
) -> None:
    n_bins = {chrom: -(-length // bin_size) for chrom, length in sizes.items()}
    total = sum(n_bins.values())
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.dtype(dtype), shape=(total,))
    step = max(1, _CHUNK // bin_size) * bin_size  # bases per read, whole bins
    buffer = np.empty(min(step, max(n_bins.values()) * bin_size), dtype=np.float64)
    missing = 0
    reader = open_bigwig(path)
    try:
        dest = 0
        for chrom, length in sizes.items():
            for start in range(0, length, step):
                n = min(step, length - start)
                chunk = buffer[: -(-n // bin_size) * bin_size]
                chunk[n:] = 0.0  # past the chromosome's end
                missing += read_values(reader, chrom, start, chunk[:n])
                if bin_size > 1:
                    chunk = _reduce(chunk.reshape(-1, bin_size), aggregation)
                if dtype == "float16":
                    _check_half(path, chrom, start, chunk, bin_size)
                first = dest + start // bin_size
                out[first : first + chunk.size] = chunk
            dest += n_bins[chrom]
    finally:
        reader.close()
    out.flush()
    del out
    if missing:
        _log.info(
            "%s: %d of %d bases (%.1f%%) have no data; they read as 0",
            path,
            missing,
            sum(sizes.values()),
            100 * missing / sum(sizes.values()),
        )


def _reduce(bins: np.ndarray, aggregation: str) -> np.ndarray:
    if aggregation == "max":
        return bins.max(axis=1)
    total = bins.sum(axis=1)
    return total / bins.shape[1] if aggregation == "mean" else total


def _check_half(path: Path, chrom: str, start: int, chunk: np.ndarray, bin_size: int) -> None:
    """Refuse values that float16 cannot hold (they would become inf)."""
    big = np.flatnonzero(np.abs(chunk) > FLOAT16_MAX)
    if big.size:
        i = int(big[0])
        raise ValueError(
            f"{path}: the value {chunk[i]} at {chrom}:{start + i * bin_size} exceeds float16's "
            f"range (|x| <= {FLOAT16_MAX:g}); use cache_dtype='float32' for this track"
        )


def open_track(cache_file: Path) -> np.ndarray:
    """Memory-map a track cache read-only; a float16 cache comes as its ``uint16`` bits."""
    values = np.asarray(np.load(cache_file, mmap_mode="r"))  # numba types an ndarray faster
    return values.view(np.uint16) if values.dtype == np.float16 else values
