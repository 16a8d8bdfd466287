"""BigWigTargets: values equal pyBigWig's; bins, crops and transforms equal numpy on them."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from bigwig_helpers import SIZES, assert_bins_close, oracle, random_windows, write_bigwig

from selene.targets import BigWigTargets, check_target


@pytest.fixture
def tracks(tmp_path):
    return [
        write_bigwig(tmp_path / "a.bw", SIZES, seed=1),
        write_bigwig(tmp_path / "b.bigWig", SIZES, seed=2, scale=100.0, gap=0.6),
    ]


def _expected(paths, chroms, starts, ends):
    return np.stack(
        [
            np.stack([oracle(p, c, int(s), int(e)) for p in paths])
            for c, s, e in zip(chroms, starts, ends, strict=True)
        ]
    )


def test_values_equal_pybigwig_across_ends_and_gaps(tracks):
    target = BigWigTargets(tracks)
    rng = np.random.default_rng(0)
    chroms, starts, ends = random_windows(rng, SIZES, 300, 120)
    got = target.get_feature_data_batch(chroms, starts, ends)
    want = _expected(tracks, chroms, starts, ends)
    assert got.dtype == np.float32 and got.shape == (300, 2, 120)
    np.testing.assert_array_equal(got, want)
    # The windows cover gaps, data, both chromosome ends and bases outside the chromosome.
    assert (want == 0).any() and (want != 0).any()
    assert (starts < 0).any() and (ends > np.array([SIZES[c] for c in chroms])).any()


def test_one_window_equals_the_batch(tracks):
    target = BigWigTargets(tracks)
    row = target.get_feature_data("chr2", 2950, 3050)
    np.testing.assert_array_equal(row, _expected(tracks, ["chr2"], [2950], [3050])[0])
    np.testing.assert_array_equal(row[:, 51:], 0)  # past chr2's end (3001)


@pytest.mark.parametrize("aggregation", ["mean", "sum", "max"])
def test_bins_equal_numpy_on_the_bases(tracks, aggregation):
    target = BigWigTargets(tracks, bin_size=20, aggregation=aggregation)
    chroms, starts, ends = random_windows(np.random.default_rng(1), SIZES, 100, 200)
    got = target.get_feature_data_batch(chroms, starts, ends)
    bases = _expected(tracks, chroms, starts, ends).astype(np.float64).reshape(100, 2, 10, 20)
    assert got.shape == (100, 2, 10)
    assert_bins_close(got, bases, aggregation)
    assert target.label_shape(200) == (2, 10)


def test_whole_window_values_with_crop_and_transform(tracks):
    plain = BigWigTargets(tracks, bin_size=None, center_crop=50)
    target = BigWigTargets(tracks, bin_size=None, center_crop=50, transform="log1p")
    starts = np.array([100, 1000, 4990])
    ends = starts + np.array([50, 71, 200])  # lengths may differ without bins
    got = plain.get_feature_data_batch(["chr1"] * 3, starts, ends)
    crop = starts + (ends - starts - 50) // 2
    bases = _expected(tracks, ["chr1"] * 3, crop, crop + 50).astype(np.float64)
    assert got.shape == (3, 2) and target.label_shape(71) == (2,)
    assert_bins_close(got, bases)  # 50 values: two blocks
    with np.errstate(invalid="ignore"):
        want = np.log1p(got)
    np.testing.assert_array_equal(target.get_feature_data_batch(["chr1"] * 3, starts, ends), want)
    assert not target.never_nan  # log1p of a value below -1 is NaN


def test_bins_cover_the_middle_of_a_window_bin_size_does_not_divide(tracks):
    target = BigWigTargets(tracks, bin_size=32, aggregation="sum")
    got = target.get_feature_data_batch(["chr1", "chrM"], [700, 250], [1700, 1250])
    assert got.shape == (2, 2, 31) and target.label_shape(1000) == (2, 31)
    # 1000 = 31 * 32 + 8: the bins start 4 bases in.
    bases = _expected(tracks, ["chr1", "chrM"], [704, 254], [1696, 1246]).astype(np.float64)
    assert_bins_close(got, bases.reshape(2, 2, 31, 32), "sum")


def test_callable_transform_and_crop_with_bins(tracks):
    target = BigWigTargets(tracks, bin_size=10, center_crop=40, transform=np.negative)
    got = target.get_feature_data_batch(["chr2", "chr2"], [0, 500], [100, 600])
    bases = _expected(tracks, ["chr2"] * 2, [30, 530], [70, 570]).astype(np.float64)
    assert_bins_close(-got, bases.reshape(2, 2, 4, 10))
    assert target.label_shape(100) == (2, 4)


def test_chr_prefix_and_mitochondria_are_reconciled(tracks):
    target = BigWigTargets(tracks)
    ids = target.chrom_ids(["chr1", "1", "chrM", "MT", "M", "chr9"])
    np.testing.assert_array_equal(ids, [0, 0, 2, 2, 2, -1])
    np.testing.assert_array_equal(
        target.get_feature_data("2", 10, 90), target.get_feature_data("chr2", 10, 90)
    )
    by_id = target.get_feature_data_batch(np.array([1, 0]), [5, 5], [25, 25])
    np.testing.assert_array_equal(
        by_id, target.get_feature_data_batch(["chr2", "1"], [5] * 2, [25] * 2)
    )


def test_unknown_chromosome_names_the_files(tracks):
    target = BigWigTargets(tracks)
    with pytest.raises(KeyError, match=r"'chr9' is in none of the bigWig files .*a\.bw"):
        target.get_feature_data("chr9", 0, 10)
    with pytest.raises(KeyError, match=r"chromosome id -1 is not a chromosome of .*b\.bigWig"):
        target.get_feature_data_batch(np.array([-1]), [0], [10])


def test_it_is_a_target_that_pickles_without_its_memory_maps(tracks):
    target = check_target(BigWigTargets(tracks, names=["x", "y"], bin_size=4), "test")
    assert target.features == ["x", "y"] and target.n_features == 2 and target.never_nan
    before = target.get_feature_data_batch(["chr1"], [0], [64])
    blob = pickle.dumps(target)
    assert len(blob) < 20_000  # no track data travels to the workers
    clone = pickle.loads(blob)
    np.testing.assert_array_equal(clone.get_feature_data_batch(["chr1"], [0], [64]), before)


def test_default_names_drop_the_suffix(tracks):
    assert BigWigTargets(tracks).features == ["a", "b"]
