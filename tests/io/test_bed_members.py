"""A bgzipped BED is many gzip members: every one is read, in order."""

from __future__ import annotations

import gzip

import numpy as np
import pysam

from selene.io.bed import read_bed


def test_every_bgzip_member_is_read(tmp_path) -> None:
    n = 20_000  # ~400 kB of text: bgzip writes ~7 members of 64 kB
    plain = tmp_path / "many.bed"
    plain.write_text("".join(f"chr1\t{i * 10}\t{i * 10 + 5}\tf{i % 7}\n" for i in range(n)))
    pysam.tabix_compress(str(plain), str(tmp_path / "many.bed.gz"))
    members = (tmp_path / "many.bed.gz").read_bytes().count(b"\x1f\x8b\x08\x04")
    bed = read_bed(tmp_path / "many.bed.gz")
    assert members > 5 and bed.compressed
    np.testing.assert_array_equal(bed.starts, np.arange(n) * 10)
    assert bed.names == tuple(f"f{i}" for i in range(7))


def test_concatenated_gzip_members_are_read(tmp_path) -> None:
    path = tmp_path / "cat.bed.gz"
    path.write_bytes(gzip.compress(b"chr1\t0\t5\ta\n") + gzip.compress(b"chr2\t7\t9\tb\n"))
    bed = read_bed(path)
    assert bed.chroms == ("chr1", "chr2") and bed.ends.tolist() == [5, 9]
