"""The parsed-interval cache of a BED file: its arrays in one ``.npz``, fingerprinted.

The file ``bed<columns>-<fingerprint>.npz`` goes in the input's cache folder
(:func:`selene.io._cache.cache_dirs`); the fingerprint hashes the BED's size, mtime and ctime,
so a changed BED is parsed again and its old cache deleted. A cache is written to a temporary
name and renamed into place (:func:`selene.io._cache.write_atomically`), so concurrent readers
never see half of one. Where no folder can be written, the arrays are returned uncached: a
cache saves time and is never an error.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from selene.io._cache import cache_dirs, stat_fingerprint, write_atomically

_log = logging.getLogger(__name__)

_FORMAT_VERSION = 1

Arrays = dict[str, np.ndarray]


def load_or_build(
    path: Path, tag: str, build: Callable[[], Arrays], cache_dir: str | Path | None
) -> Arrays:
    """Return the cached arrays of ``path``, or ``build()`` them and cache them.

    Parameters
    ----------
    path : Path
        The BED file.
    tag : str
        What was parsed (e.g. ``"bed4"``); caches of different tags live side by side.
    build : callable
        Parses the file; called only when no valid cache exists.
    cache_dir : str or Path, optional
        Use only this folder (see :func:`selene.io._cache.cache_dirs`).
    """
    name = f"{tag}-{stat_fingerprint(path, f'{_FORMAT_VERSION}|{tag}').hexdigest()[:16]}.npz"
    folders = cache_dirs(path, cache_dir)
    for folder in folders:
        if (folder / name).is_file():
            try:
                with np.load(folder / name) as stored:
                    return {key: stored[key] for key in stored.files}
            except (OSError, ValueError, zipfile.BadZipFile) as err:  # rebuilt below
                _log.warning("ignoring the unreadable BED cache %s: %s", folder / name, err)
    arrays = build()
    for folder in folders:
        if _store(folder, name, tag, arrays):
            return arrays
    _log.info("%s: no writable cache folder (tried %s); not cached", path, folders)
    return arrays


def _store(folder: Path, name: str, tag: str, arrays: Arrays) -> bool:
    """Write ``arrays`` to ``folder / name`` atomically; False if the folder is not writable."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:
            np.savez(out, **arrays)

    try:
        write_atomically(folder, name, write, stale=f"{tag}-*.npz")
    except OSError:
        return False
    return True
