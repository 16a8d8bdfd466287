"""Query FASTA: the records a user asks predictions for, streamed through pysam (htslib's kseq).

``pysam.FastxFile`` reads plain, gzip and bgzip files record by record, so a FASTA is never held
in memory and no index is written beside it (pyfaidx needs a ``.fai`` and cannot read plain
gzip). Two things kseq does not do are checked here: it skips text before the first ``>``
header silently (refused here, naming the file and line), and it keeps whitespace inside
sequence lines (dropped here, as every FASTA reader does; it is never a letter).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pysam

from selene.io.text import open_text

__all__ = ["count_records", "read_fasta"]


def read_fasta(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` for each record, streaming; the name is the header's first word.

    Parameters
    ----------
    path : str or Path
        Plain, gzip- or bgzip-compressed FASTA.

    Yields
    ------
    name : str
    sequence : str
        As written (case kept), with whitespace removed; ``""`` for a record with no sequence.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If text comes before the first ``>`` header (naming the file and line), or the file
        is compressed in a way selene does not read.
    """
    _check_first_header(path)
    with pysam.FastxFile(str(path)) as records:
        for record in records:
            yield _name(record), "".join(record.sequence.split())


def count_records(path: str | Path) -> int:
    """Count the records of a FASTA file (for progress bars).

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_fasta`.
    """
    _check_first_header(path)
    with pysam.FastxFile(str(path)) as records:
        return sum(1 for _ in records)


def _name(record: pysam.FastxRecord) -> str:
    # kseq splits the header at the first space: ">  a b" has an empty name and comment "a b".
    if record.name or not record.comment:
        return record.name
    return record.comment.split()[0]


def _check_first_header(path: str | Path) -> None:
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if not line.startswith(">"):
                raise ValueError(
                    f"{Path(path).name} line {number}: sequence before any '>' header "
                    f"({line.strip()[:40]!r}); is this a FASTA file?"
                )
            return
