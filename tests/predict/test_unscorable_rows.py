"""Rows that cannot be scored go to ``.NA`` with their reason and line; the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n"


def scored_rows(path: Path) -> list[list[str]]:
    return [row.split("\t") for row in path.read_text().splitlines()[1:]]


def test_bed_start_after_end_goes_to_na(analysis, tmp_path) -> None:
    bed = tmp_path / "swapped.bed"
    bed.write_text("chr1\t900\t500\nchr1\t100\t200\n")
    message = r"1 rows not scored .*swapped.bed: start > end \(line 1\)"
    with pytest.warns(UserWarning, match=message):
        analysis.get_predictions_for_bed_file(str(bed), str(tmp_path))
    assert [r[:4] for r in scored_rows(tmp_path / "swapped_predictions.tsv")] == [
        ["1", "chr1", "100", "200"]
    ]
    assert (tmp_path / "swapped.NA").read_text() == "chr1\t900\t500\n"


def test_bed_region_past_the_chromosome_end_goes_to_na(analysis, tmp_path) -> None:
    """chr1 has 3000 bases and the model 200: the first two rows have nothing on chr1."""
    rows = ["chr1\t5000\t5100", "chr1\t2990\t9000", "chr2\t10\t20", "chr1\t2950\t2960"]
    bed = tmp_path / "far.bed"
    bed.write_text("".join(row + "\n" for row in rows))
    message = (
        r"2 rows not scored \(copied to far.NA\): far.bed: region past the end of its "
        r"chromosome \(line 1\); window wholly past the end of its chromosome \(line 2\)"
    )
    with pytest.warns(UserWarning, match=message):
        analysis.get_predictions_for_bed_file(str(bed), str(tmp_path))
    assert [r[:6] for r in scored_rows(tmp_path / "far_predictions.tsv")] == [
        ["2", "chr2", "10", "20", ".", "True"],
        ["3", "chr1", "2950", "2960", ".", "True"],
    ]
    assert (tmp_path / "far.NA").read_text().splitlines() == rows[:2]


def test_vcf_pos_past_the_chromosome_end_goes_to_na(analysis, genome, tmp_path) -> None:
    chr1 = genome.get_sequence_from_coords("chr1", 0, 3000).upper()
    rows = [
        "chr1\t9000\tfar\tA\tC",
        f"chr1\t2999\tlong\t{chr1[2998:]}A\tC",  # REF runs one base past the end
        f"chr1\t150\tok\t{chr1[149]}\t{'A' if chr1[149] != 'A' else 'C'}",
    ]
    vcf = tmp_path / "far.vcf"
    vcf.write_text(HEADER + "".join(row + "\n" for row in rows))
    message = (
        r"2 records not scored \(see far.NA; far.vcf: POS past the end of its chromosome "
        r"\(line 3\); REF runs past the end of its chromosome \(line 4\)\)"
    )
    with pytest.warns(UserWarning, match=message):
        counts = analysis.variant_effect_prediction(str(vcf), ["diffs"], str(tmp_path))
    assert (counts.scored, counts.not_scored, counts.ref_mismatches) == (1, 2, 0)
    assert [r[2] for r in scored_rows(tmp_path / "far_diffs.tsv")] == ["ok"]
    assert (tmp_path / "far.NA").read_text().splitlines() == rows[:2]
    assert not (tmp_path / "far_diffs.tsv.inprogress").exists()  # the run finished
