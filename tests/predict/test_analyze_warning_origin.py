"""Warnings from ``AnalyzeSequences`` methods point at the caller's line, not at selene's."""

from __future__ import annotations

import pytest

from selene.utils.warnings import SeleneWarning


def test_bed_warning_points_at_caller(analysis, tmp_path) -> None:
    bed = tmp_path / "regions.bed"
    bed.write_text("chrZ\t1\t2\n")
    with pytest.warns(SeleneWarning, match="not scored") as record:
        analysis.get_predictions_for_bed_file(str(bed), str(tmp_path))
    assert record[0].filename == __file__


def test_fasta_warning_points_at_caller(analysis, tmp_path) -> None:
    fasta = tmp_path / "none.fa"
    fasta.write_text("")
    with pytest.warns(SeleneWarning, match="no sequences to predict") as record:
        analysis.get_predictions_for_fasta_file(str(fasta), str(tmp_path))
    assert record[0].filename == __file__


def test_ism_renamed_records_warning_points_at_caller(analysis, tmp_path) -> None:
    fasta = tmp_path / "two.fa"
    fasta.write_text(">a/b\nACGT\n>a/b\nACGT\n")
    with pytest.warns(SeleneWarning, match="written under other names") as record:
        analysis.in_silico_mutagenesis_from_file(
            str(fasta), ["abs_diffs"], str(tmp_path / "out"), start_position=98, end_position=100
        )
    assert record[0].filename == __file__


def test_vcf_warning_points_at_caller(analysis, tmp_path) -> None:
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchrZ\t5\t.\tA\tC\n")
    with pytest.warns(SeleneWarning, match="no variants were scored") as record:
        analysis.variant_effect_prediction(str(vcf), ["diffs"], str(tmp_path))
    assert record[0].filename == __file__
