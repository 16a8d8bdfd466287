"""selene.io.bed: one set of rules for the bulk reader and the streamed rows."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from selene.io.bed import iter_rows, read_bed, row_problem

BAD_LINES = [  # (line, columns, problem)
    ("chr1\t10", 3, "too few columns (need 3, tab-separated: chrom start end)"),
    ("chr1 10 20", 3, "too few columns (need 3, tab-separated: chrom start end)"),
    ("chr1\t10\t20", 4, "too few columns (need 4, tab-separated: chrom start end name)"),
    ("chr1\tfive\t20", 3, "start is not a non-negative integer"),
    ("chr1\t-5\t20", 3, "start is not a non-negative integer"),
    ("chr1\t1" + "0" * 18 + "\t20", 3, "start is not a non-negative integer"),
    ("chr1\t10\t2.5", 3, "end is not a non-negative integer"),
    ("chr1\t10\t", 3, "end is not a non-negative integer"),
    ("chr1\t30\t20", 3, "start > end"),
    ("\t10\t20", 3, "empty chromosome or feature name"),
    ("chr1\t10\t20\t\tx", 4, "empty chromosome or feature name"),
]


@pytest.mark.parametrize(("line", "columns", "problem"), BAD_LINES)
def test_bulk_and_streamed_readers_agree_on_bad_lines(
    tmp_path: Path, line: str, columns: int, problem: str
) -> None:
    path = tmp_path / "bad.bed"
    path.write_text(f"track name=x\nchr1\t0\t10\tA\n{line}\nchr1\t0\t10\tA\n")
    with pytest.raises(ValueError, match=rf"bad.bed:3: {re.escape(problem)}: '"):
        read_bed(path, columns=columns)
    rows = list(iter_rows(path, columns=columns))
    assert [r.number for r in rows] == [2, 3, 4]
    assert [r.problem for r in rows] == [None, problem, None]
    assert row_problem(line.split("\t"), columns) == problem


def test_good_lines_are_good_in_both_readers(tmp_path: Path) -> None:
    lines = ["chr1\t0\t0\tA", "chr1\t5\t9\tB\t0\t-", "c\t" + "9" * 18 + "\t" + "9" * 18 + "\tA"]
    path = tmp_path / "ok.bed"
    path.write_text("\n".join(lines) + "\n")
    bed = read_bed(path)
    assert bed.starts.tolist() == [0, 5, 10**18 - 1] and bed.names == ("A", "B")
    assert [r.problem for r in iter_rows(path, columns=4)] == [None, None, None]


def test_headers_blank_lines_and_crlf_are_skipped_alike(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_bytes(
        b"# comment\r\ntrack name=x\nbrowser position chr1\n\n \t \n"
        b"chr1\t10\t20\r\ntracked\t1\t2\nchr2\t5\t6\n"
    )
    bed = read_bed(path, columns=3)
    assert bed.chroms == ("chr1", "tracked", "chr2") and bed.names == ()
    assert bed.name.size == 0 and bed.starts.tolist() == [10, 1, 5]
    assert bed.starts.dtype == np.int64 and bed.lines is None and bed.extra is None
    rows = list(iter_rows(path))
    assert [(r.number, r.fields[0], r.problem) for r in rows] == [
        (6, "chr1", None),
        (7, "tracked", None),
        (8, "chr2", None),
    ]


def test_extra_columns_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.bed.gz"
    with gzip.open(path, "wt") as out:
        out.write("# h\nchr1\t1\t2\nchr1\t3\t4\t+\t0;3\nchr2\t5\t6\t-\t\n")
    bed = read_bed(path, columns=3, extra=True)
    assert bed.compressed and bed.lines is not None
    assert bed.lines.tolist() == [2, 3, 4]
    assert bed.extra == ((), ("+", "0;3"), ("-", ""))


def test_extra_columns_after_the_name(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t1\t2\tA\t7\t+\nchr1\t3\t4\tB\n")
    bed = read_bed(path, columns=4, extra=True)
    assert bed.names == ("A", "B") and bed.extra == (("7", "+"), ())


def test_bad_arguments_and_text(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t1\t2\n")
    with pytest.raises(ValueError, match="columns must be 3 or 4"):
        read_bed(path, columns=5)
    with pytest.raises(ValueError, match="columns must be 3 or 4"):
        next(iter_rows(path, columns=2))
    with pytest.raises(FileNotFoundError, match="BED file not found: .*nope.bed"):
        read_bed(tmp_path / "nope.bed")
    path.write_bytes(b"chr1\t1\t2\t\xe9t\xe9\n")
    with pytest.raises(ValueError, match=r"x.bed:1: .* is not valid UTF-8"):
        read_bed(path, columns=3, extra=True)
    with pytest.raises(ValueError, match=r"x.bed: .* is not valid UTF-8"):
        read_bed(path, columns=4)
