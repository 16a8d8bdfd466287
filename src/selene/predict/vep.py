"""Variant effect prediction: place each allele in a model-length window, score alt vs ref.

Window centring and allele placement follow the Selene SDK (0.6.0), so SNV, MNV and insertion
scores equal its scores for the same weights: the window is ``[pos + len(ref) // 2 -
start_radius, pos + len(ref) // 2 + end_radius)`` (``pos`` the VCF's 1-based POS) and REF sits
at Selene's ``_get_ref_idxs`` offset. The alternative window is a model-length stretch of the
alternative haplotype ``genome[:pos - 1] + ALT + genome[pos - 1 + len(REF):]``, starting where
Selene starts it: at the reference window's start for substitutions, ``(len(ALT) - len(REF)) //
2`` later for insertions, and ``len(REF) // 2 - len(ALT) // 2`` earlier for deletions. Selene
0.6.0 builds deletions differently (it keeps the first deleted base, repeats the anchor base
and removes the wrong stretch); this module builds the sequence the VCF describes.

Substitutions go through the layer-local engine when the model has one (the alternative is the
reference window with a few bases changed); indels take full forward passes. Multi-allelic
records share one reference pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import torch

from selene.predict import scores
from selene.predict.model import complement_codes
from selene.predict.runner import ModelRunner, Outputs
from selene.predict.vcf import VcfRecord, chrom_resolver
from selene.predict.writers import OutputSet, progress
from selene.sequences import Genome, sequence_to_codes
from selene.utils.warnings import SeleneWarning


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
class _Record:
    """A record ready to score: its reference window and one row per scored ALT."""

    ref: np.ndarray
    ids: list[tuple] = field(default_factory=list)
    local: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (start, codes) or
    full: list[np.ndarray | None] = field(default_factory=list)  # a whole alt window


@dataclass
class VepCounts:
    """What happened to the variants of a run."""

    scored: int = 0
    not_scored: int = 0  # unknown chromosome, no strand, symbolic ALT: written to the NA file
    ref_mismatches: int = 0
    padded: int = 0


class _Placer:
    """Turns VCF records into :class:`_Record`s, writing the ones it cannot score to files."""

    def __init__(
        self, genome: Genome, length: int, na, mismatches, score_mismatches: bool,
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

    def records(self, vcf: Iterable[VcfRecord]) -> Iterator[_Record]:
        for rec in vcf:
            chrom = self.resolve(rec.chrom)
            alts = [a for a in rec.alts if not a.startswith("<")]
            if chrom is None or not alts or (self.require_strand and rec.strand == "."):
                self.na.write(rec.line)
                self.counts.not_scored += 1
                continue
            if len(alts) < len(rec.alts):
                self.na.write(rec.line)
            placed = self._place(rec, chrom, alts)
            if placed is not None:
                yield placed

    def _place(self, rec: VcfRecord, chrom: str, alts: list[str]) -> _Record | None:
        length, ref = self.length, sequence_to_codes(rec.ref, self.alphabet)
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
        out = _Record(self._strand(window, minus))
        for alt in alts:
            codes = sequence_to_codes("" if alt in ("*", "-") else alt, self.alphabet)
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


def _rows(out: Outputs, index: np.ndarray) -> Outputs:
    index_t = torch.as_tensor(index, device=out.predictions.device)
    logits = None if out.logits is None else out.logits[index_t]
    return Outputs(out.predictions[index_t], logits)


def _score_batch(runner: ModelRunner, batch: list[_Record], kinds: list[str]) -> dict:
    """Score one batch of records.

    References and whole alternative windows (indels) go through one pass; substitutions are
    then computed layer-locally from the references' activations.
    """
    refs = np.stack([r.ref for r in batch])
    rows = np.concatenate([[i] * len(r.ids) for i, r in enumerate(batch)]).astype(np.int64)
    local = [(i, s, c) for i, (s, c) in enumerate(x for r in batch for x in r.local) if s >= 0]
    full = [a for r in batch for a in r.full]
    engine = runner.engine is not None and bool(local)
    if not engine:  # substitutions become whole windows too
        for i, s, c in local:
            window = refs[rows[i]].copy()
            window[s : s + len(c)] = c
            full[i] = window
    whole = np.array([i for i, a in enumerate(full) if a is not None], dtype=np.int64)
    stacked = np.concatenate([refs, *(full[i][None] for i in whole)])  # type: ignore[index]
    state = runner.reference(stacked) if engine else None
    both = runner.reference_outputs(state) if state is not None else runner.outputs(stacked)
    n_refs = len(refs)
    alt_index = np.zeros(len(rows), dtype=np.int64)
    alt_index[whole] = n_refs + np.arange(len(whole))
    parts = [both]
    if state is not None:
        widths: dict[int, list] = {}
        for i, s, c in local:
            widths.setdefault(len(c), []).append((i, s, c))
        for items in widths.values():
            which = np.array([i for i, _, _ in items])
            starts = np.array([s for _, s, _ in items])
            windows = np.stack([c for *_, c in items])
            parts.append(runner.mutants(state, rows[which], starts, windows))
            alt_index[which] = sum(len(p.predictions) for p in parts[:-1]) + np.arange(len(items))
    logits = [p.logits for p in parts if p.logits is not None]
    alt_all = Outputs(
        torch.cat([p.predictions for p in parts]),
        torch.cat(logits) if len(logits) == len(parts) else None,
    )
    return scores.scores(kinds, _rows(alt_all, alt_index), _rows(both, rows))


def predict_variants(
    runner: ModelRunner,
    vcf: Iterable[VcfRecord],
    genome: Genome,
    out: OutputSet,
    kinds: list[str],
    na_path: Path,
    mismatch_path: Path,
    *,
    score_ref_mismatches: bool = False,
    require_strand: bool = False,
    batch_size: int = 64,
    total: int | None = None,
    resume: bool = True,
    show_progress: bool = True,
) -> VepCounts:
    """Score every ALT of every record of ``vcf`` and write the rows to ``out``.

    Records on chromosomes the reference lacks, without a strand when ``require_strand``, or
    with symbolic ALTs (``<DEL>``) are copied to ``na_path``; records whose REF differs from the
    reference go to ``mismatch_path`` unless ``score_ref_mismatches`` (then the VCF's REF is put
    in the window and the row says ``ref_match=False``). Windows past a chromosome end are
    padded with ``N`` (``contains_unk=True``). A resumed run skips the rows already written
    (the NA and mismatch files are rewritten from the start).
    """
    done = out.start(resume)
    with open(na_path, "w") as na, open(mismatch_path, "w") as mismatches:
        placer = _Placer(genome, runner.sequence_length, na, mismatches, score_ref_mismatches,
                         require_strand)  # fmt: skip
        records = iter(_skip_rows(placer.records(vcf), done))
        with progress(total, "VCF records", 0, show_progress, "record") as bar:
            while batch := _take_rows(records, batch_size):
                out.write([i for r in batch for i in r.ids], _score_batch(runner, batch, kinds))
                bar.update(len(batch))
    out.finish()
    counts = placer.counts
    counts.scored = out.rows
    _report(counts, na_path, mismatch_path)
    return counts


def _skip_rows(records: Iterator[_Record], rows: int) -> Iterator[_Record]:
    for rec in records:
        if rows >= len(rec.ids):
            rows -= len(rec.ids)
            continue
        if rows:
            rec = _Record(rec.ref, rec.ids[rows:], rec.local[rows:], rec.full[rows:])
            rows = 0
        yield rec


def _take_rows(records: Iterator[_Record], rows: int) -> list[_Record]:
    batch, n = [], 0
    for rec in islice(records, rows):
        batch.append(rec)
        n += len(rec.ids)
        if n >= rows:
            break
    return batch


def _report(counts: VepCounts, na_path: Path, mismatch_path: Path) -> None:
    notes = []
    if counts.scored == 0:
        notes.append("no variants were scored: wrote empty outputs with headers")
    if counts.not_scored:
        notes.append(f"{counts.not_scored} records not scored (see {na_path.name})")
    if counts.ref_mismatches:
        notes.append(
            f"{counts.ref_mismatches} records whose REF differs from the reference were not "
            f"scored (see {mismatch_path.name}; score_ref_mismatches=True scores them)"
        )
    if counts.padded:
        notes.append(
            f"{counts.padded} records' windows run past a chromosome end and were padded with "
            "N (contains_unk=True)"
        )
    if notes:
        warnings.warn("; ".join(notes), SeleneWarning, stacklevel=4)
