"""BED files read for GenomicFeatures: formats, headers, and file:line errors for bad lines."""

from __future__ import annotations

import gzip
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest

from selene.io.bed import read_bed
from selene.targets import GenomicFeatures, _index


def test_headers_crlf_extra_columns_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_bytes(
        b"# comment\r\ntrack name=x\nbrowser position chr1\n\n"
        b"chr1\t10\t20\tA\t0\t+\r\nchr2\t5\t6\tB\nchr1\t0\t5\tB\n"
    )
    bed = read_bed(path)
    assert bed.chroms == ("chr1", "chr2") and bed.names == ("A", "B")
    assert bed.chrom.tolist() == [0, 1, 0] and bed.name.tolist() == [0, 1, 1]
    assert bed.starts.tolist() == [10, 5, 0] and bed.ends.tolist() == [20, 6, 5]
    assert not bed.compressed


def test_bgzip_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.bed.gz"
    path.write_bytes(gzip.compress(b"chrA\t1\t2\tF\n") + gzip.compress(b"chrA\t3\t4\tF\n"))
    bed = read_bed(path)
    assert bed.compressed and bed.starts.tolist() == [1, 3]


def test_empty_bed_gives_zeros(tmp_path: Path) -> None:
    path = tmp_path / "empty.bed"
    path.write_text("# nothing here\n")
    target = GenomicFeatures(path, ["A"])
    np.testing.assert_array_equal(target.get_feature_data("chr1", 0, 10), [0])
    assert target.absent_features == ["A"]


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("chr1\t10\t20", "too few columns"),
        ("chr1 10 20 A", "too few columns"),
        ("chr1\tabc\t20\tA", "start is not a non-negative integer"),
        ("chr1\t-5\t20\tA", "start is not a non-negative integer"),
        ("chr1\t10\t2.5\tA", "end is not a non-negative integer"),
        ("chr1\t10\t\tA", "end is not a non-negative integer"),
        ("chr1\t30\t20\tA", "start > end"),
        ("chr1\t10\t20\t\t7", "empty chromosome or feature name"),
        ("\t10\t20\tA", "empty chromosome or feature name"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, match: str) -> None:
    path = tmp_path / "bad.bed"
    path.write_text(f"# header\nchr1\t0\t10\tA\n{line}\nchr1\t0\t10\tA\n")
    with pytest.raises(ValueError, match=rf"bad.bed:3: {match}"):
        GenomicFeatures(path, ["A"])


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="BED file not found: .*nope.bed"):
        GenomicFeatures(tmp_path / "nope.bed", ["A"])
    corrupt = tmp_path / "bad.bed.gz"
    corrupt.write_bytes(gzip.compress(b"chr1\t0\t10\tA\n")[:-6])
    with pytest.raises(ValueError, match="cannot decompress .*bad.bed.gz"):
        GenomicFeatures(corrupt, ["A"])
    latin = tmp_path / "latin.bed"
    latin.write_bytes(b"chr1\t0\t10\t\xe9t\xe9\n")
    with pytest.raises(ValueError, match="is not valid UTF-8"):
        GenomicFeatures(latin, ["A"])


def test_long_intervals_are_split_without_changing_labels(tmp_path: Path) -> None:
    path = tmp_path / "long.bed"
    path.write_text("chr1\t0\t100000\tA\nchr1\t500\t600\tB\nchr1\t99990\t100010\tB\n")
    ref = GenomicFeatures(path, ["A", "B"], binary=False)
    with patch.object(_index, "MAX_PIECE", 3):
        split = GenomicFeatures(path, ["A", "B"], binary=False)
    assert split._starts.size > 30000
    starts = np.arange(0, 100100, 97)
    chroms = ["chr1"] * starts.size
    np.testing.assert_array_equal(
        split.get_feature_data_batch(chroms, starts, starts + 200),
        ref.get_feature_data_batch(chroms, starts, starts + 200),
    )


def test_names_are_interned_exactly_in_order_of_first_appearance(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    chroms = [f"c{i}" for i in rng.integers(0, 100, 3000)]  # > 32 distinct: the table grows
    names = [f"f{i}" if i % 3 else f"f{i}x" for i in rng.integers(0, 2000, 3000)]
    names[:3] = ["A", "AB", "A"]  # a name that is a prefix of another
    path = tmp_path / "many.bed"
    path.write_text("".join(f"{c}\t1\t2\t{n}\n" for c, n in zip(chroms, names, strict=True)))
    bed = read_bed(path)
    assert list(bed.chroms) == list(dict.fromkeys(chroms))
    assert list(bed.names) == list(dict.fromkeys(names))
    assert [bed.chroms[c] for c in bed.chrom] == chroms
    assert [bed.names[c] for c in bed.name] == names


def test_coordinates_past_int32(tmp_path: Path) -> None:
    path = tmp_path / "big.bed"
    path.write_text("chr1\t3000000000\t3000000100\tA\nchr1\t10\t20\tA\n")
    target = GenomicFeatures(path, ["A"], binary=False)
    assert target._starts.dtype == np.int64
    out = target.get_feature_data_batch(["chr1", "chr1"], [3000000050, 0], [3000000250, 20])
    np.testing.assert_array_equal(out, np.float32([[0.25], [0.5]]))
