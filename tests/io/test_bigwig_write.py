"""selene.io.bigwig's writer: value_runs and write_bigwig, read back with pyBigWig."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyBigWig
import pytest

from selene.io.bigwig import value_runs, write_bigwig

SIZES = {"chr2": 300, "chr10": 120, "chr1": 50}


def read(path: Path, chrom: str) -> np.ndarray:
    bw = pyBigWig.open(str(path))
    try:
        return np.array(bw.values(chrom, 0, bw.chroms(chrom)))
    finally:
        bw.close()


def test_value_runs() -> None:
    starts, ends, run_values = value_runs(np.array([np.nan, 1, 1, 2, np.nan, np.nan, 0, 0, 3]), 10)
    assert starts.tolist() == [11, 13, 16, 18]
    assert ends.tolist() == [13, 14, 18, 19]
    assert run_values.tolist() == [1, 2, 0, 3]
    assert [a.size for a in value_runs(np.array([]))] == [0, 0, 0]
    assert [a.size for a in value_runs(np.full(4, np.nan))] == [0, 0, 0]
    with pytest.raises(ValueError, match="one-dimensional, got shape \\(2, 2\\)"):
        value_runs(np.zeros((2, 2)))


def test_round_trip_equals_the_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    dense = {}
    for chrom, length in SIZES.items():
        v = rng.integers(0, 4, length).astype(np.float64) * 0.25 - 0.5
        v[rng.random(length) < 0.2] = np.nan
        dense[chrom] = v
    # a chromosome's runs may come in several blocks, one after another
    blocks = []
    for chrom, v in dense.items():
        blocks += [(chrom, *value_runs(v[:100])), (chrom, *value_runs(v[100:], offset=100))]
    path = write_bigwig(tmp_path / "out.bw", SIZES, blocks)
    assert path == tmp_path / "out.bw"
    bw = pyBigWig.open(str(path))
    assert list(bw.chroms().items()) == list(SIZES.items())  # the header keeps the order
    bw.close()
    for chrom, v in dense.items():
        np.testing.assert_array_equal(read(path, chrom), v)
    write_bigwig(path, SIZES, [("chr1", [0], [50], [7.5])])  # an existing file is replaced
    np.testing.assert_array_equal(read(path, "chr1"), np.full(50, 7.5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bw"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it


@pytest.mark.parametrize(
    ("blocks", "match"),
    [
        ([("chrX", [0], [5], [1.0])], "block 0 \\(chrX\\): chromosome not in chrom_sizes"),
        (
            [("chr1", [0], [5], [1.0]), ("chr2", [0], [5], [1.0]), ("chr1", [9], [12], [1.0])],
            "block 2 \\(chr1\\): its chromosome came earlier",
        ),
        ([("chr1", [0, 5], [5], [1.0])], "one-dimensional and of one length"),
        ([("chr1", [5], [5], [1.0])], "ends at or before its start"),
        ([("chr1", [0, 3], [5, 8], [1.0, 2.0])], "unsorted or overlap"),
        ([("chr1", [10], [20], [1.0]), ("chr1", [15], [18], [1.0])], "unsorted or overlap"),
        ([("chr1", [40], [51], [1.0])], "outside the chromosome \\(0-50\\)"),
        ([("chr1", [-1], [5], [1.0])], "outside the chromosome"),
        ([("chr1", [0], [5], [np.nan])], "NaN or infinite"),
        ([], "no block holds an interval"),
        ([("chr1", [], [], [])], "no block holds an interval"),
    ],
)
def test_bad_blocks_are_refused_and_leave_no_file(
    tmp_path: Path, blocks: list, match: str
) -> None:
    with pytest.raises(ValueError, match=f"cannot write .*out.bw: .*{match}"):
        write_bigwig(tmp_path / "out.bw", SIZES, blocks)
    assert list(tmp_path.iterdir()) == []


def test_an_error_of_the_blocks_reaches_the_caller(tmp_path: Path) -> None:
    def blocks():
        yield "chr1", [0], [5], [1.0]
        raise RuntimeError("the model failed")

    with pytest.raises(RuntimeError, match="the model failed"):
        write_bigwig(tmp_path / "out.bw", SIZES, blocks())
    assert list(tmp_path.iterdir()) == []
