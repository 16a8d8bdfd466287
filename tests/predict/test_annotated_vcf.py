"""The annotated VCF: scores as INFO fields, equal to the HDF5/TSV diffs, bgzipped and indexed."""

from __future__ import annotations

import csv
from pathlib import Path

import h5py
import numpy as np
import pysam
import pytest
from _predict_goldens import FEATURES

from selene.io.outputs import output_rows
from selene.predict import AnalyzeSequences
from selene.predict.annotated_vcf import info_keys, write_annotated_vcf
from selene.utils.warnings import SeleneWarning

HEADER = (
    '##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
#: %.7g keeps 7 significant digits: a relative error below 5e-7 (plus float32's own).
WRITTEN = {"rtol": 1e-6, "atol": 1e-30}
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*records not scored:selene.utils.warnings.SeleneWarning"
)


@pytest.fixture
def vcf(analysis: AnalyzeSequences, tmp_path: Path) -> Path:
    """Sorted: SNVs, an insertion, a deletion, a multi-allelic record, two unscorable ones."""
    seq = analysis.reference_sequence.get_sequence_from_coords
    chr1, chr2 = seq("chr1", 0, 3000).upper(), seq("chr2", 0, 2000).upper()
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    rows = [
        f"chr1\t400\tsnv_a\t{chr1[399]}\t{other[chr1[399]]}\t.\tPASS\tDP=3",
        f"chr1\t700\tmulti\t{chr1[699]}\t{other[chr1[699]]},{other[other[chr1[699]]]}\t.\t.\t.",
        f"chr1\t1000\tdel\t{chr1[999:1003]}\t{chr1[999]}\t.\t.\t.",
        f"chr1\t1100\tins\t{chr1[1099]}\t{chr1[1099]}ACG\t.\t.\t.",
        f"chr1\t1400\tsnv_b\t{chr1[1399]}\t{other[chr1[1399]]}\t.\t.\t.",
        f"chr2\t700\tmismatch\t{other[chr2[699]]}\t{chr2[699]}\t.\t.\t.",
        f"chr2\t1200\tsnv_c\t{chr2[1199]}\t{other[chr2[1199]]}\t.\t.\t.",
        "chrZ\t10\tunknown_chrom\tA\tC\t.\t.\t.",
    ]
    path = tmp_path / "v.vcf"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def h5_diffs(directory: Path) -> dict[tuple[str, str], np.ndarray]:
    """The HDF5 diffs by (variant name, ALT)."""
    with h5py.File(directory / "v_diffs.h5") as handle:
        data = handle["data"][()]
    with open(directory / "v_row_labels.txt", newline="") as handle:
        labels = list(csv.DictReader(handle, delimiter="\t"))
    assert len(labels) == len(data)
    return {(row["name"], row["alt"]): values for row, values in zip(labels, data, strict=True)}


def run(analysis, vcf, out, fmt="hdf5", **options) -> Path:
    analysis.variant_effect_prediction(str(vcf), ["diffs"], str(out), fmt, annotated_vcf=True,
                                       **options)  # fmt: skip
    return out / "v.annotated.vcf.gz"


def test_info_values_equal_the_hdf5_diffs(analysis, vcf, tmp_path) -> None:
    path = run(analysis, vcf, tmp_path / "h5")
    diffs = h5_diffs(tmp_path / "h5")
    keys = [f"SELENE_DIFF_{k}" for k in info_keys(FEATURES)]
    names, checked = [], 0
    with pysam.VariantFile(str(path)) as handle:
        for rec in handle:
            names.append(rec.id)
            if rec.id in ("mismatch", "unknown_chrom"):
                assert "SELENE_NA" in rec.info and not set(keys) & set(rec.info)
                continue
            assert "SELENE_NA" not in rec.info
            for i, alt in enumerate(rec.alts):
                got = np.array([rec.info[key][i] for key in keys])
                np.testing.assert_allclose(got, diffs[(rec.id, alt)], **WRITTEN)
                checked += 1
    assert names == ["snv_a", "multi", "del", "ins", "snv_b", "mismatch", "snv_c",
                     "unknown_chrom"]  # fmt: skip
    assert checked == len(diffs) == 7


