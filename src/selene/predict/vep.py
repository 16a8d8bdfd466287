"""Variant effect prediction: score every ALT of every VCF record against its reference.

Windows come from :mod:`selene.predict.alleles` (Selene's centring, deletions built as the VCF
describes them). References and indel windows share one full pass per batch; substitutions
are scored as mutants of their reference (the runner's ``mutants``: layer-local where the model
allows it, see :mod:`selene.predict.accel`); multi-allelic records share one reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import torch

from selene.io.vcf import VcfRecord
from selene.predict import scores
from selene.predict.alleles import PlacedRecord, Placer, VepCounts
from selene.predict.runner import ModelRunner, Outputs
from selene.predict.unscored import Unscored
from selene.predict.writers import OutputSet, progress
from selene.sequences import Genome
from selene.utils.warnings import SeleneWarning

#: The score kinds every :class:`VariantEffects` chunk holds.
KINDS = ("ref_predictions", "alt_predictions", "diffs", "abs_diffs", "logits")


@dataclass
class VariantEffects:
    """Scores of a chunk of variants: one row per scored ALT, one column per feature.

    Attributes
    ----------
    records : list of tuple
        Each row's ``(chrom, pos, name, ref, alt, strand, ref_match, contains_unk)``, the ID
        columns of the files ``AnalyzeSequences.variant_effect_prediction`` writes.
    ref_predictions, alt_predictions : numpy.ndarray, shape (N, F), float32
    diffs, abs_diffs : numpy.ndarray, shape (N, F), float32
        ``alt - ref`` and ``|alt - ref|`` of the predictions.
    logits : numpy.ndarray, shape (N, F), float32
        ``logit(alt) - logit(ref)`` (exact logit differences for networks that end in logits).
    track_ref_sum, track_alt_sum, track_log2fc : numpy.ndarray, shape (N, T), float32
        A track model's scores (:mod:`selene.predict.vep_tracks`; its other kinds are None):
        summed coverage of the ref and alt windows, and the log2 fold change of the sums.
    track_ref_sum_span, track_alt_sum_span, track_log2fc_span : numpy.ndarray, shape (N, T)
        The same over the window's central span.

    A score kind that was not asked for (``kinds`` of :func:`score_variants`) is None.
    """

    records: list[tuple]
    ref_predictions: np.ndarray | None
    alt_predictions: np.ndarray | None
    diffs: np.ndarray | None
    abs_diffs: np.ndarray | None
    logits: np.ndarray | None
    track_ref_sum: np.ndarray | None = None
    track_alt_sum: np.ndarray | None = None
    track_log2fc: np.ndarray | None = None
    track_ref_sum_span: np.ndarray | None = None
    track_alt_sum_span: np.ndarray | None = None
    track_log2fc_span: np.ndarray | None = None

    @classmethod
    def from_outputs(
        cls, records: list[tuple], alt: Outputs, ref: Outputs, kinds: Iterable[str] = KINDS
    ) -> VariantEffects:
        """Score ``alt`` rows against their ``ref`` rows (see :mod:`selene.predict.scores`)."""
        wanted = [k for k in KINDS if k in set(kinds)]
        return cls(records, **(dict.fromkeys(KINDS) | scores.scores(wanted, alt, ref)))

    def __len__(self) -> int:
        return len(self.records)

    def values(self, kinds: Iterable[str]) -> dict[str, np.ndarray]:
        """Return the arrays named by ``kinds`` (what the writers take)."""
        return {kind: getattr(self, kind) for kind in kinds}


def score_variants(
    runner: ModelRunner,
    placer: Placer,
    vcf: Iterable[VcfRecord],
    batch_size: int = 64,
    skip: int = 0,
    kinds: Iterable[str] = KINDS,
    scorer: Callable[[list[PlacedRecord]], VariantEffects] | None = None,
) -> Iterator[tuple[int, VariantEffects]]:
    """Score the records of ``vcf`` that ``placer`` places, ``batch_size`` records at a time.

    Yields ``(VCF records read since the last batch, scores)`` with the score ``kinds`` (of
    :data:`KINDS`); the first ``skip`` ALT rows are left out (a resumed run). Records that
    cannot be scored go where ``placer`` sends them. ``scorer`` scores a batch instead (a
    track model's :class:`~selene.predict.vep_tracks.TrackScorer`).

    A batch never spans two blocks of ``batch_size`` VCF records (records ``[k * batch_size,
    (k + 1) * batch_size)``; a block whose records give more than ``batch_size`` rows is cut
    in batches of about ``batch_size`` rows), so which records share a batch, and hence
    their scores to the last bit, depend only on where they are in the VCF: a shard that
    starts at a block (:mod:`selene.predict.shard_plan`) scores as one process does.
    """
    vcf, kinds, read = iter(vcf), list(kinds), 0
    while block := list(islice(vcf, batch_size)):
        read += len(block)
        placed = list(placer.records(block))
        rows = sum(len(r.ids) for r in placed)
        if skip >= rows:
            skip -= rows
            continue
        records, skip = iter(_skip_rows(iter(placed), skip)), 0
        while batch := _take_rows(records, batch_size):
            yield read, scorer(batch) if scorer else _score_batch(runner, batch, kinds)
            read = 0


def _rows(out: Outputs, index: np.ndarray) -> Outputs:
    index_t = torch.as_tensor(index, device=out.predictions.device)
    logits = None if out.logits is None else out.logits[index_t]
    return Outputs(out.predictions[index_t], logits)


def _score_batch(
    runner: ModelRunner, batch: list[PlacedRecord], kinds: list[str]
) -> VariantEffects:
    """Score one batch of records.

    References and whole alternative windows (indels) go through one pass; substitutions are
    then scored as mutants of the references (:meth:`ModelRunner.mutants`). Records with the
    same reference window (the same POS and REF length, as duplicate lines give) share one
    reference, as the ALTs of one record do.
    """
    index: dict[bytes, int] = {}  # a window's codes -> its reference, in batch order
    which_ref = [index.setdefault(r.ref.tobytes(), len(index)) for r in batch]
    first = {k: i for i, k in reversed(list(enumerate(which_ref)))}  # a reference's record
    refs = np.stack([batch[first[k]].ref for k in range(len(index))])
    rows = np.concatenate([[k] * len(r.ids) for k, r in zip(which_ref, batch, strict=True)])
    rows = rows.astype(np.int64)
    local = [(i, s, c) for i, (s, c) in enumerate(x for r in batch for x in r.local) if s >= 0]
    full = [a for r in batch for a in r.full]
    whole = np.array([i for i, a in enumerate(full) if a is not None], dtype=np.int64)
    stacked = np.concatenate([refs, *(full[i][None] for i in whole)])  # type: ignore[index]
    # Mutants need the references kept; without substitutions a plain pass is enough.
    state = runner.reference(stacked) if local else None
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
    ids = [i for r in batch for i in r.ids]
    return VariantEffects.from_outputs(ids, _rows(alt_all, alt_index), _rows(both, rows), kinds)


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
    source: str | Path = "the VCF",
    scorer: Callable[[list[PlacedRecord]], VariantEffects] | None = None,
    desc: str = "VCF records",
) -> VepCounts:
    """Score every ALT of every record of ``vcf`` and write the rows to ``out``.

    Records on chromosomes the reference lacks, whose POS or REF lies past the chromosome's
    end, without a strand when ``require_strand``, or with symbolic ALTs that cannot be built or
    do not fit the window (:mod:`selene.predict.sv`: ``<DEL>``, ``<DUP>``, ``<INV>`` and
    ``<INS>`` are scored) are copied to ``na_path`` (the warning names ``source``, the VCF,
    and their line numbers); records
    whose REF differs from the reference go to ``mismatch_path`` unless
    ``score_ref_mismatches`` (then the VCF's REF is put in the window and the row says
    ``ref_match=False``). Windows that run past a chromosome end are padded with ``N``
    (``contains_unk=True``). A resumed run skips the rows already written
    (the NA and mismatch files are rewritten from the start). ``scorer``: as in
    :func:`score_variants`. ``desc`` labels the progress bar.
    """
    done = out.start(resume)
    with open(na_path, "w") as handle, open(mismatch_path, "w") as mismatches:
        na = Unscored(handle, source)
        placer = Placer(genome, runner.sequence_length, na, mismatches, score_ref_mismatches,
                         require_strand)  # fmt: skip
        with progress(total, desc, 0, show_progress, "record") as bar:
            chunks = score_variants(runner, placer, vcf, batch_size, done, kinds, scorer)
            for n_records, chunk in chunks:
                out.write(chunk.records, chunk.values(kinds))
                bar.update(n_records)
    out.finish()
    counts = placer.counts
    counts.scored = out.rows
    _report(counts, na, na_path, mismatch_path)
    return counts


def _skip_rows(records: Iterator[PlacedRecord], rows: int) -> Iterator[PlacedRecord]:
    for rec in records:
        if rows >= len(rec.ids):
            rows -= len(rec.ids)
            continue
        if rows:
            rec = PlacedRecord(rec.ref, rec.ids[rows:], rec.local[rows:], rec.full[rows:])
            rows = 0
        yield rec


def _take_rows(records: Iterator[PlacedRecord], rows: int) -> list[PlacedRecord]:
    batch, n = [], 0
    for rec in islice(records, rows):
        batch.append(rec)
        n += len(rec.ids)
        if n >= rows:
            break
    return batch


def unscored_notes(
    counts: VepCounts, na: Unscored, na_file: str | None = None, mismatch_file: str | None = None
) -> list[str]:
    """Say which records were left unscored and why; ``*_file``: where they were written."""
    notes = []
    if na.count:
        where = f"see {na_file}; " if na_file else ""
        notes.append(f"{counts.not_scored} records not scored ({where}{na.summary()})")
    if counts.ref_mismatches:
        where = f"see {mismatch_file}; " if mismatch_file else ""
        notes.append(
            f"{counts.ref_mismatches} records whose REF differs from the reference were not "
            f"scored ({where}score_ref_mismatches=True scores them)"
        )
    return notes


def _report(counts: VepCounts, na: Unscored, na_path: Path, mismatch_path: Path) -> None:
    notes = []
    if counts.scored == 0:
        notes.append("no variants were scored: wrote empty outputs with headers")
    notes += unscored_notes(counts, na, na_path.name, mismatch_path.name)
    if counts.padded:
        notes.append(
            f"{counts.padded} records' windows run past a chromosome end and were padded with "
            "N (contains_unk=True)"
        )
    if notes:
        warnings.warn("; ".join(notes), SeleneWarning, stacklevel=5)
