"""Tests for selene.io.vcf: the streamed VCF reader (records, compression, bad input)."""

from __future__ import annotations

import gzip

import pysam
import pytest

from selene.io.vcf import VcfRecord, count_records, read_vcf

TEXT = (
    "##fileformat=VCFv4.2\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tSTRAND\n"
    "chr1\t10\tsnv\tA\tC,G\t.\t-\n"
    "\n"
    "chr2\t5\tins\t-\tTT\t.\t+\r\n"
    "chrM\t7\tnone\tg\t.\t.\tx\n"
)


@pytest.fixture
def vcf(tmp_path):
    path = tmp_path / "variants.vcf"
    path.write_text(TEXT)
    return path


def test_records_keep_columns_and_split_alleles(vcf):
    records = list(read_vcf(vcf, strand_index=6))
    assert [(r.chrom, r.pos, r.name, r.ref, r.alts, r.strand) for r in records] == [
        ("chr1", 10, "snv", "A", ("C", "G"), "-"),
        ("chr2", 5, "ins", "", ("TT",), "+"),
        ("chrM", 7, "none", "g", (), "."),
    ]
    assert [r.line_number for r in records] == [3, 5, 6]
    assert isinstance(records[0], VcfRecord)
    assert records[0].line == "chr1\t10\tsnv\tA\tC,G\t.\t-\n"
    assert count_records(vcf) == 3


def test_no_header_and_no_strand(tmp_path):
    path = tmp_path / "bare.vcf"
    path.write_text("1\t3\t.\tAC\tA\n")
    (record,) = read_vcf(path)
    assert (record.chrom, record.pos, record.ref, record.alts, record.strand) == (
        "1", 3, "AC", ("A",), "."
    )  # fmt: skip


def test_gzip_and_bgzip_equal_plain(vcf, tmp_path):
    gz = tmp_path / "variants.vcf.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(TEXT)
    bgz = str(vcf) + ".bgz"
    pysam.tabix_compress(str(vcf), bgz)
    plain = list(read_vcf(vcf, strand_index=6))
    assert list(read_vcf(gz, strand_index=6)) == plain
    assert list(read_vcf(bgz, strand_index=6)) == plain
    assert count_records(gz) == count_records(bgz) == len(plain)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("chr1\t0\tx\tA\tC", r"bad\.vcf line 2: POS must be a positive integer, got '0'"),
        ("chr1\t5\tx\tA\tC,<DEL>,*,Z", r"bad\.vcf line 2: ALT 'Z' has letters other than"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, row, message):
    path = tmp_path / "bad.vcf"
    path.write_text(f"#CHROM\tPOS\tID\tREF\tALT\n{row}\n")
    with pytest.raises(ValueError, match=message):
        list(read_vcf(path))


def test_bad_header_names_file(tmp_path):
    path = tmp_path / "header.vcf"
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tREF\tALT\tID\n")
    with pytest.raises(ValueError, match=r"header\.vcf line 2: the header starts with"):
        list(read_vcf(path))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.vcf"):
        list(read_vcf(tmp_path / "missing.vcf"))
