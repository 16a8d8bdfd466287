"""Opening a FASTA with pyfaidx so that its ``.fai`` index can be trusted.

A ``.fai`` stores byte offsets and line widths; read against another version of the FASTA it
returns wrong letters without any error. So before a FASTA is used:

- its compression is sniffed from the first bytes (:func:`selene.io.text.compression`;
  pyfaidx reads plain text and bgzip only);
- an index older than the FASTA is rebuilt, with a warning (pyfaidx's ``rebuild`` rule), or
  refused with a clear message when it cannot be rewritten;
- an index that is not older but does not fit the file (a FASTA replaced with its old mtime
  kept, by ``cp -p``, ``rsync -a`` or ``tar``) is caught by checking a bounded sample of records
  against the bytes they point at, and rebuilt the same way.

The checks read a few dozen small blocks (16 records and the tail), whatever the size of the
FASTA.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np
import pyfaidx

from selene.io.text import OTHER_COMPRESSIONS, compression
from selene.utils.warnings import SeleneWarning

_SAMPLE = 16  # records checked against the file, spread over it (first and last included)
_PEEK = 4096  # bytes read before a record for its header, and after the last record
_EOL = frozenset(b"\r\n")


def open_fasta(path: Path) -> pyfaidx.Fasta:
    """Open an indexed FASTA with pyfaidx, building or rebuilding its ``.fai`` where needed.

    Parameters
    ----------
    path : Path
        A FASTA file, plain or bgzipped.

    Returns
    -------
    pyfaidx.Fasta
        Case is kept (soft-masked bases stay lowercase); the index matches the file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"FASTA file not found: {path}")
    compressed = check_compression(path)
    fai = Path(f"{path}.fai")
    # pyfaidx's own test (rebuild=True): an index strictly older than the FASTA is rebuilt.
    stale = fai.is_file() and os.path.getmtime(fai) < os.path.getmtime(path)
    try:
        fasta = _open(path)
    except OSError as err:
        if stale:
            raise _cannot_rebuild(path, fai, "it is older than the FASTA", err) from err
        raise _invalid(path, err) from err
    if stale:
        _warn_rebuilt(path, fai, "it was older than the FASTA")
        if os.path.getmtime(fai) < os.path.getmtime(path):  # a FASTA dated in the future
            with contextlib.suppress(OSError):  # spare every later open a rebuild
                os.utime(fai, ns=(fai.stat().st_atime_ns, path.stat().st_mtime_ns))
    if compressed:  # byte offsets point into the decompressed stream: pyfaidx's mtime rule only
        return fasta
    reason = index_mismatch(path, fasta.faidx.index)
    if reason is None:
        return fasta
    try:
        fasta.faidx.build_index()
    except OSError as err:
        fasta.close()
        raise _cannot_rebuild(path, fai, f"it does not match the FASTA ({reason})", err) from err
    fasta.close()
    try:
        fasta = _open(path)
    except OSError as err:
        raise _invalid(path, err) from err
    _warn_rebuilt(path, fai, f"it did not match the FASTA ({reason})")
    after = index_mismatch(path, fasta.faidx.index)
    if after is not None:  # pyfaidx indexed it, yet the layout is off: a malformed FASTA
        raise ValueError(f"the FASTA {path} does not match its freshly built index: {after}")
    return fasta


def _open(path: Path) -> pyfaidx.Fasta:
    try:
        return pyfaidx.Fasta(str(path), sequence_always_upper=False, as_raw=True)
    except ImportError as err:  # pyfaidx reads bgzipped files through BioPython
        raise ImportError(
            f"reading the bgzipped FASTA {path} needs BioPython >= 1.73 (pip install biopython); "
            f"or decompress it (bgzip -d)"
        ) from err
    except (ValueError, pyfaidx.FastaIndexingError) as err:
        raise _invalid(path, err) from err
    # OSError goes up: the caller knows whether an index was being rebuilt.


def _invalid(path: Path, err: Exception) -> ValueError:
    reason = str(err).strip().rstrip(".")
    return ValueError(
        f"cannot open or index the FASTA {path}: {reason}. Check that it is a valid "
        f"(optionally bgzipped) FASTA with equal line lengths, and that its folder is "
        f"writable so the '.fai' index can be built (or run 'samtools faidx {path.name}')."
    )


def _cannot_rebuild(path: Path, fai: Path, why: str, err: OSError) -> PermissionError:
    return PermissionError(
        f"the index {fai} cannot be trusted ({why}: the FASTA changed after it was indexed), "
        f"and it cannot be rebuilt: {err}. Re-index it where you can write "
        f"('samtools faidx {path}'), or copy {path.name} to a writable folder and use the copy."
    )


def _warn_rebuilt(path: Path, fai: Path, why: str) -> None:
    warnings.warn(
        f"rebuilt the index {fai.name} of {path}: {why}, so the FASTA changed after it was "
        f"indexed; any reference cache made from the old index is rebuilt too",
        SeleneWarning,
        stacklevel=5,
    )


