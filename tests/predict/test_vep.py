"""Variant effect prediction: allele placement, deletions, padding, bad input, resuming."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from _predict_goldens import FEATURES, fill_weights

import selene.predict.vep as vep_module
from _tolerances import PROB
from selene.models import DeepSEA
from selene.predict import AnalyzeSequences, alt_window, read_vcf, window_bounds
from selene.sequences import Genome, sequence_to_codes

KINDS = ["abs_diffs", "diffs", "logits", "predictions"]
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n"


def write_vcf(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(row + "\n" for row in rows))
    return path


def letters(codes: np.ndarray) -> str:
    return "".join("ACGTN"[c] for c in codes)


def test_deletion_window_is_the_sequence_the_vcf_describes(genome: Genome) -> None:
    """REF = chr1[999:1003] (4 bases), ALT = its first base: 3 bases deleted after the anchor.

    Ours: the 100 bases up to and including the anchor (chr1[900:1000]), then the bases after
    the deleted stretch (chr1[1003:1103]). Selene 0.6.0 builds chr1[900:1001] (keeping the first
    deleted base) + chr1[999] (the anchor again) + chr1[1005:1103] (losing chr1[1003:1005]).
    """
    chr1 = genome.get_sequence_from_coords("chr1", 0, 3000).upper()
    pos, ref, alt = 1000, chr1[999:1003], chr1[999]
    start, end = window_bounds(pos, len(ref), 100, 100)
    assert (start, end) == (902, 1102)

    def fetch(s: int, e: int) -> np.ndarray:
        return genome.get_codes_from_coords("chr1", s, e, pad=True)

    ours = letters(alt_window(fetch, pos, len(ref), sequence_to_codes(alt), start, 200))
    expected = chr1[900:1000] + chr1[1003:1103]
    assert len(ours) == len(expected) == 200
    assert [(i, a, b) for i, (a, b) in enumerate(zip(ours, expected, strict=True)) if a != b] == []
    assert ours[99] == alt and ours[100:103] == chr1[1003:1006]
    selene = chr1[900:1001] + alt + chr1[1005:1103]
    assert len(selene) == 200 and selene != ours


def test_insertion_window(genome: Genome) -> None:
    chr1 = genome.get_sequence_from_coords("chr1", 0, 3000).upper()
    pos, ref, alt = 1100, chr1[1099], chr1[1099] + "ACG"
    start, _ = window_bounds(pos, 1, 100, 100)
    haplotype = chr1[:1099] + alt + chr1[1100:]
    got = alt_window(
        lambda s, e: genome.get_codes_from_coords("chr1", s, e, pad=True),
        pos, len(ref), sequence_to_codes(alt), start, 200,
    )  # fmt: skip
    assert letters(got) == haplotype[start + 1 : start + 201]  # shifted by (4 - 1) // 2


def test_deletion_scores_match_the_built_sequence(analysis: AnalyzeSequences, tmp_path) -> None:
    chr1 = analysis.reference_sequence.get_sequence_from_coords("chr1", 0, 3000).upper()
    vcf = write_vcf(tmp_path / "del.vcf", [f"chr1\t1000\tdel\t{chr1[999:1003]}\t{chr1[999]}"])
    analysis.variant_effect_prediction(str(vcf), ["predictions"], str(tmp_path), "hdf5")
    with h5py.File(tmp_path / "del.alt_predictions.h5") as handle:
        got = handle["data"][()]
    want = analysis.get_predictions(chr1[900:1000] + chr1[1003:1103])  # another batch shape
    np.testing.assert_allclose(got, want, **PROB)


def test_window_past_chromosome_end_is_padded_and_flagged(analysis, tmp_path) -> None:
    chr1 = analysis.reference_sequence.get_sequence_from_coords("chr1", 0, 3000).upper()
    alt = "A" if chr1[19] != "A" else "C"
    vcf = write_vcf(tmp_path / "edge.vcf", [f"chr1\t20\tedge\t{chr1[19]}\t{alt}"])
    with pytest.warns(UserWarning, match="padded with N"):
        counts = analysis.variant_effect_prediction(str(vcf), ["predictions"], str(tmp_path))
    assert counts.padded == 1 and counts.scored == 1
    row = (tmp_path / "edge.alt_predictions.tsv").read_text().splitlines()[1].split("\t")
    assert row[:8] == ["chr1", "20", "edge", chr1[19], alt, "+", "True", "True"]
    expected = "N" * 80 + chr1[:19] + alt + chr1[20:120]  # window [-80, 120)
    want = analysis.get_predictions(expected)[0]  # alone; the VEP batches it with others
    np.testing.assert_allclose(np.array(row[8:], dtype=np.float32), want, **PROB)


def test_unknown_chromosomes_and_symbolic_alleles_go_to_na(analysis, tmp_path) -> None:
    rows = ["chrX\t100\tx\tA\tC", "chr1\t500\tsv\tA\t<DEL>", "chrM\t300\tm\tN\tA"]
    vcf = write_vcf(tmp_path / "na.vcf", rows)
    with pytest.warns(UserWarning, match="2 records not scored"):
        analysis.variant_effect_prediction(str(vcf), ["diffs"], str(tmp_path))
    assert (tmp_path / "na.NA").read_text().splitlines() == rows[:2]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("chr1\t100\tx\tA", "line 3: expected at least 5 tab-separated columns"),
        ("chr1\tabc\tx\tA\tC", "line 3: POS must be a positive integer"),
        ("chr1\t100\tx\tA\tQ", "line 3: ALT 'Q' has letters other than"),
        ("chr1\t100\tx\tR\tC", "line 3: REF 'R' has letters other than"),
    ],
)
def test_malformed_lines_name_their_line_number(tmp_path, row: str, message: str) -> None:
    vcf = write_vcf(tmp_path / "bad.vcf", [row])
    with pytest.raises(ValueError, match=message):
        list(read_vcf(vcf))


def test_bad_header_and_missing_strand_column(tmp_path) -> None:
    bad = tmp_path / "header.vcf"
    bad.write_text("#CHROM\tPOS\tREF\tALT\tID\n")
    with pytest.raises(ValueError, match="line 1: the header starts with"):
        list(read_vcf(bad))
    vcf = write_vcf(tmp_path / "strand.vcf", ["chr1\t100\tx\tA\tC"])
    with pytest.raises(ValueError, match="strand_index=7 but the line has 5 columns"):
        list(read_vcf(vcf, strand_index=7))


def test_empty_vcf_writes_headers_and_says_so(analysis, tmp_path) -> None:
    vcf = write_vcf(tmp_path / "empty.vcf", [])
    with pytest.warns(UserWarning, match="no variants were scored"):
        analysis.variant_effect_prediction(str(vcf), KINDS, str(tmp_path))
    header = (tmp_path / "empty_diffs.tsv").read_text()
    assert header == "\t".join(["chrom", "pos", "name", "ref", "alt", "strand", "ref_match",
                                "contains_unk", *analysis.features]) + "\n"  # fmt: skip
    with pytest.warns(UserWarning, match="no variants were scored"):
        analysis.variant_effect_prediction(str(vcf), KINDS, str(tmp_path / "h5"), "hdf5")
    with h5py.File(tmp_path / "h5" / "empty_diffs.h5") as handle:
        assert handle["data"].shape == (0, len(analysis.features))


@pytest.mark.filterwarnings("ignore:1 records whose REF differs")
def test_bgzipped_vcf_equals_plain(analysis, workdir, tmp_path) -> None:
    plain = tmp_path / "variants.vcf"
    shutil.copy(workdir / "variants.vcf", plain)
    with open(plain, "rb") as src, gzip.open(tmp_path / "gz.vcf.gz", "wb") as dst:
        dst.write(src.read())
    for name, out in ((plain, "plain"), (tmp_path / "gz.vcf.gz", "gz")):
        analysis.variant_effect_prediction(str(name), ["diffs"], str(tmp_path / out))
    assert (tmp_path / "plain" / "variants_diffs.tsv").read_text() == (
        tmp_path / "gz" / "gz_diffs.tsv"
    ).read_text()


@pytest.mark.filterwarnings("ignore:1 records whose REF differs")
@pytest.mark.parametrize("fmt", ["tsv", "hdf5"])
def test_interrupted_run_resumes_to_the_same_files(analysis, workdir, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(analysis, "batch_size", 4)
    vcf, real = str(workdir / "variants.vcf"), vep_module._score_batch
    calls: list[int] = []

    def counting(*args, **kwargs):
        calls.append(1)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(vep_module, "_score_batch", counting)
    stop_at = -1
    analysis.variant_effect_prediction(vcf, KINDS, str(tmp_path / "full"), fmt, 7)
    n_batches, calls[:], stop_at = len(calls), [], 4
    with pytest.raises(KeyboardInterrupt):
        analysis.variant_effect_prediction(vcf, KINDS, str(tmp_path / "cut"), fmt, 7)
    assert any(p.name.endswith(".inprogress") for p in (tmp_path / "cut").iterdir())
    if fmt == "tsv":  # a kill mid-write leaves a partial line behind
        with open(tmp_path / "cut" / "variants_diffs.tsv", "a") as handle:
            handle.write("chr1\t15")
    calls[:], stop_at = [], -1
    analysis.variant_effect_prediction(vcf, KINDS, str(tmp_path / "cut"), fmt, 7)
    assert len(calls) == n_batches - 3  # carried on after the 3 batches written
    full = sorted(p.name for p in (tmp_path / "full").iterdir())
    assert sorted(p.name for p in (tmp_path / "cut").iterdir()) == full
    for name in full:
        a, b = tmp_path / "full" / name, tmp_path / "cut" / name
        if name.endswith(".h5"):  # the same batches through the same kernels: bitwise equal
            with h5py.File(a) as x, h5py.File(b) as y:
                assert np.array_equal(x["data"][()], y["data"][()])
        else:
            assert a.read_bytes() == b.read_bytes(), name


def test_odd_window_length_places_the_allele_as_selene(genome: Genome, tmp_path) -> None:
    chr1 = genome.get_sequence_from_coords("chr1", 0, 3000).upper()
    model = fill_weights(DeepSEA(201, 4))
    odd = AnalyzeSequences(model, None, 201, FEATURES, reference_sequence=genome,
                           show_progress=False)  # fmt: skip
    alt = "A" if chr1[1499] != "A" else "C"
    rows = [f"chr1\t1500\tsnv\t{chr1[1499]}\t{alt}"]
    rows.append(f"chr1\t1600\tins\t{chr1[1599]}\t{chr1[1599]}TT")
    vcf = write_vcf(tmp_path / "odd.vcf", rows)
    odd.variant_effect_prediction(str(vcf), ["predictions"], str(tmp_path), "hdf5")
    with h5py.File(tmp_path / "odd.alt_predictions.h5") as handle:
        got = handle["data"][()]
    # start radius 101, end radius 100: REF at window index 100
    snv = chr1[1399:1499] + alt + chr1[1500:1600]
    haplotype = chr1[:1599] + chr1[1599] + "TT" + chr1[1600:]
    ins = haplotype[1600 - 101 + 1 : 1600 - 101 + 1 + 201]  # shifted by (3 - 1) // 2
    want = np.concatenate([odd.get_predictions(snv), odd.get_predictions(ins)])
    np.testing.assert_allclose(got, want, **PROB)  # batches of 1 against one of 2
