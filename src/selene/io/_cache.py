"""Where selene keeps the caches it derives from an input file, and how it tells them stale.

A cache lives in ``<file>.selcache/`` beside the input, or, where that folder cannot be written,
in ``$XDG_CACHE_HOME/selene`` (``~/.cache/selene``); a ``cache_dir`` given by the caller replaces
both. A cache file is named after a fingerprint of the input's size, mtime and ctime, so a changed
input gets a new cache and never reads a stale one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_dirs(path: Path, cache_dir: str | Path | None) -> list[Path]:
    """Candidate cache folders for ``path``, in order of preference."""
    key = hashlib.sha1(str(path.resolve()).encode(), usedforsecurity=False).hexdigest()[:12]
    named = f"{path.name}-{key}.selcache"
    if cache_dir is not None:
        return [Path(cache_dir).expanduser() / named]
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "selene"
    return [path.parent / f"{path.name}.selcache", home / named]


def stat_fingerprint(path: Path, tag: str) -> hashlib._Hash:
    """Start a hash of ``tag`` and the file's size, mtime and ctime (to add more to, or read).

    The ctime (inode change time) moves on every write and cannot be set back, so a file
    replaced with its old mtime kept (``cp -p``, ``rsync -a``, ``tar``) still gets a new cache.
    """
    stat = path.stat()
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{tag}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}|".encode())
    return digest


def write_atomically(folder: Path, name: str, write: Callable[[Path], None], stale: str) -> Path:
    """Write ``folder / name`` through a temporary file, then delete the caches it replaces.

    ``write(tmp)`` fills the temporary file, which is then renamed into place, so a reader
    never sees half a cache; other files matching the glob ``stale`` (older versions of the
    cache) are deleted (open memory maps of them stay valid on POSIX).

    Raises
    ------
    OSError
        When ``folder`` cannot be made or written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, folder / name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    for old in folder.glob(stale):
        if old.name != name:
            with contextlib.suppress(OSError):
                old.unlink()
    return folder / name
