"""Refuse a protein FASTA opened as a ``Genome``, from a small sample of its letters.

A ``Genome`` reads every letter outside ``ACGT`` as ``N``, so a protein FASTA would open without
error as a mostly-``N`` genome. Amino-acid letters that are no nucleotide IUPAC code (``E F I J
L O P Q Z`` and the stop ``*``) give it away. ``X`` is left out: hard-masking tools write it into
DNA. Only a bounded sample is read (the start and the middle of a few records spread over the
file), so the check costs the same for a 3 Gb genome as for a toy one.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyfaidx

from selene.sequences._reference import FastaIndex

_PROTEIN_ONLY = frozenset("EFIJLOPQZ*")
_NUCLEOTIDE = b"ACGTUNRYKMSWBDHVXacgtunrykmswbdhvx"
_RECORDS = 8  # records sampled, spread over the file (first and last included)
_SPAN = 2048  # letters read at the start and at the middle of each sampled record


def refuse_protein(fasta: pyfaidx.Fasta, index: FastaIndex, path: Path) -> None:
    """Raise if a sample of the FASTA holds letters that only proteins use.

    Parameters
    ----------
    fasta : pyfaidx.Fasta
        The open FASTA (its index already checked); read through for bgzipped files.
    index : FastaIndex
        Its layout; plain files are sampled straight from the bytes it points at.
    path : Path
        The FASTA.

    Raises
    ------
    ValueError
        Naming the file, the first record with such letters and the letters, and pointing to
        ``Proteome``.
    """
    names = index.names
    picks = np.unique(np.linspace(0, len(names) - 1, min(_RECORDS, len(names))).round())
    compressed = bool(getattr(fasta.faidx, "_bgzf", False))  # pyfaidx has no public flag
    with path.open("rb") as handle:
        for i in picks.astype(int).tolist():
            length = int(index.lengths[i])
            if length == 0:
                continue
            middle = min(max(_SPAN, length // 2), max(length - _SPAN, 0))
            if compressed:
                record = fasta[names[i]]  # BGZF reads refuse ends past the record's
                head, tail = (
                    record[0 : min(_SPAN, length)],
                    record[middle : min(middle + _SPAN, length)],
                )
                sample = f"{head}{tail}".encode()
            else:
                fd = handle.fileno()
                sample = b"".join(_raw(fd, index, i, at, length) for at in (0, middle))
            rest = sample.translate(None, _NUCLEOTIDE)  # C speed; usually leaves nothing
            found = sorted(set(rest.upper().decode("ascii", "replace")) & _PROTEIN_ONLY)
            if found:
                raise ValueError(
                    f"{path} looks like a protein FASTA, not DNA: record {names[i]!r} holds "
                    f"{', '.join(repr(letter) for letter in found)}, which are amino acids and "
                    f"no nucleotide IUPAC code; open it with selene.sequences.Proteome instead "
                    f"of Genome"
                )


def _raw(fd: int, index: FastaIndex, i: int, at: int, length: int) -> bytes:
    """Up to ``_SPAN`` letters of record ``i`` from letter ``at``, line breaks dropped."""
    bases, width = int(index.line_bases[i]), int(index.line_bytes[i])
    n = min(_SPAN, length - at)
    first = int(index.byte_offsets[i]) + at // bases * width + at % bases
    raw = os.pread(fd, n // bases * width + width, first)
    return raw.translate(None, b"\r\n")[:n]
