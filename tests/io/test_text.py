"""Tests for selene.io.text: compression sniffing and streamed reads of multi-member bgzip."""

from __future__ import annotations

import bz2
import gzip

import pysam
import pytest

from selene.io.text import compression, open_text, read_bytes


def test_compression_tells_plain_gzip_and_bgzf(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("chr1\t0\t10\n")
    gz = tmp_path / "a.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write("chr1\t0\t10\n")
    bgz = tmp_path / "b.txt"
    bgz.write_text("chr1\t0\t10\n")
    pysam.tabix_compress(str(bgz), str(bgz) + ".gz")
    assert compression(plain) == "plain"
    assert compression(gz) == "gzip"
    assert compression(str(bgz) + ".gz") == "bgzf"


def test_multi_member_bgzip_reads_whole(tmp_path):
    lines = [f"chr1\t{i}\t{i + 10}\tf{i % 7}\n" for i in range(60_000)]  # ~1.2 MB: ~20 blocks
    plain = tmp_path / "many.bed"
    plain.write_text("".join(lines))
    pysam.tabix_compress(str(plain), str(plain) + ".gz")
    data, compressed = read_bytes(str(plain) + ".gz")
    assert compressed
    assert data == plain.read_bytes()
    with open_text(str(plain) + ".gz") as handle:
        assert handle.readlines() == lines


def test_other_compressions_are_refused(tmp_path):
    path = tmp_path / "a.bed.bz2"
    path.write_bytes(bz2.compress(b"chr1\t0\t10\n"))
    with pytest.raises(ValueError, match="bzip2-compressed"):
        compression(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "cut.bed.gz"
    path.write_bytes(gzip.compress(b"chr1\t0\t10\n" * 1000)[:-20])
    with pytest.raises(ValueError, match="cannot decompress .*cut.bed.gz"):
        read_bytes(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.bed"):
        compression(tmp_path / "nope.bed")
