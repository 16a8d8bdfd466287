"""Tests for selene.io.fasta: query FASTA records read through pysam, plain or compressed."""

from __future__ import annotations

import bz2
import gzip

import pysam
import pytest

from selene.io.fasta import count_records, read_fasta

TEXT = ">a first record\nACgt\nNN\n>b\n\n>c\r\nTT  \r\n>  d named after a space\nG\n"
RECORDS = [("a", "ACgtNN"), ("b", ""), ("c", "TT"), ("d", "G")]


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "query.fa"
    path.write_text(TEXT)
    return path


def test_records_names_and_sequences(fasta):
    assert list(read_fasta(fasta)) == RECORDS
    assert count_records(fasta) == len(RECORDS)


def test_gzip_and_bgzip_read_the_same(fasta, tmp_path):
    gz = tmp_path / "query.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(TEXT)
    bgz = str(fasta) + ".bgz"
    pysam.tabix_compress(str(fasta), bgz)
    assert list(read_fasta(gz)) == RECORDS
    assert list(read_fasta(bgz)) == RECORDS
    assert count_records(gz) == count_records(bgz) == len(RECORDS)


def test_empty_file_has_no_records(tmp_path):
    path = tmp_path / "empty.fa"
    path.write_text("\n")
    assert list(read_fasta(path)) == []
    assert count_records(path) == 0


def test_sequence_before_header_names_file_and_line(tmp_path):
    path = tmp_path / "headless.fa"
    path.write_text("\nACGT\n>a\nAC\n")
    with pytest.raises(ValueError, match=r"headless\.fa line 2: sequence before any '>' header"):
        list(read_fasta(path))
    with pytest.raises(ValueError, match=r"headless\.fa line 2"):
        count_records(path)


def test_fastq_is_refused(tmp_path):
    path = tmp_path / "reads.fq"
    path.write_text("@r1\nACGT\n+\nIIII\n")
    with pytest.raises(ValueError, match=r"reads\.fq line 1: .*is this a FASTA file"):
        list(read_fasta(path))


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.fa"):
        list(read_fasta(tmp_path / "missing.fa"))
    path = tmp_path / "query.fa.bz2"
    path.write_bytes(bz2.compress(TEXT.encode()))
    with pytest.raises(ValueError, match="bzip2-compressed"):
        list(read_fasta(path))
