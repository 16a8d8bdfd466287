"""Open a text file, plain or gzip/bgzip-compressed, and tell its compression from its first bytes.

bgzip writes a series of gzip members (one per 64 KiB block); :func:`gzip.open` reads them as one
stream. ``gzip.decompress`` on the whole buffer copies the rest of the buffer at every member,
which is quadratic in the number of blocks, so the readers here always stream.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import IO, Literal

GZIP_MAGIC = b"\x1f\x8b"
OTHER_COMPRESSIONS = {
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}

Compression = Literal["plain", "gzip", "bgzf"]


def compression(path: str | Path) -> Compression:
    """Tell how ``path`` is compressed, from its first bytes (never from its name).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    {"plain", "gzip", "bgzf"}
        ``"bgzf"`` for bgzip's block gzip (a ``BC`` extra subfield), ``"gzip"`` for other gzip.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For bzip2, xz, zstd or zip, which no reader here takes.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    with path.open("rb") as handle:
        head = handle.read(65_536)
    if head[:2] == GZIP_MAGIC:
        return "bgzf" if is_bgzf(head) else "gzip"
    for magic, name in OTHER_COMPRESSIONS.items():
        if head.startswith(magic):
            raise ValueError(
                f"{path} is {name}-compressed; selene reads plain, gzip or bgzip files. "
                f"Decompress it, then optionally compress it with 'bgzip'."
            )
    return "plain"


def is_bgzf(head: bytes) -> bool:
    """Whether a gzip member header carries BGZF's ``BC`` extra subfield (SAM spec, 4.1)."""
    if len(head) < 12 or head[:2] != GZIP_MAGIC or not head[3] & 0x04:  # FLG.FEXTRA
        return False
    xlen = int.from_bytes(head[10:12], "little")
    extra, pos = head[12 : 12 + xlen], 0
    while pos + 4 <= len(extra):
        size = int.from_bytes(extra[pos + 2 : pos + 4], "little")
        if extra[pos : pos + 2] == b"BC":
            return True
        pos += 4 + size
    return False


def open_text(path: str | Path) -> IO[str]:
    """Open ``path`` for reading text, decompressing gzip and bgzip (told from the first bytes).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a compression no reader here takes (:func:`compression`).
    """
    if compression(path) == "plain":
        return open(path, encoding="utf-8")
    return gzip.open(path, "rt", encoding="utf-8")


def read_bytes(path: str | Path) -> tuple[bytes, bool]:
    """Read the whole of ``path``, decompressed when it is gzip or bgzip, streaming.

    Returns
    -------
    data : bytes
    compressed : bool
        Whether the file was gzip/bgzip-compressed.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a corrupt or truncated compressed file, or a compression no reader here takes.
    """
    path = Path(path)
    if compression(path) == "plain":
        return path.read_bytes(), False
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(), True
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"cannot decompress {path}: {err} (is it a valid bgzip file?)") from err
