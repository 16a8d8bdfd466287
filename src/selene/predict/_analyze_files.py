"""The bodies of :class:`~selene.predict.analyze.AnalyzeSequences`' file-based methods.

Each function takes the ``AnalyzeSequences`` instance first and the method's arguments after
it; the signatures and docstrings users read stay on the class.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from selene import __version__
from selene.io import fasta as fasta_io
from selene.io import vcf as vcf_io
from selene.io.outputs import (
    BED_COLS,
    FASTA_COLS,
    ISM_COLS,
    ISM_REF_COLS,
    VARIANTEFFECT_COLS,
    ism_reference_prefix,
    vcf_prefix,
)
from selene.predict import bed, fasta, ism, vep, vep_tracks
from selene.predict._names import record_stems
from selene.predict.alleles import VepCounts
from selene.predict.annotated_vcf import check_top_k
from selene.predict.codes import encode, fit_length, warn_fit
from selene.predict.devices import spread_variant_effects
from selene.predict.shard_merge import merge_if_complete
from selene.predict.shards import VepRun, check_shards, run_shards
from selene.predict.track_writers import write_track_bigwigs
from selene.predict.tracks import predict_tracks
from selene.predict.writers import OutputSet, check_save_data, file_signature, fingerprint
from selene.sequences import Genome

if TYPE_CHECKING:
    from selene.predict.analyze import AnalyzeSequences


def stem(path: str) -> str:
    """Return the file name of ``path`` without ``.gz`` and its last extension."""
    name = os.path.basename(path).removesuffix(".gz")
    return ".".join(name.split(".")[:-1])


def genome(an: AnalyzeSequences, task: str) -> Genome:
    """Return the reference genome instance, or raise if only a Genome class was given."""
    if isinstance(an.reference_sequence, type):
        raise ValueError(
            f"{task} reads the genome: pass reference_sequence=Genome('<genome.fa>'), "
            f"not the {an.reference_sequence.__name__} class"
        )
    return an.reference_sequence


def check_outputs(an: AnalyzeSequences) -> None:
    """Raise if the model's number of outputs differs from the number of features."""
    probe = np.full((1, an.sequence_length), len(an._alphabet), dtype=np.uint8)
    n_out = an._runner.outputs(probe).predictions.shape[1]
    if n_out != len(an.features):
        raise ValueError(
            f"the model outputs {n_out} values per sequence but {len(an.features)} "
            f"features were given; pass the feature list the model was trained with"
        )


def fasta_predictions(
    an: AnalyzeSequences, input_path: str, output_dir: str, output_format: str
) -> None:
    """Body of :meth:`AnalyzeSequences.get_predictions_for_fasta_file`."""
    os.makedirs(output_dir, exist_ok=True)
    prefix = os.path.join(output_dir, stem(input_path))
    out = an._outputs(prefix, ["predictions"], output_format, FASTA_COLS, input_path)
    fasta.predict_sequences(
        an._runner, fasta_io.read_fasta(input_path), out, an._alphabet, an._unknown,
        an.batch_size, fasta_io.count_records(input_path), an.resume, an.show_progress,
    )  # fmt: skip


def bed_predictions(
    an: AnalyzeSequences,
    input_path: str,
    output_dir: str,
    output_format: str,
    strand_index: int | None,
) -> None:
    """Body of :meth:`AnalyzeSequences.get_predictions_for_bed_file`."""
    ref = genome(an, "BED prediction")
    os.makedirs(output_dir, exist_ok=True)
    prefix = os.path.join(output_dir, stem(input_path))
    out = an._outputs(prefix, ["predictions"], output_format, BED_COLS, input_path, strand_index)
    bed.predict_regions(
        an._runner, input_path, ref, out, Path(f"{prefix}.NA"),
        strand_index=strand_index, batch_size=an.batch_size, resume=an.resume,
        show_progress=an.show_progress,
    )  # fmt: skip


def track_predictions(
    an: AnalyzeSequences,
    output_dir: str,
    input_path: str | None,
    chroms: Sequence[str] | None,
    center_crop: int,
    overlap: int,
) -> list[Path]:
    """Body of :meth:`AnalyzeSequences.get_track_predictions`."""
    ref = genome(an, "track prediction")
    blocks = predict_tracks(
        an._runner, ref, input_path, chroms=chroms, center_crop=center_crop,
        overlap=overlap, batch_size=an.batch_size, show_progress=an.show_progress,
    )  # fmt: skip
    prefix = f"{stem(input_path)}_" if input_path else ""
    return write_track_bigwigs(
        output_dir, blocks, ref.chrom_sizes, an.features, prefix, show_progress=an.show_progress
    )


def ism_from_file(
    an: AnalyzeSequences,
    input_path: str,
    save_data: Sequence[str],
    output_dir: str,
    mutate_n_bases: int,
    use_sequence_name: bool,
    output_format: str,
    start_position: int,
    end_position: int | None,
) -> None:
    """Body of :meth:`AnalyzeSequences.in_silico_mutagenesis_from_file`."""
    ism.check_range(an.sequence_length, start_position, end_position, mutate_n_bases)
    stems = record_stems(input_path, output_dir, use_sequence_name, an._alphabet,
                         an._unknown)  # fmt: skip
    key = fingerprint(file_signature(input_path), stems, check_save_data(save_data),
                      output_format, start_position, end_position, mutate_n_bases,
                      an._model_signature(), an.features)  # fmt: skip
    marker = Path(output_dir, f"{stem(input_path) or 'ism'}_ism.inprogress")
    finished = ism.FinishedRecords(marker, key, an.resume)
    for (name, sequence), record_stem in zip(fasta_io.read_fasta(input_path), stems, strict=True):
        if record_stem in finished.stems:
            continue
        warn_fit(f"record {name!r} of {input_path}", len(sequence), an.sequence_length, 3)
        seq = fit_length(sequence, an.sequence_length, an._unknown)
        ism_sequence(an, seq, save_data, os.path.join(output_dir, record_stem), mutate_n_bases,
                     output_format, start_position, end_position, repr(name))  # fmt: skip
        finished.add(record_stem)
    finished.finish()


