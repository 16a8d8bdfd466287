"""Variant effects on tracks: summed coverage of ref and alt windows, log2 fold changes, files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from _tolerances import EVAL
from selene.io.outputs import (
    TRACK_KINDS,
    VARIANTEFFECT_COLS,
    kind_of,
    read_output,
    row_labels_path,
)
from selene.models import BPNet, TrackCNN
from selene.predict import AnalyzeSequences, ops
from selene.predict.vep_tracks import TrackScorer, check_track_save_data, span_mask
from selene.sequences import Genome

LENGTH, BIN, CROP, TRACKS = 128, 8, 2, ["t0", "t1"]
# Output bins tile bases [16, 112): bin i is [16 + 8 i, 24 + 8 i). A 32-base span is bases
# [48, 80), bins 4..7.
SPAN, SPAN_BINS = 32, slice(4, 8)
# A log rate evaluated two ways (other batch shapes) differs by at most 2 * EVAL (the net is far
# smaller than DeepSEA); exp makes that a relative error of each bin's coverage, and a sum of
# positive terms keeps it: 4 * EVAL for the two sides, one EVAL more for rounding the sums to
# float32. (3e-8 measured; moving a window by one base changes its sums by >= 6e-4.)
COVERAGE = {"rtol": 5 * EVAL, "atol": 0.0}
# BPNet's track sum is expm1(log count) (relative error <= 2.1 EVAL near e**3) times the track's
# softmax share (logits within 2 EVAL each: <= 4 EVAL), per side: 12 EVAL for two (1e-7 measured).
BPNET = {"rtol": 12 * EVAL, "atol": 0.0}
COMPLEMENT = str.maketrans("ACGT", "TGCA")


@pytest.fixture(scope="module")
def chroms() -> dict[str, str]:
    rng = np.random.default_rng(12)
    return {
        name: "".join(rng.choice(list("ACGT"), size))
        for name, size in [("chr1", 400), ("chr2", 300)]
    }


@pytest.fixture(scope="module")
def tgenome(chroms: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Genome:
    path = tmp_path_factory.mktemp("tracks_genome") / "tgenome.fa"
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in chroms.items()))
    return Genome(path)


@pytest.fixture(scope="module")
def rows(chroms: dict[str, str]) -> list[tuple[str, int, str, str, str]]:
    """(chrom, pos, REF, ALT, strand): SNVs, a multi-allelic SNV, an insertion, a deletion, '-'."""
    c1, c2 = chroms["chr1"], chroms["chr2"]
    other = {b: "ACGT"[("ACGT".index(b) + 1) % 4] for b in "ACGT"}
    return [
        ("chr1", 150, c1[149], other[c1[149]], "+"),
        ("chr1", 200, c1[199], f"{other[c1[199]]},{other[other[c1[199]]]}", "+"),
        ("chr1", 250, c1[249], c1[249] + "ACGTA", "+"),
        ("chr2", 120, c2[119:124], c2[119], "+"),
        ("chr2", 180, c2[179], other[c2[179]], "-"),
        ("chr2", 140, c2[139:141], c2[139] + "GGG", "-"),
    ]


@pytest.fixture(scope="module")
def vcf(rows, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tracks_vcf") / "variants.vcf"
    lines = [f"{c}\t{p}\tv{i}\t{r}\t{a}\t{s}\n" for i, (c, p, r, a, s) in enumerate(rows)]
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tSTRAND\n" + "".join(lines))
    return path


@pytest.fixture(scope="module")
def net() -> TrackCNN:
    torch.manual_seed(3)
    net = TrackCNN(LENGTH, len(TRACKS), BIN, channels=8, n_dilated=1, dropout=0.0,
                   crop_bins=CROP).eval()  # fmt: skip
    with torch.no_grad():  # doubled convolutions: alleles move the coverage by percents
        for weight in (p for p in net.parameters() if p.dim() == 3):
            weight.mul_(2)
    return net


@pytest.fixture(scope="module")
def runner(net):
    return ops.make_runner(net, activation="exp", device="cpu")  # poisson: log rates


def windows_by_hand(chroms, rows) -> tuple[list[str], list[str]]:
    """Ref and alt windows of every ALT, cut from the haplotypes with Selene's centring."""
    refs, alts = [], []
    for chrom, pos, ref, alt_field, strand in rows:
        seq = chroms[chrom]
        for alt in alt_field.split(","):
            start = pos + len(ref) // 2 - LENGTH // 2  # the variant sits at base 63
            haplotype = seq[: pos - 1] + alt + seq[pos - 1 + len(ref) :]
            if len(alt) > len(ref):  # insertions: re-centred on the inserted bases
                shift = (len(alt) - len(ref)) // 2
            else:
                shift = -(len(ref) // 2 - len(alt) // 2)
            pair = [seq[start : start + LENGTH], haplotype[start + shift : start + shift + LENGTH]]
            if strand == "-":
                pair = [w.translate(COMPLEMENT)[::-1] for w in pair]
            refs.append(pair[0])
            alts.append(pair[1])
    return refs, alts


def effects(runner, tgenome, vcf, **options):
    """Track scores of every row of ``vcf`` (chunks of 3 records) and the rows' IDs."""
    chunks = list(ops.variant_effects(runner, tgenome, vcf, strand_index=5, batch_size=3,
                                      **options))  # fmt: skip
    kinds = [k for k in TRACK_KINDS if getattr(chunks[0], k) is not None]
    got = {k: np.concatenate([getattr(c, k) for c in chunks]) for k in kinds}
    return got, [r for c in chunks for r in c.records]


def test_sums_equal_predictions_of_the_windows_built_by_hand(runner, tgenome, vcf, chroms, rows):
    got, records = effects(runner, tgenome, vcf, span=SPAN)
    refs, alts = windows_by_hand(chroms, rows)
    assert [(r[0], r[1], r[4], r[5]) for r in records] == [
        (c, p, a, s) for c, p, _, field, s in rows for a in field.split(",")
    ]
    ref_cov, alt_cov = ops.predict(runner, refs), ops.predict(runner, alts)
    assert ref_cov.shape == (7, 2, LENGTH // BIN - 2 * CROP)
    for kind, cov in [("track_ref_sum", ref_cov), ("track_alt_sum", alt_cov)]:
        assert got[kind].shape == (7, 2) and got[kind].dtype == np.float32
        np.testing.assert_allclose(got[kind], cov.sum(-1, dtype=np.float64), **COVERAGE)
        np.testing.assert_allclose(got[kind + "_span"], cov[..., SPAN_BINS].sum(-1), **COVERAGE)
    # The '-' SNV's windows are reverse-complemented: its sums differ from the '+' reading.
    plus = ops.predict(runner, [w.translate(COMPLEMENT)[::-1] for w in refs[5:6]])
    assert np.abs(plus.sum(-1) / got["track_ref_sum"][5] - 1).max() > 1e-3


def test_log2fc_is_the_formula_over_the_sums(runner, tgenome, vcf) -> None:
    got, _ = effects(runner, tgenome, vcf, span=SPAN, pseudocount=0.5)
    for suffix in ("", "_span"):
        ref, alt = got[f"track_ref_sum{suffix}"], got[f"track_alt_sum{suffix}"]
        want = np.log2((alt.astype(np.float64) + 0.5) / (ref.astype(np.float64) + 0.5))
        np.testing.assert_allclose(got[f"track_log2fc{suffix}"], want, rtol=0, atol=1e-6)
    assert np.abs(got["track_log2fc"]).max() > 1e-3  # the alleles do change the coverage


def test_span_none_leaves_out_the_span_kinds(runner, tgenome, vcf) -> None:
    got, _ = effects(runner, tgenome, vcf, span=None)
    assert sorted(got) == ["track_alt_sum", "track_log2fc", "track_ref_sum"]
    chunk = next(ops.variant_effects(runner, tgenome, vcf, strand_index=5, span=None))
    assert chunk.track_log2fc_span is None and chunk.diffs is None and chunk.logits is None


def test_span_mask_takes_the_bins_overlapping_the_central_bases() -> None:
    n_bins = LENGTH // BIN - 2 * CROP
    assert np.flatnonzero(span_mask(LENGTH, n_bins, BIN, 32)).tolist() == [4, 5, 6, 7]
    assert np.flatnonzero(span_mask(LENGTH, n_bins, BIN, 1)).tolist() == [5]  # base 63: bin 5
    assert span_mask(LENGTH, n_bins, BIN, 1000).all()
    assert span_mask(LENGTH, n_bins, BIN, None) is None
    # BPNet-like: 94 base-resolution bins in the middle of 200 bases (53 trimmed each side).
    assert np.flatnonzero(span_mask(200, 94, 1, 10)).tolist() == list(range(42, 52))


@pytest.mark.parametrize("output_format", ["tsv", "hdf5"])
def test_written_files_equal_the_arrays(net, runner, tgenome, vcf, tmp_path, output_format):
    analysis = AnalyzeSequences(net, None, LENGTH, TRACKS, batch_size=3,
                                reference_sequence=tgenome, activation="exp",
                                show_progress=False)  # fmt: skip
    analysis.variant_effect_prediction(str(vcf), list(TRACK_KINDS), str(tmp_path), output_format,
                                       strand_index=5, span=SPAN)  # fmt: skip
    got, records = effects(runner, tgenome, vcf, span=SPAN)
    ext = ".tsv" if output_format == "tsv" else ".h5"
    for kind in TRACK_KINDS:
        path = tmp_path / f"variants_{kind}{ext}"
        assert kind_of(path) == kind
        table = read_output(path, VARIANTEFFECT_COLS, TRACKS)
        np.testing.assert_array_equal(table.values.astype(np.float32), got[kind])
        assert table.ids[4] == [r[4] for r in records]  # the alt column
    if output_format == "hdf5":
        assert row_labels_path(tmp_path / "variants_track_log2fc_span.h5").is_file()


def test_track_model_takes_track_kinds_only(net, tgenome, vcf, tmp_path) -> None:
    analysis = AnalyzeSequences(net, None, LENGTH, TRACKS, reference_sequence=tgenome,
                                activation="exp", show_progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="a track model's variant effects are"):
        analysis.variant_effect_prediction(str(vcf), ["diffs"], str(tmp_path), strand_index=5)
    with pytest.raises(ValueError, match="_span kinds but span=None"):
        check_track_save_data(["track_log2fc_span"], None)
    with pytest.raises(ValueError, match="pick from those"):
        check_track_save_data([], 10)


def test_scorer_refuses_bad_options(net, runner) -> None:
    with pytest.raises(ValueError, match="span must be a positive number of bases"):
        TrackScorer(runner, span=0)
    with pytest.raises(ValueError, match="span must be a positive number of bases"):
        TrackScorer(runner, span=20.5)
    assert TrackScorer(runner, span=np.int64(32)).span_bins.sum() == 4
    with pytest.raises(ValueError, match="pseudocount must be > 0"):
        TrackScorer(runner, pseudocount=0)
    with pytest.raises(ValueError, match="activation='exp'"):
        TrackScorer(ops.make_runner(net, activation="sigmoid", device="cpu"))
    averaged = ops.make_runner(net, activation="exp", device="cpu",
                               average_reverse_complement=True)  # fmt: skip
    with pytest.raises(ValueError, match="do not average strands"):
        TrackScorer(averaged)


def test_classifier_chunks_carry_no_track_scores(analysis, genome, workdir) -> None:
    chunk = next(ops.variant_effects(analysis._runner, genome, workdir / "variants.vcf"))
    assert chunk.diffs is not None and chunk.logits is not None
    assert all(getattr(chunk, kind) is None for kind in TRACK_KINDS)


def test_bpnet_sums_are_profile_times_counts(tgenome, vcf, chroms, rows) -> None:
    torch.manual_seed(5)
    net = BPNet(n_filters=8, n_layers=2, n_outputs=2, sequence_length=LENGTH)
    with torch.no_grad():
        net.linear.bias.fill_(3.0)  # totals near e**3, not clamped to 0
    got, _ = effects(net, tgenome, vcf, span=SPAN, device="cpu")
    refs, alts = windows_by_hand(chroms, rows)
    ref_cov = ops.predict(net, refs, device="cpu")  # the runner's bpnet activation
    assert ref_cov.shape[-1] == net.output_length
    np.testing.assert_allclose(got["track_ref_sum"], ref_cov.sum(-1), **BPNET)
    np.testing.assert_allclose(got["track_alt_sum"], ops.predict(net, alts).sum(-1), **BPNET)
    assert got["track_ref_sum"].min() > 1.0
