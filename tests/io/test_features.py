"""Tests for selene.io.features: the one feature-list reader (lists, one-name-per-line files)."""

from __future__ import annotations

import pytest

from selene.interpret import ISMResult
from selene.io.features import read_features


def test_file_names_are_stripped_and_blank_lines_skipped(tmp_path):
    path = tmp_path / "features.txt"
    path.write_text("  A\t\n\nB\r\nC\n\n")
    assert read_features(path) == ["A", "B", "C"]
    assert read_features(str(path)) == ["A", "B", "C"]


def test_list_names_are_kept_as_given():
    assert read_features(("A", "B|x", 3)) == ["A", "B|x", "3"]


def test_duplicate_in_file_names_both_lines(tmp_path):
    path = tmp_path / "dups.txt"
    path.write_text("A\nB\n\nA\n")
    with pytest.raises(
        ValueError, match=r"'A' is listed more than once in .*dups\.txt \(line 1 and line 4\)"
    ):
        read_features(path)


def test_duplicate_in_list_names_both_positions():
    with pytest.raises(
        ValueError, match=r"'B' is listed more than once \(position 1 and position 2\)"
    ):
        read_features(["A", "B", "B"])


def test_blank_name_in_list():
    with pytest.raises(ValueError, match="the name at position 1 is blank"):
        read_features(["A", " ", "B"])


def test_empty_list_and_file(tmp_path):
    with pytest.raises(ValueError, match="the features list is empty:"):
        read_features([])
    path = tmp_path / "empty.txt"
    path.write_text("\n \n")
    with pytest.raises(ValueError, match=r"the features list is empty in .*empty\.txt"):
        read_features(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"features file not found: .*nope\.txt"):
        read_features(tmp_path / "nope.txt")


def test_interpret_refuses_duplicate_feature_names(tmp_path):
    """The reader of prediction files takes its names from this reader, so it refuses them too."""
    out = tmp_path / "seq_predictions.tsv"
    out.write_text("pos\tref\talt\tf1\tf2\n0\tA\tC\t0.1\t0.2\n")
    with pytest.raises(
        ValueError, match=r"'f' is listed more than once \(position 0 and position 1\)"
    ):
        ISMResult.from_file(out, features=["f", "f"])
