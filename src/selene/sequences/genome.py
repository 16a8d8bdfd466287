"""``Genome``: DNA windows from an indexed FASTA, with strands, padding and blacklists."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyfaidx

from selene.sequences._blacklist import Blacklist
from selene.sequences._dna_check import refuse_protein
from selene.sequences._fasta import FastaSequence
from selene.sequences._reference import FastaIndex
from selene.sequences.encoding import (
    COMPLEMENT,
    DNA_COMPLEMENT,
    get_reverse_complement_encoding,
    reverse_complement,
)
from selene.sequences.sequence import _class_or_instance_method

__all__ = ["Genome"]

_DATA = Path(__file__).resolve().parent / "data"
BUNDLED_BLACKLISTS = {
    "hg19": _DATA / "hg19_blacklist_ENCFF001TDO.bed.gz",
    "hg38": _DATA / "hg38_blacklist.bed.gz",
}
"""``blacklist_regions`` names -> the ENCODE blacklist files in the package."""


class Genome(FastaSequence):
    """A genome read from an indexed FASTA, queried by 0-based, end-exclusive coordinates.

    Soft-masked (lowercase) bases are the same bases; ``N`` and every other IUPAC letter are
    unknown: code ``UNK_CODE``, and ``0.25`` in every column of the float encoding. The ``'-'``
    strand is the reverse complement of the (padded) ``'+'`` window. The sequence is read once
    into a compact ``uint8`` cache beside the FASTA (see ``cache_dir``), memory-mapped by every
    process that uses it, and rebuilt when the FASTA changes.

    Parameters
    ----------
    input_path : str or Path
        A FASTA file, plain or bgzipped; its ``.fai`` index is built when missing.
    blacklist_regions : str or Path, optional
        A BED file (plain or gzipped) of regions to avoid, or ``"hg19"`` / ``"hg38"`` for the
        ENCODE blacklists shipped with selene (the files the Selene SDK ships); see
        ``coords_in_bounds``, ``in_blacklist`` and ``blacklisted_batch``.
    bases_order : str or sequence of str
        The order of the encoding columns and codes, a permutation of ``"ACGT"``.
    cache_dir : str or Path, optional
        Where to keep the reference cache. By default it goes beside the FASTA, or in
        ``~/.cache/selene`` when that folder is not writable.

    Attributes
    ----------
    path : Path
    chrom_sizes : dict[str, int]
        Chromosome lengths, in FASTA order.
    BASES_ARR : np.ndarray of str
    BASE_TO_INDEX : dict[str, int]
    COMPLEMENTARY_BASE_DICT : dict[str, str]
        Base (either case, and ``N``) -> its uppercase complement, as in the Selene SDK.
    UNK_BASE : str
    UNK_CODE : int

    Examples
    --------
    >>> genome = Genome("hg38.fa")  # doctest: +SKIP
    >>> genome.get_encoding_from_coords("chr1", 10_000, 11_000, "-").shape  # doctest: +SKIP
    (1000, 4)
    >>> genome.get_encodings(["chr1", "chr2"], [0, 500], [1000, 1500]).shape  # doctest: +SKIP
    (2, 1000)
    """

    BASES_ARR: ClassVar[np.ndarray] = np.array(["A", "C", "G", "T"])
    BASE_TO_INDEX: ClassVar[dict[str, int]] = {
        **{b: i for i, b in enumerate("ACGT")},
        **{b: i for i, b in enumerate("acgt")},
    }
    COMPLEMENTARY_BASE_DICT: ClassVar[dict[str, str]] = dict(DNA_COMPLEMENT)
    UNK_BASE: ClassVar[str] = "N"
    UNK_CODE: ClassVar[int] = 4
    _TAG: ClassVar[str] = "dna"
    _CANONICAL: ClassVar[str] = "ACGT"

    def __init__(
        self,
        input_path: str | Path,
        blacklist_regions: str | Path | None = None,
        bases_order: str | Seq[str] = "ACGT",
        cache_dir: str | Path | None = None,
    ) -> None:
        order = "".join(bases_order).upper()
        if sorted(order) != sorted(self._CANONICAL):
            raise ValueError(f"bases_order must be a permutation of 'ACGT'; got {bases_order!r}")
        super().__init__(input_path, cache_dir)
        if order != self._CANONICAL:
            self.BASES_ARR = np.array(list(order))
            self.BASE_TO_INDEX = {
                **{b: i for i, b in enumerate(order)},
                **{b.lower(): i for i, b in enumerate(order)},
            }
        forward = np.full(256, self.UNK_CODE, dtype=np.uint8)
        reverse = forward.copy()
        for code, base in enumerate(self._CANONICAL):
            forward[code] = order.index(base)
            reverse[code] = order.index(COMPLEMENT[base])
        self._set_output_order(forward, reverse)
        if isinstance(blacklist_regions, str) and blacklist_regions in BUNDLED_BLACKLISTS:
            blacklist_regions = BUNDLED_BLACKLISTS[blacklist_regions]
        self.blacklist_regions = None if blacklist_regions is None else Path(blacklist_regions)
        self._blacklist = None
        if self.blacklist_regions is not None:
            self._blacklist = Blacklist(
                self.blacklist_regions, self._ids, self._offsets, self._lengths
            )

    @_class_or_instance_method
    def get_reverse_complement_encoding(self, encoding: np.ndarray) -> np.ndarray:
        """Reverse-complement a one-hot encoding in this genome's column order.

        Parameters
        ----------
        encoding : np.ndarray, shape (..., L, 4)
            As ``get_encoding_from_coords`` returns it; unknown positions stay unknown.

        Returns
        -------
        np.ndarray
            Equal to the encoding of the ``'-'`` strand of the same window.
        """
        return get_reverse_complement_encoding(
            encoding, self.BASES_ARR, self.COMPLEMENTARY_BASE_DICT
        )

    def _check_letters(self, fasta: pyfaidx.Fasta, index: FastaIndex) -> None:
        refuse_protein(fasta, index, self.path)

    def _minus(self, strand: str) -> bool:
        if strand in ("+", "."):
            return False
        if strand == "-":
            return True
        raise ValueError(f"strand must be '+', '-' or '.'; got {strand!r}")

    def _reverse_letters(self, letters: str) -> str:
        return reverse_complement(letters)

    def coords_in_bounds(self, chrom: str, start: int, end: int) -> bool:
        """Whether a window can be queried without padding and avoids the blacklist.

        Parameters
        ----------
        chrom : str
        start, end : int
            0-based, end-exclusive.

        Returns
        -------
        bool
            True if ``chrom`` is known, ``0 <= start < end <= length(chrom)``, and the window
            overlaps no blacklist region (as in the Selene SDK).
        """
        return super().coords_in_bounds(chrom, start, end) and not self.in_blacklist(
            chrom, start, end
        )

    def in_blacklist(self, chrom: str, start: int, end: int) -> bool:
        """Whether a window overlaps a blacklist region (False without a blacklist).

        Parameters
        ----------
        chrom : str
        start, end : int
            0-based, end-exclusive.

        Returns
        -------
        bool
        """
        if self._blacklist is None:
            return False
        return bool(self.blacklisted_batch(self.chrom_ids([chrom]), [start], [end])[0])

    def blacklisted_batch(
        self,
        chrom_ids: Seq[str] | np.ndarray,
        starts: Seq[int] | np.ndarray,
        ends: Seq[int] | np.ndarray,
    ) -> np.ndarray:
        """Whether each window overlaps a blacklist region (all False without a blacklist).

        Parameters
        ----------
        chrom_ids : np.ndarray of int, or sequence of str
            Ids from ``chrom_ids``, or names.
        starts, ends : array-like of int, shape (N,)
            0-based, end-exclusive; parts past the chromosome ends are ignored.

        Returns
        -------
        np.ndarray, shape (N,), dtype bool
        """
        ids = self._resolve_chroms(chrom_ids)
        starts, ends = np.asarray(starts).reshape(-1), np.asarray(ends).reshape(-1)
        if not ids.size == starts.size == ends.size:
            raise ValueError(
                f"chrom_ids, starts and ends must have equal lengths; "
                f"got {ids.size}, {starts.size}, {ends.size}"
            )
        if self._blacklist is None:
            return np.zeros(ids.size, dtype=bool)
        return self._blacklist.overlaps(ids, starts, ends)
