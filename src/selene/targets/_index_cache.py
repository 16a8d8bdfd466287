"""The cache of a ``GenomicFeatures`` index: its arrays as ``.npy`` files, memory-mapped.

Beside the parsed-interval cache of the BED (:mod:`selene.io._bed_cache`, same folders:
:func:`selene.io._cache.cache_dirs`) lie the arrays the labelling kernels scan, so a warm
``GenomicFeatures`` neither reads the BED nor re-sorts it: it maps the arrays (no copy; pages
are read on first use and shared by every process that maps them).

An index is named ``gfindex-<bed>-<features>``: ``<bed>`` fingerprints the BED (size, mtime,
ctime, as every selene cache does) and the piece size long intervals are split into, and
``<features>`` the feature list, which decides which intervals are kept and their label columns
(thresholds and ``binary`` do not change the index).
Its files are ``<name>.<array>.npy`` and ``<name>.json``, the description (chromosomes, lengths,
what the build logged), written last: a reader trusts only a complete description, and each file
is renamed into place (:func:`selene.io._cache.write_atomically`), so concurrent readers never
see half an index. Indexes of an older BED are deleted when a new one is written. A missing,
unreadable or inconsistent index is rebuilt (with a logged warning when it was unreadable);
where no folder can be written the index is kept in memory only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from selene.io import bed as io_bed
from selene.io._cache import cache_dirs, stat_fingerprint, write_atomically
from selene.targets._index import ARRAYS, MAX_PIECE, Index, index_bed

_log = logging.getLogger(__name__)

_FORMAT_VERSION = 1
_PREFIX = "gfindex"


def name_of(path: Path, features: Sequence[str]) -> str:
    """Name the index of ``path`` for ``features``: ``gfindex-<bed>-<features>``."""
    bed = stat_fingerprint(path, f"{_FORMAT_VERSION}|{_PREFIX}|{MAX_PIECE}").hexdigest()[:16]
    digest = hashlib.sha1("\n".join(features).encode(), usedforsecurity=False)
    return f"{_PREFIX}-{bed}-{digest.hexdigest()[:8]}"


def load_or_build(
    path: Path, features: Sequence[str], cache: bool | None, cache_dir: str | Path | None
) -> Index:
    """Map the cached index of ``path`` for ``features``, or read the BED, index it and cache it.

    Parameters
    ----------
    path : Path
        The BED file.
    features : sequence of str
        The listed features, in label order.
    cache : bool, optional
        Use (and write) the cache; by default for files of at least
        :data:`selene.io.bed.CACHE_MIN_BYTES`, as :func:`selene.io.bed.read_bed` does.
    cache_dir : str or Path, optional
        Use only this folder (see :func:`selene.io._cache.cache_dirs`).
    """
    if cache is None:
        cache = path.is_file() and path.stat().st_size >= io_bed.CACHE_MIN_BYTES
    index = load(path, features, cache_dir) if cache else None
    if index is None:
        bed = io_bed.read_bed(path, cache=cache, cache_dir=cache_dir)
        index = index_bed(bed, {name: i for i, name in enumerate(features)})
        if cache:
            index.files = store(path, features, index, cache_dir)
    return index


def load(path: Path, features: Sequence[str], cache_dir: str | Path | None) -> Index | None:
    """Map the cached index of ``path`` for ``features``; None when there is none."""
    name = name_of(path, features)
    for folder in cache_dirs(path, cache_dir):
        described = folder / f"{name}.json"
        if not described.is_file():
            continue
        try:
            return open_index(described)
        except (OSError, ValueError, KeyError, TypeError) as err:  # rebuilt by the caller
            _log.warning("ignoring the unreadable index cache %s: %s", described, err)
    return None


def open_index(described: Path) -> Index:
    """Map the arrays that the description file ``described`` lists.

    Raises
    ------
    OSError, ValueError, KeyError, TypeError
        When a file is missing, truncated or does not match the description.
    """
    meta = json.loads(described.read_text(encoding="utf-8"))
    if meta.get("version") != _FORMAT_VERSION:
        raise ValueError(f"format {meta.get('version')!r}, not {_FORMAT_VERSION}")
    base = described.name.removesuffix(".json")
    arrays: dict[str, np.ndarray | None] = {}
    for key in ARRAYS:
        if meta["dtypes"].get(key) is None:
            arrays[key] = None
            continue
        array = np.load(described.parent / f"{base}.{key}.npy", mmap_mode="r")
        if str(array.dtype) != meta["dtypes"][key]:
            raise ValueError(f"{key} is {array.dtype}, described as {meta['dtypes'][key]}")
        arrays[key] = array
    chroms = tuple(meta["chroms"])
    offsets = arrays["offsets"]
    if offsets is None or offsets.shape != (len(chroms) + 1,):
        raise ValueError(f"offsets do not fit {len(chroms)} chromosomes")
    n = int(offsets[-1])
    if any(a is not None and a.shape != (n,) for k, a in arrays.items() if k != "offsets"):
        raise ValueError(f"the arrays do not all hold the {n} pieces the offsets delimit")
    return Index(arrays, chroms, meta["info"], described)


def store(
    path: Path, features: Sequence[str], index: Index, cache_dir: str | Path | None
) -> Path | None:
    """Write ``index`` beside ``path`` (or in ``cache_dir``); its description file, or None.

    None (with an info log) when no cache folder can be written.
    """
    name = name_of(path, features)
    dtypes = {k: None if a is None else str(a.dtype) for k, a in index.arrays.items()}
    meta = {"version": _FORMAT_VERSION, "chroms": list(index.chroms), "dtypes": dtypes}
    text = json.dumps({**meta, "info": index.info})
    folders = cache_dirs(path, cache_dir)
    for folder in folders:
        try:
            for key, array in index.arrays.items():
                if array is not None:
                    npy = f"{name}.{key}.npy"
                    write_atomically(folder, npy, _npy_writer(array), stale=npy)
            described = write_atomically(
                folder, f"{name}.json", lambda tmp: tmp.write_text(text, "utf-8"), f"{name}.json"
            )
        except OSError:
            continue
        _remove_older(folder, name)
        return described
    _log.info("%s: no writable cache folder (tried %s); index not cached", path, folders)
    return None


def _npy_writer(array: np.ndarray):
    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:
            np.save(out, np.ascontiguousarray(array))

    return write


def _remove_older(folder: Path, name: str) -> None:
    """Delete the indexes of other versions of the BED (those of other feature lists stay)."""
    bed = name.rsplit("-", 1)[0]
    for old in folder.glob(f"{_PREFIX}-*"):
        if not old.name.startswith(f"{bed}-"):
            with contextlib.suppress(OSError):
                old.unlink()
