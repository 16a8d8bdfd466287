"""GenomicFeatures.is_positive: the Selene SDK's one-interval-at-a-time rule, derived by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from targets_helpers import Interval, write_bed

from selene.targets import GenomicFeatures

ROWS: list[Interval] = [
    ("chr1", 100, 200, "A"),
    ("chr1", 1000, 1030, "A"),  # two short A intervals, 30 bases each, in [1000, 1100)
    ("chr1", 1040, 1070, "A"),
    ("chr1", 2000, 2000, "B"),  # zero-length
    ("chr1", 3000, 8000, "B"),  # long: stored as 1024-base pieces
    ("chr1", 10_000, 11_024, "C"),  # four abutting 1024-base intervals: not one interval
    ("chr1", 11_024, 12_048, "C"),
    ("chr1", 12_048, 13_072, "C"),
    ("chr1", 13_072, 14_096, "C"),
    ("chr2", 0, 50, "A"),
]


@pytest.fixture
def bed(tmp_path: Path) -> Path:
    return write_bed(tmp_path / "rows.bed", ROWS, tabix=True)


def test_half_threshold(bed: Path) -> None:
    target = GenomicFeatures(bed, ["A", "B", "C"], feature_thresholds=0.5)
    # 100-base window: need int(100 * 0.5 - 1) = 49, so more than 49 bases of one interval.
    assert target.is_positive("chr1", 150, 250)  # A overlaps 50
    assert not target.is_positive("chr1", 151, 251)  # A overlaps 49
    # A covers 60 of [1000, 1100) with two intervals of 30: labelled 1, but no single interval
    # overlaps more than 49, so not positive (Selene's per-interval rule).
    assert target.get_feature_data("chr1", 1000, 1100).tolist() == [1, 0, 0]
    assert not target.is_positive("chr1", 1000, 1100)
    # [3000, 7000): need 1999; the one long B interval overlaps 4000, though no stored piece
    # is longer than 1024.
    assert target.is_positive("chr1", 3000, 7000)
    # [10_000, 14_000): need 1999; four C intervals of 1024 (at most 1024 each in the window).
    assert target.get_feature_data("chr1", 10_000, 14_000).tolist() == [0, 0, 1]
    assert not target.is_positive("chr1", 10_000, 14_000)
    # The zero-length B interval overlaps nothing; a chromosome without intervals is negative.
    assert not target.is_positive("chr1", 1950, 2050)
    assert not target.is_positive("chrUn", 0, 100)
    assert target.is_positive("chr2", 0, 50, strand="-") == target.is_positive("chr2", 0, 50)


def test_per_feature_and_zero_thresholds(bed: Path) -> None:
    target = GenomicFeatures(bed, ["A", "B", "C"], {"default": 0.0, "A": 0.9})
    # A needs int(100 * 0.9 - 1) = 89 of [150, 250); it has 50.
    assert not target.is_positive("chr1", 150, 250)
    # Threshold 0: need max(int(-1), 0) = 0, so one base of overlap is enough for B.
    assert target.is_positive("chr1", 7999, 8100)
    assert not target.is_positive("chr1", 8000, 8100)  # touching the end is no overlap
    assert not target.is_positive("chr1", 1950, 2050)  # zero-length: overlap 0, not > 0


def test_without_thresholds_any_overlap_counts(bed: Path) -> None:
    target = GenomicFeatures(bed, ["A", "B", "C"], feature_thresholds=None)
    assert target.feature_thresholds is None
    assert target.is_positive("chr1", 199, 300)  # one base of A
    assert not target.is_positive("chr1", 200, 300)  # A ends where the window starts
    assert not target.is_positive("chr1", 50, 100)  # A starts where the window ends
    # tabix returns the zero-length B interval strictly inside the window: with no threshold
    # it counts, as it does in get_feature_data.
    assert target.is_positive("chr1", 1950, 2050)
    assert target.get_feature_data("chr1", 1950, 2050).tolist() == [0, 1, 0]
    assert not target.is_positive("chr1", 2000, 2050)


def test_bad_arguments(bed: Path) -> None:
    target = GenomicFeatures(bed, ["A", "B", "C"])
    with pytest.raises(ValueError, match=r"strand must be None, '\+', '-' or '\.'; got 'x'"):
        target.is_positive("chr1", 0, 100, strand="x")
    with pytest.raises(ValueError, match=r"window chr1:100-100 is invalid"):
        target.is_positive("chr1", 100, 100)
    with pytest.raises(KeyError, match=r"'1' is not in rows.bed.gz, but 'chr1' is"):
        target.is_positive("1", 0, 100)


def _selene_is_positive(rows, chrom, start, end, thresholds) -> bool:
    """selene_sdk 0.6.0's rule written out: tabix's rows, then one interval at a time."""
    for c, s, e, name in rows:
        if c != chrom or not (s < end and e > start):
            continue
        if thresholds is None:
            return True
        need = max(int((end - start) * thresholds[name] - 1), 0)
        if min(e, end) - max(s, start) > need:
            return True
    return False


@pytest.mark.parametrize("thresholds", [None, 0.0, 0.3, 0.5, 1.0, {"default": 0.1, "B": 0.7}])
def test_matches_selene_rule_on_random_intervals(tmp_path: Path, thresholds) -> None:
    rng = np.random.default_rng(7)
    rows: list[Interval] = []
    for _ in range(300):
        start = int(rng.integers(0, 20_000))
        length = int(rng.choice([0, 1, 5, 50, 300, 1024, 1500, 4000]))
        rows.append(
            (str(rng.choice(["chr1", "chr2"])), start, start + length, "AB"[rng.integers(2)])
        )
    target = GenomicFeatures(write_bed(tmp_path / "r.bed", rows), ["A", "B"], thresholds)
    per_feature = None if thresholds is None else target.feature_thresholds
    for _ in range(400):
        chrom = str(rng.choice(["chr1", "chr2"]))
        start = int(rng.integers(0, 21_000))
        end = start + int(rng.choice([1, 10, 100, 1000, 3000]))
        want = _selene_is_positive(rows, chrom, start, end, per_feature)
        assert target.is_positive(chrom, start, end) == want, (chrom, start, end)
