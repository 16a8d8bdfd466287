"""GenomicFeatures: construction, inputs, errors, warnings, logging, pickling."""

from __future__ import annotations

import gzip
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from targets_helpers import Interval, write_bed

from selene.targets import GenomicFeatures, Target
from selene.targets._thresholds import min_overlap
from selene.utils.warnings import SeleneWarning

FEATURES = ["A", "B", "C"]


@pytest.fixture
def bed(tmp_path: Path, toy_rows: list[Interval]) -> Path:
    return write_bed(tmp_path / "toy.bed", toy_rows, tabix=True)


def test_attributes(bed: Path) -> None:
    target = GenomicFeatures(bed, FEATURES)
    assert isinstance(target, Target)
    assert target.features == FEATURES
    assert target.n_features == 3
    assert target.feature_index_dict == {"A": 0, "B": 1, "C": 2}
    assert target.index_feature_dict == {0: "A", 1: "B", 2: "C"}
    assert target.feature_thresholds == {"A": 0.5, "B": 0.5, "C": 0.5}
    assert GenomicFeatures(bed, FEATURES, None).feature_thresholds is None
    assert "n_features=3" in repr(target)


def test_labels_and_fractions(bed: Path) -> None:
    target = GenomicFeatures(bed, FEATURES, feature_thresholds=0.5)
    out = target.get_feature_data("chr1", 100, 200)
    assert out.dtype == np.float32 and out.shape == (3,)
    np.testing.assert_array_equal(out, [1, 0, 0])
    # [180, 380): A covers 180..300 (overlapping intervals merge: 120 bases), B's 300-300 is
    # zero-length and C is absent.
    frac = GenomicFeatures(bed, FEATURES, binary=False).get_feature_data("chr1", 180, 380)
    np.testing.assert_array_equal(frac, np.float32([120 / 200, 0, 0]))
    # No interval on that chromosome: all zeros, as Selene.
    np.testing.assert_array_equal(target.get_feature_data("chrUn", 0, 100), [0, 0, 0])


def test_batch_by_name_and_id_with_mixed_lengths(bed: Path) -> None:
    target = GenomicFeatures(bed, FEATURES, None)
    chroms = ["chr1", "chr2", "chr1", "chrUn"]
    starts, ends = np.array([100, 10, 450, 5]), np.array([101, 20, 550, 6])
    want = np.stack([target.get_feature_data(*w) for w in zip(chroms, starts, ends, strict=True)])
    np.testing.assert_array_equal(target.get_feature_data_batch(chroms, starts, ends), want)
    ids = target.chrom_ids(chroms)
    assert ids.dtype == np.int32 and ids.tolist() == [0, 1, 0, -1]
    np.testing.assert_array_equal(target.get_feature_data_batch(ids, starts, ends), want)
    assert target.get_feature_data_batch([], [], []).shape == (0, 3)


def test_features_from_file(bed: Path, tmp_path: Path) -> None:
    path = tmp_path / "features.txt"
    path.write_text("A\n\nB\nC\n")
    assert GenomicFeatures(bed, path).features == FEATURES
    assert GenomicFeatures(bed, str(path)).features == FEATURES