def ism_sequence(an, seq, save_data, prefix, n_bases, output_format, start, end, where) -> None:
    """Score the mutants of one fitted sequence ``seq`` into ``<prefix>_<kind>`` files."""
    kinds = check_save_data(save_data)
    codes = encode(seq, an._alphabet, an._unknown, where)
    ism.check_range(len(codes), start, end, n_bases)
    out = an._outputs(prefix, kinds, output_format, ISM_COLS, seq, start, end, n_bases)
    ref_out = None
    if "predictions" in kinds and output_format == "hdf5":
        ref_out = an._outputs(
            ism_reference_prefix(prefix), ["predictions"], output_format, ISM_REF_COLS, seq
        )
    ism.write_mutagenesis(
        an._runner, codes, out, kinds, an._alphabet + an._unknown, start=start, end=end,
        n_bases=n_bases, batch_size=an.batch_size, ref_out=ref_out, resume=an.resume,
        show_progress=an.show_progress,
    )  # fmt: skip


def variant_effects(
    an: AnalyzeSequences,
    vcf_file: str,
    save_data: Sequence[str],
    output_dir: str | None,
    output_format: str,
    strand_index: int | None,
    require_strand: bool,
    *,
    score_ref_mismatches: bool,
    span: int | None,
    pseudocount: float,
    annotated_vcf: bool,
    annotate_top_k: int | None,
    regions: Sequence[str] | None,
    shards: int = 1,
    shard: int | None = None,
    devices: int = 1,
) -> VepCounts:
    """Body of :meth:`AnalyzeSequences.variant_effect_prediction`."""
    ref = genome(an, "variant effect prediction")
    if devices != 1:
        kwargs = dict(
            vcf_file=vcf_file, save_data=save_data, output_format=output_format,
            output_dir=output_dir or os.path.dirname(vcf_file) or ".", strand_index=strand_index,
            require_strand=require_strand, score_ref_mismatches=score_ref_mismatches, span=span,
            pseudocount=pseudocount, annotated_vcf=annotated_vcf, annotate_top_k=annotate_top_k,
            regions=regions, shards=shards, shard=shard,
        )  # fmt: skip
        return spread_variant_effects(an, devices, kwargs)
    check_shards(shards, shard)
    regions = [regions] if isinstance(regions, str) else regions
    scorer = vep_tracks.track_scorer(an._runner, span, pseudocount)
    if scorer is None:
        kinds = check_save_data(save_data)
        keys = [k for s in kinds for k in (["ref_predictions", "alt_predictions"]
                if s == "predictions" else [s])]  # fmt: skip
        options: tuple = ()
    else:
        keys, options = vep_tracks.check_track_save_data(save_data, span), (span, pseudocount)
    output_dir = output_dir or os.path.dirname(vcf_file) or "."
    os.makedirs(output_dir, exist_ok=True)
    prefix = os.path.join(output_dir, vcf_prefix(vcf_file))
    options = (strand_index, require_strand, score_ref_mismatches, *options,
               *([] if regions is None else [list(regions)]))  # fmt: skip
    out = an._outputs(prefix, keys, output_format, VARIANTEFFECT_COLS, vcf_file, *options)
    check_top_k(annotate_top_k)
    if annotated_vcf and "diffs" not in keys:
        raise ValueError(
            f"annotated_vcf=True writes the diffs of {vcf_file} into the VCF: add 'diffs' "
            f"to save_data (got {list(save_data)})"
        )
    meta = {"version": __version__, "model": type(an._runner.net).__name__,
            "source": os.path.basename(vcf_file), "score": "diffs",
            "top_k": annotate_top_k, "regions": " ".join(regions or [])}  # fmt: skip
    run = VepRun(vcf_file, prefix, keys, output_format, VARIANTEFFECT_COLS, list(an.features),
                 strand_index, None if regions is None else list(regions), annotated_vcf,
                 annotate_top_k, meta, out.fingerprint)  # fmt: skip
    settings = dict(
        score_ref_mismatches=score_ref_mismatches, require_strand=require_strand,
        batch_size=an.batch_size, resume=an.resume, show_progress=an.show_progress,
        source=vcf_file, scorer=scorer,
    )  # fmt: skip
    if shards > 1 or shard is not None:
        score = functools.partial(vep.predict_variants, an._runner, genome=ref, kinds=keys,
                                  **settings)  # fmt: skip
        parts = functools.partial(_part_outputs, an, keys, output_format, vcf_file, options)
        counts = run_shards(run, shards, shard, score, parts, an.batch_size, an.resume)
        merge_if_complete(output_dir)
        return counts
    total = vcf_io.count_records(vcf_file) if an.show_progress and not regions else None
    counts = vep.predict_variants(
        an._runner, run.records(), ref, out, keys,
        Path(f"{prefix}.NA"), Path(f"{prefix}.ref_mismatches.vcf"), total=total, **settings,
    )  # fmt: skip
    if annotated_vcf:
        run.write_annotated_vcf(out.files["diffs"])
    return counts


def _part_outputs(an, keys, output_format, vcf_file, options, prefix, part) -> OutputSet:
    """Return the :class:`OutputSet` of one shard's part files (``part``: its key)."""
    return an._outputs(prefix, keys, output_format, VARIANTEFFECT_COLS, vcf_file, *options,
                       ("shard", part))  # fmt: skip
