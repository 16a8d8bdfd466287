"""Allele placement for variant effect prediction: reference and alternative windows.

Window centring and allele placement follow the Selene SDK (0.6.0), so SNV, MNV and insertion
scores equal its scores for the same weights: the window is ``[pos + len(ref) // 2 -
start_radius, pos + len(ref) // 2 + end_radius)`` (``pos`` the VCF's 1-based POS) and REF sits
at Selene's ``_get_ref_idxs`` offset. The alternative window is a model-length stretch of the
alternative haplotype ``genome[:pos - 1] + ALT + genome[pos - 1 + len(REF):]``, starting where
Selene starts it: at the reference window's start for substitutions, ``(len(ALT) - len(REF)) //
2`` later for insertions, and ``len(REF) // 2 - len(ALT) // 2`` earlier for deletions. Selene
0.6.0 builds deletions differently (it keeps the first deleted base, repeats the anchor base
and removes the wrong stretch); this module builds the sequence the VCF describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from selene.io.chroms import chrom_resolver
from selene.io.vcf import VcfRecord, read_sv_info
from selene.predict.sv import sv_alleles
from selene.predict.unscored import Unscored, reference_name
from selene.sequences import Genome, complement_codes, sequence_to_codes


def window_bounds(pos: int, ref_len: int, start_radius: int, end_radius: int) -> tuple[int, int]:
    """Selene's reference window ``[start, end)`` (0-based) for a variant at 1-based ``pos``."""
    center = pos + ref_len // 2
    return center - start_radius, center + end_radius


def ref_offset(length: int, ref_len: int) -> int:
    """Index of REF's first base in the window (Selene's ``_get_ref_idxs``)."""
    mid = length // 2 - (1 if length % 2 == 0 else 0)
    return mid - ref_len // 2


def alt_window(
    fetch, pos: int, ref_len: int, alt: np.ndarray, start: int, length: int
) -> np.ndarray:
    """Codes of the alternative window.

    Parameters
    ----------
    fetch : callable
        ``fetch(start, end)`` -> reference codes of ``[start, end)``, padded where out of bounds.
    pos : int
        The VCF's 1-based POS.
    ref_len : int
    alt : numpy.ndarray
        Codes of ALT (empty for a deletion of all of REF).
    start : int
        The reference window's start (:func:`window_bounds`).
    length : int

    Returns
    -------
    numpy.ndarray, shape (length,), dtype uint8
    """
    n_alt, first = len(alt), pos - 1
    if n_alt > length:  # Selene keeps the middle of an ALT longer than the window
        skip = (n_alt - length) // 2
        return alt[skip : skip + length].copy()
    if n_alt > ref_len:
        start += (n_alt - ref_len) // 2
    elif n_alt < ref_len:
        start -= ref_len // 2 - n_alt // 2
    end = start + length  # haplotype coordinates
    parts = []
    if start < first:
        parts.append(fetch(start, min(first, end)))
    lo, hi = max(start, first), min(end, first + n_alt)
    if lo < hi:
        parts.append(alt[lo - first : hi - first])
    if end > first + n_alt:
        shift = ref_len - n_alt  # haplotype -> reference coordinates after the allele
        parts.append(fetch(max(start, first + n_alt) + shift, end + shift))
    return np.concatenate(parts).astype(np.uint8)


@dataclass
class PlacedRecord:
    """A record ready to score: its reference window and one row per scored ALT."""

    ref: np.ndarray
    ids: list[tuple] = field(default_factory=list)
    local: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (start, codes) or
    full: list[np.ndarray | None] = field(default_factory=list)  # a whole alt window


@dataclass
class VepCounts:
    """What happened to the variants of a run."""

    scored: int = 0
    not_scored: int = 0  # unknown chromosome, past its end, no strand, unscorable SV: in .NA
    ref_mismatches: int = 0
    padded: int = 0