@pytest.mark.parametrize(
    ("features", "error", "match"),
    [
        ([], ValueError, "features list is empty"),
        (["A", "B", "A"], ValueError, "'A' is listed more than once"),
        ("no/such/features.txt", FileNotFoundError, "features file not found"),
    ],
)
def test_bad_features(bed: Path, features: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GenomicFeatures(bed, features)


def test_empty_features_file(bed: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match="features list is empty in .*empty.txt"):
        GenomicFeatures(bed, tmp_path / "empty.txt")


@pytest.mark.parametrize(
    ("thresholds", "error", "match"),
    [
        (1.5, ValueError, r"must lie in \[0, 1\]; got 1.5 for feature 'A'"),
        (-0.1, ValueError, r"must lie in \[0, 1\]"),
        ({"A": 0.3}, ValueError, "no 'default' key"),
        ({"default": 0.5, "B": 2.0}, ValueError, "got 2.0 for feature 'B'"),
        (lambda name: float("nan"), ValueError, "must lie in"),
        ("0.5", TypeError, "got str"),
        (True, TypeError, "got bool"),
    ],
)
def test_bad_thresholds(bed: Path, thresholds: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GenomicFeatures(bed, FEATURES, feature_thresholds=thresholds)


def test_threshold_forms(bed: Path) -> None:
    values = {"A": 0.25, "B": 1.0, "C": 0.75}
    by_dict = GenomicFeatures(bed, FEATURES, {"default": 0.75, "A": 0.25, "B": 1})
    by_func = GenomicFeatures(bed, FEATURES, values.__getitem__)
    full = GenomicFeatures(bed, FEATURES, dict(values))  # every feature given: no default needed
    assert GenomicFeatures(bed, FEATURES, np.float32(0.25)).feature_thresholds["A"] == 0.25
    assert by_dict.feature_thresholds == by_func.feature_thresholds == full.feature_thresholds
    with pytest.warns(SeleneWarning, match=r"not in the features list, ignored: \['Z'\]"):
        GenomicFeatures(bed, FEATURES, {"default": 0.5, "Z": 0.1})


def test_fraction_to_bases_uses_selenes_float32_arithmetic(tmp_path: Path) -> None:
    # float32(0.7) * 100 - 1 is 69.0 in float32 (68.99... in float64): 69 bases are not
    # enough, 70 are.
    assert min_overlap(np.float32([0.7, 0.3, 0.5]), 3, 100).tolist() == [69, 29, 49]
    assert min_overlap(None, 2, 100).tolist() == [-1, -1]
    path = write_bed(tmp_path / "x.bed", [("chr1", 0, 69, "A"), ("chr1", 0, 70, "B")])
    target = GenomicFeatures(path, ["A", "B"], feature_thresholds=0.7)
    np.testing.assert_array_equal(target.get_feature_data("chr1", 0, 100), [0, 1])


def test_unknown_features_skipped_with_one_warning(tmp_path: Path) -> None:
    rows = [("chr1", 0, 100, "A"), ("chr1", 0, 100, "X"), ("chr1", 50, 90, "Y")]
    rows += [("chr1", 10, 20, "X")] * 5
    path = write_bed(tmp_path / "x.bed", rows)
    with pytest.warns(SeleneWarning, match=r"7 interval\(s\) of 2 feature\(s\)") as record:
        target = GenomicFeatures(path, ["A"])
    assert len([w for w in record if issubclass(w.category, SeleneWarning)]) == 1
    np.testing.assert_array_equal(target.get_feature_data("chr1", 0, 100), [1])


def test_plain_and_unsorted_bed_are_logged(
    tmp_path: Path, toy_rows: list[Interval], caplog: pytest.LogCaptureFixture
) -> None:
    path = write_bed(tmp_path / "unsorted.bed", toy_rows[::-1])
    with caplog.at_level(logging.INFO, logger="selene.targets"):
        target = GenomicFeatures(path, FEATURES)
    assert "plain (not bgzipped) BED" in caplog.text
    assert "not sorted by chromosome and start: sorted it in memory" in caplog.text
    ref = GenomicFeatures(write_bed(tmp_path / "sorted.bed", toy_rows, tabix=True), FEATURES)
    starts = np.arange(0, 700, 13)
    chroms = ["chr1"] * starts.size
    np.testing.assert_array_equal(
        target.get_feature_data_batch(chroms, starts, starts + 50),
        ref.get_feature_data_batch(chroms, starts, starts + 50),
    )


def test_gzip_without_index(tmp_path: Path, toy_rows: list[Interval]) -> None:
    plain = write_bed(tmp_path / "toy.bed", toy_rows)
    gz = tmp_path / "toy.bed.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    target = GenomicFeatures(gz, FEATURES, None)
    np.testing.assert_array_equal(target.get_feature_data("chr2", 0, 10), [1, 0, 0])


def test_chr_prefix_mismatch(bed: Path) -> None:
    target = GenomicFeatures(bed, FEATURES)
    with pytest.raises(KeyError, match=r"'1' is not in toy.bed.gz, but 'chr1' is.*'chr' prefix"):
        target.get_feature_data("1", 0, 100)
    with pytest.raises(KeyError, match="'chr' prefix"):
        target.chrom_ids(["chr1", "chrUn", "2"])


@pytest.mark.parametrize(
    ("chroms", "starts", "ends", "error", "match"),
    [
        (["chr1"], [-5], [10], ValueError, r"window 0 \[-5, 10\) is invalid"),
        (["chr1", "chr1"], [0, 10], [5, 10], ValueError, r"window 1 \[10, 10\) is invalid"),
        (["chr1"], [20], [10], ValueError, "need 0 <= start < end"),
        (["chr1"], [0.5], [10], TypeError, "must be integers"),
        (["chr1"], [0, 1], [10, 11], ValueError, "must be 1-D of one length"),
        (np.array([7]), [0], [10], ValueError, r"chromosome id 7 out of range \[-1, 2\)"),
    ],
)
def test_bad_windows(bed: Path, chroms, starts, ends, error: type, match: str) -> None:
    target = GenomicFeatures(bed, FEATURES)
    with pytest.raises(error, match=match):
        target.get_feature_data_batch(chroms, starts, ends)


def test_single_query_validates(bed: Path) -> None:
    with pytest.raises(ValueError, match="need 0 <= start < end"):
        GenomicFeatures(bed, FEATURES).get_feature_data("chr1", 200, 100)


def test_pickles_with_a_lambda_threshold(bed: Path) -> None:
    target = GenomicFeatures(bed, FEATURES, lambda name: 0.1 if name == "A" else 0.9)
    clone = pickle.loads(pickle.dumps(target))
    starts = np.arange(0, 600, 7)
    chroms = ["chr1"] * starts.size
    np.testing.assert_array_equal(
        clone.get_feature_data_batch(chroms, starts, starts + 100),
        target.get_feature_data_batch(chroms, starts, starts + 100),
    )


def test_target_fallback_batch() -> None:
    class Const(Target):
        def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
            return np.array([start, end])

    out = Const().get_feature_data_batch(["c", "c"], [1, 2], [3, 4])
    np.testing.assert_array_equal(out, np.float32([[1, 3], [2, 4]]))
    with pytest.raises(ValueError, match="at least one window"):
        Const().get_feature_data_batch([], [], [])
    with pytest.raises(TypeError):
        Target()  # abstract