def test_tsv_run_gives_the_same_annotations(analysis, vcf, tmp_path) -> None:
    h5 = run(analysis, vcf, tmp_path / "h5")
    tsv = run(analysis, vcf, tmp_path / "tsv", "tsv")
    with pysam.VariantFile(str(h5)) as a, pysam.VariantFile(str(tsv)) as b:
        pairs = list(zip(a, b, strict=True))
    assert [str(x) for x, _ in pairs] == [str(y) for _, y in pairs]


def test_bgzipped_indexed_and_fetchable(analysis, vcf, tmp_path) -> None:
    path = run(analysis, vcf, tmp_path)
    assert Path(f"{path}.tbi").is_file()
    with pysam.VariantFile(str(path)) as handle:
        assert [r.id for r in handle.fetch("chr1", 900, 1200)] == ["del", "ins"]
        assert [r.id for r in handle.fetch("chr2")] == ["mismatch", "snv_c"]
    with pysam.TabixFile(str(path)) as tabix:
        assert len(list(tabix.fetch("chr1", 0, 500))) == 1


def test_header_describes_the_fields_and_the_run(analysis, vcf, tmp_path) -> None:
    path = run(analysis, vcf, tmp_path)
    with pysam.VariantFile(str(path)) as handle:
        info, text = handle.header.info, str(handle.header)
        first = next(iter(handle))
    for key, name in zip(info_keys(FEATURES), FEATURES, strict=True):
        field = info[f"SELENE_DIFF_{key}"]
        assert (field.number, field.type) == ("A", "Float") and name in field.description
    assert info["SELENE_NA"].type == "Flag"
    assert "##selene=<version=" in text and "source=v.vcf" in text and "model=DeepSEA" in text
    assert first.info["DP"] == 3  # the input's INFO is kept


def test_top_k_names_the_largest_diffs(analysis, vcf, tmp_path) -> None:
    path = run(analysis, vcf, tmp_path, annotate_top_k=2)
    diffs = h5_diffs(tmp_path)
    with pysam.VariantFile(str(path)) as handle:
        assert "SELENE_DIFF_feature_0" not in handle.header.info
        assert handle.header.info["SELENE_TOP"].number == "A"
        records = [r for r in handle if "SELENE_NA" not in r.info]
    for rec in records:
        for alt, top in zip(rec.alts, rec.info["SELENE_TOP"], strict=True):
            pairs = [item.split(":") for item in top.split("|")]
            want = diffs[(rec.id, alt)]
            order = np.argsort(-np.abs(want), kind="stable")[:2]
            assert [name for name, _ in pairs] == [FEATURES[i] for i in order]
            got = np.array([float(v) for _, v in pairs])
            np.testing.assert_allclose(got, want[order], **WRITTEN)


def test_odd_feature_names_become_valid_keys(tmp_path) -> None:
    assert info_keys(["DNase|GM12878", "a b", "a_b", "x=y;z"]) == [
        "DNase_GM12878", "a_b", "a_b_2", "x_y_z"
    ]  # fmt: skip
    vcf = tmp_path / "x.vcf"
    vcf.write_text(HEADER + "chr1\t5\tv\tA\tC,G\t.\t.\t.\n")
    ids = ["chr1", "5", "v", "A", "G", "+", "True", "False"]  # only the second ALT scored
    rows = iter([(ids, np.array([0.5, -2.0, 1e-8], dtype=np.float32))])
    out = write_annotated_vcf(vcf, rows, tmp_path / "x.vcf.gz", ['a"b', "a|b", "c=d"])
    with pysam.VariantFile(str(out)) as handle:
        rec = next(iter(handle))
        assert 'a\\"b' in handle.header.info["SELENE_DIFF_a_b"].description
    assert rec.info["SELENE_DIFF_a_b_2"] == (None, -2.0)
    np.testing.assert_allclose(rec.info["SELENE_DIFF_c_d"][1], 1e-8, **WRITTEN)


