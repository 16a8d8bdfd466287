"""The compact reference cache: every record of a FASTA as one flat ``uint8`` code array.

The cache is a ``.npy`` file named after a fingerprint of the FASTA (size, mtime, ctime, index),
so a changed FASTA gets a new file, and a file that exists is complete: it is written to a
temporary name and renamed into place, so concurrent workers never read a half-written cache.
It is opened with ``np.load(mmap_mode="r")``, so DataLoader workers share the page cache instead
of copies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyfaidx

from selene.io._cache import cache_dirs, stat_fingerprint
from selene.sequences._kernels import translate_lines

_log = logging.getLogger(__name__)

_FORMAT_VERSION = 1
_CHUNK_BYTES = 1 << 24


@dataclass(frozen=True)
class FastaIndex:
    """Names, lengths and byte layout of the records of an indexed FASTA (from its ``.fai``)."""

    names: tuple[str, ...]
    lengths: np.ndarray  # int64, letters per record
    byte_offsets: np.ndarray  # int64, byte of each record's first letter
    line_bases: np.ndarray  # int64, letters per line
    line_bytes: np.ndarray  # int64, bytes per line including the terminator

    @property
    def offsets(self) -> np.ndarray:
        """Start of each record in the flat code array (int64)."""
        return np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)


def read_index(fasta: pyfaidx.Fasta, path: Path) -> FastaIndex:
    """Collect the record layout that pyfaidx read from the ``.fai``."""
    records = fasta.faidx.index
    if not records:
        raise ValueError(f"no sequences found in the FASTA {path}")
    rows = [(r.rlen, r.offset, r.lenc, r.lenb) for r in records.values()]
    cols = np.array(rows, dtype=np.int64).reshape(-1, 4)
    if cols[:, 0].sum() == 0:
        raise ValueError(f"every sequence in the FASTA {path} is empty")
    return FastaIndex(tuple(records), cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3])


def fingerprint(path: Path, index: FastaIndex, tag: str) -> str:
    """Hash the FASTA's size, mtime, ctime and index layout, and the alphabet ``tag``.

    The ctime (inode change time) moves on every write and cannot be set back, so a FASTA
    replaced with its old mtime kept (``cp -p``, ``rsync -a``, ``tar``) still gets a new cache.
    """
    digest = stat_fingerprint(path, f"{_FORMAT_VERSION}|{tag}")
    digest.update("\t".join(index.names).encode())
    for column in (index.lengths, index.byte_offsets, index.line_bases, index.line_bytes):
        digest.update(column.tobytes())
    return digest.hexdigest()[:16]


def load_or_build(
    path: Path,
    fasta: pyfaidx.Fasta,
    index: FastaIndex,
    table: np.ndarray,
    tag: str,
    cache_dir: str | Path | None = None,
) -> Path:
    """Return the cache file for this FASTA, building it first if no valid one exists.

    Parameters
    ----------
    path : Path
        The FASTA file.
    fasta : pyfaidx.Fasta
        The open FASTA (read from for bgzipped files).
    index : FastaIndex
        Its layout.
    table : np.ndarray, shape (256,), dtype uint8
        FASTA byte -> code.
    tag : str
        Names the alphabet, so DNA and protein caches of one file never collide.
    cache_dir : str or Path, optional
        Use only this folder. By default the cache goes beside the FASTA, or in
        ``$XDG_CACHE_HOME/selene`` (``~/.cache/selene``) when that folder is not writable.

    Returns
    -------
    Path
        A complete ``.npy`` file of shape ``(sum(index.lengths),)`` and dtype uint8.
    """
    name = f"{tag}-{fingerprint(path, index, tag)}.npy"
    folders = cache_dirs(path, cache_dir)
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    errors = []
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        except OSError as err:
            errors.append(f"{folder}: {err}")
            continue
        os.close(handle)
        try:
            _log.info("Building the reference cache %s from %s", folder / name, path)
            _write(Path(tmp), path, fasta, index, table)
            os.replace(tmp, folder / name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _remove_stale(folder, tag, name)
        return folder / name
    raise OSError(
        f"cannot write the reference cache for {path}; tried {'; '.join(errors)}. "
        f"Pass a writable cache_dir."
    )


def _remove_stale(folder: Path, tag: str, keep: str) -> None:
    """Delete caches of older versions of the FASTA (open memory maps stay valid on POSIX)."""
    for old in folder.glob(f"{tag}-*.npy"):
        if old.name != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def _write(
    tmp: Path, path: Path, fasta: pyfaidx.Fasta, index: FastaIndex, table: np.ndarray
) -> None:
    total = int(index.lengths.sum())
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(total,))
    compressed = bool(getattr(fasta.faidx, "_bgzf", False))  # pyfaidx has no public flag
    for i, (name, dest) in enumerate(zip(index.names, index.offsets, strict=True)):
        length = int(index.lengths[i])
        target = out[dest : dest + length]
        if compressed:
            _copy_via_pyfaidx(fasta, name, length, table, target)
        else:
            layout = (int(index.line_bases[i]), int(index.line_bytes[i]))
            _copy_plain(path, int(index.byte_offsets[i]), length, *layout, table, target)
    out.flush()
    del out


def _copy_plain(
    path: Path,
    offset: int,
    length: int,
    line_bases: int,
    line_bytes: int,
    table: np.ndarray,
    out: np.ndarray,
) -> None:
    """Translate one record of a plain FASTA, reading whole lines in large chunks."""
    lines_per_chunk = max(1, _CHUNK_BYTES // max(line_bytes, 1))
    done = 0
    with path.open("rb") as handle:
        while done < length:
            n = min(length - done, lines_per_chunk * line_bases)
            # Read up to this chunk's last letter: the file may lack a final newline.
            n_bytes = (n - 1) // line_bases * line_bytes + (n - 1) % line_bases + 1
            handle.seek(offset + done // line_bases * line_bytes)
            raw = np.frombuffer(handle.read(n_bytes), dtype=np.uint8)
            if raw.size != n_bytes:
                raise ValueError(f"the FASTA {path} is shorter than its .fai index says")
            translate_lines(raw, line_bases, line_bytes, table, out[done : done + n])
            done += n


def _copy_via_pyfaidx(
    fasta: pyfaidx.Fasta, name: str, length: int, table: np.ndarray, out: np.ndarray
) -> None:
    """Translate one record of a bgzipped FASTA through pyfaidx, in large chunks."""
    step = _CHUNK_BYTES
    for start in range(0, length, step):
        stop = min(length, start + step)
        letters = str(fasta[name][start:stop]).encode("ascii", errors="replace")
        raw = np.frombuffer(letters, dtype=np.uint8)
        out[start:stop] = table[raw]


def open_codes(cache_file: Path) -> np.ndarray:
    """Memory-map a cache file read-only."""
    return np.load(cache_file, mmap_mode="r")