def check_compression(path: Path) -> bool:
    """Whether ``path`` is bgzipped; raise for compressions that pyfaidx cannot read.

    Parameters
    ----------
    path : Path

    Returns
    -------
    bool
        True for BGZF, False for plain text.

    Raises
    ------
    ValueError
        For plain gzip (not bgzip), bzip2, xz, zstd or zip, and for a file whose name and
        content disagree (pyfaidx picks its reader by the ``.gz`` / ``.bgz`` suffix).
    """
    with path.open("rb") as handle:
        head = handle.read(8)
    for magic, name in OTHER_COMPRESSIONS.items():  # before compression(), to name the FASTA
        if head.startswith(magic):
            raise ValueError(
                f"the FASTA {path} is {name}-compressed; only bgzip'd or uncompressed FASTA can "
                f"be indexed. Decompress it, then optionally compress it with 'bgzip'."
            )
    kind = compression(path)
    bgzf = kind == "bgzf"
    named = path.name.lower().endswith((".gz", ".bgz"))
    if kind == "gzip":
        raise ValueError(
            f"the FASTA {path} is gzip-compressed, but not with bgzip: only bgzip'd (block-"
            f"compressed) or uncompressed FASTA can be indexed. Recompress it with bgzip "
            f"('gunzip {path.name}' then 'bgzip {path.name.removesuffix('.gz')}'), or use it "
            f"uncompressed."
        )
    if bgzf and not named:
        raise ValueError(
            f"the FASTA {path} is bgzip-compressed but its name does not end in '.gz' or "
            f"'.bgz'; rename it (e.g. to {path.name}.gz)"
        )
    if named and not bgzf:
        raise ValueError(
            f"the FASTA {path} is named like a compressed file but is not compressed; rename it "
            f"without the '{path.suffix}' suffix, or compress it with 'bgzip'"
        )
    return bgzf


def index_mismatch(path: Path, records: dict) -> str | None:
    """Check a bounded sample of ``.fai`` records against the bytes of a plain FASTA.

    For each sampled record: the line before its first letter must be its ``>name`` header, its
    first line must end where the index says, and its last letter must end a line. The bytes
    after the last record must be blank.

    Parameters
    ----------
    path : Path
        An uncompressed FASTA.
    records : dict
        pyfaidx's index (``Fasta.faidx.index``): name -> record with ``rlen``, ``offset``,
        ``lenc``, ``lenb``.

    Returns
    -------
    str or None
        What does not match, or None when the sample fits.
    """
    rows = list(records.items())  # in file order, as samtools and pyfaidx write a .fai
    if not rows:
        return None
    offsets = np.fromiter((rec.offset for _, rec in rows), dtype=np.int64, count=len(rows))
    if np.any(offsets[1:] < offsets[:-1]):
        rows = sorted(rows, key=lambda item: item[1].offset)
    picks = np.unique(np.linspace(0, len(rows) - 1, min(_SAMPLE, len(rows))).round())
    size = path.stat().st_size
    with path.open("rb") as handle:
        fd = handle.fileno()
        for i in picks.astype(int).tolist():
            name, rec = rows[i]
            reason = _record_mismatch(fd, size, name, rec)
            if reason is not None:
                return f"record {name!r}: {reason}"
        name, rec = rows[-1]
        end = _end_byte(rec)
        tail = os.pread(fd, _PEEK + 1, end)
        if len(tail) > _PEEK or tail.strip():
            return f"the file goes on after its last indexed record {name!r} (byte {end})"
    return None


def _end_byte(rec) -> int:
    """One past the byte of a record's last letter."""
    if rec.rlen == 0:
        return rec.offset
    last = rec.rlen - 1
    return rec.offset + last // rec.lenc * rec.lenb + last % rec.lenc + 1


def _record_mismatch(fd: int, size: int, name: str, rec) -> str | None:
    start = max(0, rec.offset - _PEEK)
    first_line = rec.lenb if rec.rlen > rec.lenc else 0
    block = os.pread(fd, rec.offset - start + first_line, start)  # header and first line
    before = block[: rec.offset - start]
    if not before.endswith(b"\n"):
        return f"no line break before its first letter (byte {rec.offset})"
    lines = before.rstrip(b"\r\n").rsplit(b"\n", 1)
    if len(lines) == 2 or start == 0:  # else the header is longer than the peek: skip it
        header = lines[-1]
        word = header[1:].split(maxsplit=1)[:1]
        if not header.startswith(b">") or word != [name.encode()]:
            return f"the line before byte {rec.offset} is not its header '>{name}'"
    if rec.rlen == 0:
        return None
    if first_line:
        eol = block[rec.offset - start + rec.lenc :]
        if len(eol) != rec.lenb - rec.lenc or not set(eol) <= _EOL:
            return f"its first line does not end after {rec.lenc} letters as indexed"
    end = _end_byte(rec)
    if end > size:
        return f"it would end at byte {end}, past the end of the file ({size} bytes)"
    around = os.pread(fd, 2, end - 1)
    if around[:1] in (b"\r", b"\n", b">") or (len(around) == 2 and around[1] not in _EOL):
        return f"its {rec.rlen} indexed letters do not end at the end of a line (byte {end})"
    return None
