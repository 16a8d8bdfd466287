"""Refuse a protein FASTA opened as a ``Genome``, from a small sample of its letters.

A ``Genome`` reads every letter outside ``ACGT`` as ``N``, so a protein FASTA would open without
error as a mostly-``N`` genome. Amino-acid letters that are no nucleotide IUPAC code (``E F I J
L O P Q Z`` and the stop ``*``) give it away. ``X`` is left out: hard-masking tools write it into
DNA. Only a bounded sample is read (the start and the middle of a few records spread over the
file), so the check costs the same for a 3 Gb genome as for a toy one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyfaidx

_PROTEIN_ONLY = frozenset("EFIJLOPQZ*")
_RECORDS = 16  # records sampled, spread over the file
_SPAN = 2048  # letters read at the start and at the middle of each sampled record


def refuse_protein(fasta: pyfaidx.Fasta, names: tuple[str, ...], lengths: np.ndarray, path: Path):
    """Raise if a sample of the FASTA holds letters that only proteins use.

    Parameters
    ----------
    fasta : pyfaidx.Fasta
        The open FASTA (its index already checked).
    names : tuple of str
        Record names, in file order.
    lengths : np.ndarray of int
        Record lengths.
    path : Path
        The FASTA, for the message.

    Raises
    ------
    ValueError
        Naming the file, the first record with such letters and the letters, and pointing to
        ``Proteome``.
    """
    picks = np.unique(np.linspace(0, len(names) - 1, min(_RECORDS, len(names))).round())
    for i in picks.astype(int).tolist():
        length = int(lengths[i])
        if length == 0:
            continue
        record = fasta[names[i]]
        middle = max(_SPAN, length // 2)
        sample = str(record[0:_SPAN]) + str(record[middle : middle + _SPAN])
        found = sorted(set(sample.upper()) & _PROTEIN_ONLY)
        if found:
            raise ValueError(
                f"{path} looks like a protein FASTA, not DNA: record {names[i]!r} holds "
                f"{', '.join(repr(letter) for letter in found)}, which are amino acids and no "
                f"nucleotide IUPAC code; open it with selene.sequences.Proteome instead of Genome"
            )
