"""regions=: score the records of some regions of a bgzipped, tabix-indexed VCF."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pysam
import pytest
from hydra import compose, initialize_config_dir

from _tolerances import PROB_DIFF
from selene.io.vcf import parse_regions, read_vcf_regions
from selene.predict import AnalyzeSequences
from selene.predict.__main__ import predict
from selene.utils.config import config_dir

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*records not scored:selene.utils.warnings.SeleneWarning"
)


@pytest.fixture
def indexed(analysis: AnalyzeSequences, tmp_path: Path) -> Path:
    """Sorted SNVs on chr1 and chr2 and a deletion across 1000, bgzipped and indexed."""
    seq = analysis.reference_sequence.get_sequence_from_coords
    chroms = {"chr1": seq("chr1", 0, 3000).upper(), "chr2": seq("chr2", 0, 2000).upper()}
    other = {"A": "C", "C": "G", "G": "T", "T": "A", "N": "A"}
    rows = []
    for chrom, positions in (("chr1", [300, 600, 995, 1200, 1800]), ("chr2", [500, 1500])):
        for pos in positions:
            ref = chroms[chrom][pos - 1 : pos + 9] if pos == 995 else chroms[chrom][pos - 1]
            alt = ref[0] if pos == 995 else other[ref]
            rows.append(f"{chrom}\t{pos}\t{chrom}_{pos}\t{ref}\t{alt}\t.\t.\t.")
    plain = tmp_path / "v.vcf"
    plain.write_text(HEADER + "".join(r + "\n" for r in rows))
    return Path(pysam.tabix_index(str(plain), preset="vcf", keep_original=True))


def diffs_table(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    return {r[2]: np.array(r[8:], dtype=np.float32) for r in rows}


def test_parse_regions() -> None:
    assert parse_regions(["chr1:1,001-2,000", "chr2", "chr1:5000"]) == [
        ("chr1", 1000, 2000), ("chr2", 0, 2**31 - 1), ("chr1", 4999, 2**31 - 1)
    ]  # fmt: skip
    with pytest.raises(ValueError, match="is not a region"):
        parse_regions(["chr1:x-3"])
    with pytest.raises(ValueError, match="need 1 <= start <= end"):
        parse_regions(["chr1:30-3"])
    with pytest.raises(ValueError, match="overlap; records in both would be scored twice"):
        parse_regions(["chr1:1-100", "chr2", "chr1:100-200"])


def test_records_whose_pos_lies_in_the_regions_in_region_order(indexed: Path) -> None:
    # chr1:996-1300 overlaps the deletion at 995 but does not hold its POS.
    got = [
        r.name for r in read_vcf_regions(indexed, ["chr2", "chr1:996-1300", "chrZ", "chr1:1-995"])
    ]
    assert got == ["chr2_500", "chr2_1500", "chr1_1200", "chr1_300", "chr1_600", "chr1_995"]


def test_a_region_run_scores_as_the_whole_run(analysis, indexed, tmp_path) -> None:
    analysis.variant_effect_prediction(str(indexed), ["diffs"], str(tmp_path / "all"))
    analysis.variant_effect_prediction(str(indexed), ["diffs"], str(tmp_path / "part"),
                                       regions=["chr1:500-1000", "chr2:1000-2000"],
                                       annotated_vcf=True)  # fmt: skip
    whole, part = (
        diffs_table(tmp_path / "all" / "v_diffs.tsv"),
        diffs_table(tmp_path / "part" / "v_diffs.tsv"),
    )
    assert list(part) == ["chr1_600", "chr1_995", "chr2_1500"]
    for name, values in part.items():
        np.testing.assert_allclose(values, whole[name], **PROB_DIFF)  # other batches
    with pysam.VariantFile(str(tmp_path / "part" / "v.annotated.vcf.gz")) as handle:
        annotated = [(r.id, "SELENE_NA" in r.info) for r in handle]
    assert annotated == [("chr1_600", False), ("chr1_995", False), ("chr2_1500", False)]


def test_regions_need_an_indexed_vcf(analysis, indexed, tmp_path) -> None:
    plain = indexed.with_name("v.vcf")
    with pytest.raises(ValueError, match="regions= reads v.vcf through its index"):
        analysis.variant_effect_prediction(str(plain), ["diffs"], str(tmp_path), regions=["chr1"])
    assert not list(tmp_path.glob("v_*"))


def test_from_config(checkpoint, workdir, indexed, tmp_path) -> None:
    """``python -m selene.predict analysis=vep`` with regions, annotated_vcf and its top k."""
    overrides = [
        "analysis=vep",
        f"analysis.vcf_file={indexed}",
        f"paths.log_dir={checkpoint.parents[4]}",
        f"analysis.output_dir={tmp_path / 'out'}",
        f"analyzer.reference_sequence.input_path={workdir / 'genome.fa'}",
        "+analyzer.show_progress=false",
        "analysis.save_data=[diffs]",
        "analysis.regions=[chr1:500-1000]",
        "analysis.annotated_vcf=true",
        "analysis.annotate_top_k=2",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=overrides)
    predict(cfg)
    with pysam.VariantFile(str(tmp_path / "out" / "v.annotated.vcf.gz")) as handle:
        got = [(r.id, len(r.info["SELENE_TOP"][0].split("|"))) for r in handle]
    assert got == [("chr1_600", 2), ("chr1_995", 2)]