def test_selene_style_columns_become_vcf_columns(analysis, tmp_path) -> None:
    """A table whose 8th column is not INFO (Selene's STRAND) keeps only the VCF columns."""
    base = analysis.reference_sequence.get_sequence_from_coords("chr1", 399, 400).upper()
    vcf = tmp_path / "v.vcf"
    vcf.write_text(
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tSTRAND\nchr1\t400\ts\t{base}\tN\t.\tPASS\t-\n"
    )
    path = run(analysis, vcf, tmp_path, strand_index=7)
    with pysam.VariantFile(str(path)) as handle:
        rec = next(iter(handle))
    assert list(rec.filter) == ["PASS"] and "SELENE_DIFF_feature_0" in rec.info
    assert rec.alts == ("N",)


def test_unsorted_vcf_is_written_without_an_index(analysis, vcf, tmp_path) -> None:
    lines = vcf.read_text().splitlines(keepends=True)
    n = sum(line.startswith("#") for line in lines)
    vcf.write_text("".join(lines[:n] + lines[: n - 1 : -1]))  # records reversed
    with pytest.warns(SeleneWarning, match="not tabix-indexed.*not sorted"):
        path = run(analysis, vcf, tmp_path)
    assert path.is_file() and not Path(f"{path}.tbi").exists()
    with pysam.VariantFile(str(path)) as handle:
        first = next(iter(handle))
    assert first.id == "unknown_chrom" and "SELENE_NA" in first.info


def test_scores_of_another_vcf_are_refused(tmp_path) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text(HEADER + "chr1\t5\tv\tA\tC\t.\t.\t.\n")
    ids = ["chr1", "6", "w", "A", "C", "+", "True", "False"]
    with pytest.raises(ValueError, match="matches no record of x.vcf"):
        write_annotated_vcf(vcf, iter([(ids, np.zeros(1))]), tmp_path / "x.vcf.gz", ["f"])


def test_bad_options_are_refused_before_scoring(analysis, vcf, tmp_path) -> None:
    with pytest.raises(ValueError, match="add 'diffs' to save_data"):
        analysis.variant_effect_prediction(str(vcf), ["logits"], str(tmp_path),
                                           annotated_vcf=True)  # fmt: skip
    with pytest.raises(ValueError, match="annotate_top_k must be a positive integer"):
        run(analysis, vcf, tmp_path, annotate_top_k=0)
    assert not list(tmp_path.glob("v_*"))


def test_output_rows_streams_tsv_and_hdf5_alike(analysis, vcf, tmp_path) -> None:
    run(analysis, vcf, tmp_path / "a")
    run(analysis, vcf, tmp_path / "b", "tsv")
    h5 = list(output_rows(tmp_path / "a" / "v_diffs.h5"))
    tsv = list(output_rows(tmp_path / "b" / "v_diffs.tsv"))
    assert [ids for ids, _ in h5] == [ids for ids, _ in tsv] and len(h5) == 7
    np.testing.assert_array_equal(np.stack([v for _, v in h5]), np.stack([v for _, v in tsv]))


def test_rows_of_a_record_in_any_alt_order(tmp_path) -> None:
    """A record's rows may come in another order than its ALTs (structural variants last)."""
    vcf = tmp_path / "x.vcf"
    vcf.write_text(HEADER + "chr1\t5\tv\tA\t<DEL>,C\t.\t.\t.\nchr1\t9\tw\tA\tC\t.\t.\t.\n")
    ids = ["chr1", "5", "v", "A", "{}", "+", "True", "False"]
    rows = [([*ids[:4], alt, *ids[5:]], np.array([x], dtype=np.float32))
            for alt, x in (("C", 1.0), ("<DEL>", 2.0))]  # fmt: skip
    out = write_annotated_vcf(vcf, iter(rows), tmp_path / "x.vcf.gz", ["f"])
    with pysam.VariantFile(str(out)) as handle:
        first, second = list(handle)
    assert first.info["SELENE_DIFF_f"] == (2.0, 1.0) and "SELENE_NA" in second.info