class Placer:
    """Turns VCF records into :class:`PlacedRecord`s; writes the ones it cannot score to files.

    ``na`` (an :class:`~selene.predict.unscored.Unscored`) takes records on a chromosome the
    reference lacks or whose POS or REF lies past its chromosome's end, records without a
    strand when ``require_strand``, and symbolic ALTs :mod:`selene.predict.sv` cannot build
    or fit in the window (with the reason); ``mismatches`` (a text
    file) records whose REF differs from the reference.
    """

    def __init__(
        self, genome: Genome, length: int, na: Unscored, mismatches, score_mismatches: bool,
        require_strand: bool,
    ) -> None:  # fmt: skip
        self.genome, self.length = genome, length
        self.start_radius = length // 2 + length % 2
        self.end_radius = length // 2
        self.alphabet = "".join(genome.BASES_ARR)
        self.unk = len(self.alphabet)
        complement = complement_codes(self.alphabet)
        if complement is None:
            raise ValueError(f"VEP needs a DNA alphabet (ACGT), got {self.alphabet!r}")
        self.complement = complement
        self.resolve = chrom_resolver(genome.get_chrs())
        self.na, self.mismatches = na, mismatches
        self.score_mismatches, self.require_strand = score_mismatches, require_strand
        self.counts = VepCounts()

    def records(self, vcf: Iterable[VcfRecord]) -> Iterator[PlacedRecord]:
        """Yield the scoreable records of ``vcf`` with their windows, in file order.

        A record's sequence ALTs share one :class:`PlacedRecord`; each scored symbolic ALT
        (:mod:`selene.predict.sv`) gets its own, after them, centred on its event.
        """
        for rec in vcf:
            chrom = self.resolve(rec.chrom)
            alts = [a for a in rec.alts if not a.startswith("<")]
            reason = self._unscorable(rec, chrom)
            svs: list[tuple[str, tuple]] = []
            skipped: list[str] = []
            if reason is None and len(alts) < len(rec.alts):
                svs, skipped = self._svs(rec, chrom)
            if reason is None and not alts and not svs:
                reason = "; ".join(skipped) if skipped else "symbolic ALT only"
            if reason is not None:
                self.na.add(rec.line, rec.line_number, reason)
                self.counts.not_scored += 1
                continue
            for why in skipped:
                self.na.add(rec.line, rec.line_number, f"{why} (the other ALTs are scored)")
            groups = ([(alts, None)] if alts else []) + [([alt], a) for alt, a in svs]
            for group, alleles in groups:
                placed = self._place(rec, chrom, group, alleles)
                if placed is None:  # REF mismatch: the record is written once, to mismatches
                    break
                yield placed

    def _svs(self, rec: VcfRecord, chrom: str) -> tuple[list[tuple[str, tuple]], list[str]]:
        """Write out the symbolic ALTs of ``rec`` (:func:`~selene.predict.sv.sv_alleles`)."""
        info = read_sv_info(rec, self.na.source)
        fetch = lambda s, e: self.genome.get_codes_from_coords(chrom, s, e)  # noqa: E731
        size = self.genome.chrom_sizes[chrom]
        svs, skipped = [], []
        for i, alt in enumerate(rec.alts):
            if not alt.startswith("<"):
                continue
            out = sv_alleles(rec, i, info, fetch, size, self.alphabet, self.complement,
                             self.length)  # fmt: skip
            if isinstance(out, str):
                skipped.append(out)
            else:
                svs.append((alt, out))
        return svs, skipped

    def _unscorable(self, rec: VcfRecord, chrom: str | None) -> str | None:
        """Why ``rec`` cannot be scored, or None."""
        if chrom is None:
            return f"chromosome not in {reference_name(self.genome)}"
        size = self.genome.chrom_sizes[chrom]
        if rec.pos > size + (not rec.ref):  # an insertion may follow the last base
            return "POS past the end of its chromosome"
        if rec.pos - 1 + len(rec.ref) > size:
            return "REF runs past the end of its chromosome"
        if not rec.alts:
            return "no ALT"
        if self.require_strand and rec.strand == ".":
            return "no strand (require_strand=True)"
        return None

    def _place(
        self, rec: VcfRecord, chrom: str, alts: list[str], alleles: tuple | None = None
    ) -> PlacedRecord | None:
        """Place ``alts``; ``alleles``: a symbolic ALT's ``(ref_codes, alt_codes)`` written out."""
        length = self.length
        ref = alleles[0] if alleles else sequence_to_codes(rec.ref, self.alphabet)
        start, end = window_bounds(rec.pos, len(ref), self.start_radius, self.end_radius)
        window = self.genome.get_codes_from_coords(chrom, start, end, pad=True).copy()
        contains_unk = bool((window >= self.unk).any())
        padded = start < 0 or end > self.genome.chrom_sizes[chrom]
        offset, first = ref_offset(length, len(ref)), rec.pos - 1
        lo, hi = max(start, first), min(end, first + len(ref))  # REF's part of the window
        seen, expected = window[lo - start : hi - start], ref[lo - first : hi - first]
        match = bool(np.array_equal(seen, expected))
        if not match:
            if not self.score_mismatches:
                self.mismatches.write(rec.line)
                self.counts.ref_mismatches += 1
                return None
            seen[:] = expected  # score the VCF's REF, as Selene does
        self.counts.padded += padded
        minus = rec.strand == "-"
        out = PlacedRecord(self._strand(window, minus))
        for alt in alts:
            codes = (
                alleles[1]
                if alleles
                else sequence_to_codes("" if alt in ("*", "-") else alt, self.alphabet)
            )
            out.ids.append((chrom, rec.pos, rec.name, rec.ref, alt, "-" if minus else "+",
                            match, contains_unk))  # fmt: skip
            if 0 < len(codes) == len(ref) and 0 <= offset and offset + len(ref) <= length:
                at = length - offset - len(ref) if minus else offset
                out.local.append((at, self._strand(codes, minus)))
                out.full.append(None)
            else:
                fetch = lambda s, e: self.genome.get_codes_from_coords(chrom, s, e, pad=True)  # noqa: E731
                alt_codes = alt_window(fetch, rec.pos, len(ref), codes, start, length)
                out.local.append((-1, codes))
                out.full.append(self._strand(alt_codes, minus))
        return out

    def _strand(self, codes: np.ndarray, minus: bool) -> np.ndarray:
        return self.complement[codes][::-1].copy() if minus else codes
