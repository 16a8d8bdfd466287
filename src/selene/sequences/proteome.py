"""``Proteome``: amino-acid windows from an indexed FASTA, keyed by protein id."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from selene.sequences._fasta import FastaSequence

__all__ = ["Proteome"]

_AMINO_ACIDS = "ARNDCEQGHILKMFPSTWYV"


class Proteome(FastaSequence):
    """Protein sequences read from an indexed FASTA, queried by 0-based, end-exclusive coordinates.

    The alphabet is the 20 amino acids in the Selene SDK's column order; ``X`` and every other
    letter are unknown (code ``UNK_CODE``, ``1 / 20`` in every column). Lowercase letters are the
    same amino acids. Proteins have one strand: ``'-'`` is refused. The sequence names (the
    "chromosomes" of the ``Sequence`` interface) are the protein ids.

    Parameters
    ----------
    input_path : str or Path
        A FASTA file of proteins, plain or bgzipped; its ``.fai`` index is built when missing.
    cache_dir : str or Path, optional
        Where to keep the compact cache; see ``Genome``.

    Attributes
    ----------
    path : Path
    chrom_sizes : dict[str, int]
        Protein lengths, in FASTA order.
    BASES_ARR : np.ndarray of str
    BASE_TO_INDEX : dict[str, int]
    UNK_BASE : str
    UNK_CODE : int
    """

    BASES_ARR: ClassVar[np.ndarray] = np.array(list(_AMINO_ACIDS))
    BASE_TO_INDEX: ClassVar[dict[str, int]] = {
        **{a: i for i, a in enumerate(_AMINO_ACIDS)},
        **{a.lower(): i for i, a in enumerate(_AMINO_ACIDS)},
    }
    UNK_BASE: ClassVar[str] = "X"
    UNK_CODE: ClassVar[int] = len(_AMINO_ACIDS)
    _TAG: ClassVar[str] = "protein"
    _CANONICAL: ClassVar[str] = _AMINO_ACIDS

    def __init__(self, input_path: str | Path, cache_dir: str | Path | None = None) -> None:
        super().__init__(input_path, cache_dir)

    def _minus(self, strand: str) -> bool:
        if strand in ("+", "."):
            return False
        raise ValueError(f"proteins have no strand: use '+' (or '.'); got {strand!r}")

    def get_prots(self) -> list[str]:
        """Protein ids, in FASTA order (the Selene name for ``get_chrs``).

        Returns
        -------
        list[str]
        """
        return self.get_chrs()

    def get_prot_lens(self) -> list[tuple[str, int]]:
        """``(id, length)`` of every protein (the Selene name for ``get_chr_lens``).

        Returns
        -------
        list[tuple[str, int]]
        """
        return self.get_chr_lens()
