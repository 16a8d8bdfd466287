"""BigWigTargets: its per-base cache (reuse, rebuild, float16) and the errors of its inputs."""

from __future__ import annotations

import os

import numpy as np
import pybigtools
import pyBigWig
import pytest
from bigwig_helpers import SIZES, assert_bins_close, oracle, random_windows, write_bigwig

from selene.targets import BigWigTargets
from selene.utils.warnings import SeleneWarning


@pytest.fixture
def track(tmp_path):
    return write_bigwig(tmp_path / "a.bw", SIZES, seed=1)


def test_cache_lies_beside_the_bigwig_and_is_reused(track):
    first = BigWigTargets(track, cache_resolution="base")
    (cache,) = first.cache_files
    assert cache.parent.name == "a.bw.selcache" and cache.parent.parent == track.parent
    assert np.load(cache, mmap_mode="r").shape == (sum(SIZES.values()),)
    stamp = cache.stat().st_mtime_ns
    again = BigWigTargets(track, cache_resolution="base")
    assert again.cache_files == [cache] and cache.stat().st_mtime_ns == stamp


def test_changed_bigwig_gets_a_new_cache(track, tmp_path):
    old = BigWigTargets(track, cache_dir=tmp_path / "cache")
    write_bigwig(track, SIZES, seed=7)  # same path and chromosomes, other values
    new = BigWigTargets(track, cache_dir=tmp_path / "cache")
    assert new.cache_files != old.cache_files and not old.cache_files[0].exists()
    np.testing.assert_array_equal(
        new.get_feature_data("chr1", 0, 500)[0], oracle(track, "chr1", 0, 500)
    )


def test_float16_cache_is_within_the_stated_error(track, tmp_path):
    exact = BigWigTargets(track, cache_dir=tmp_path, cache_resolution="base")
    half = BigWigTargets(track, cache_dtype="float16", cache_dir=tmp_path, cache_resolution="base")
    assert half.cache_files[0].stat().st_size < 0.6 * exact.cache_files[0].stat().st_size
    chroms, starts, ends = random_windows(np.random.default_rng(3), SIZES, 200, 100)
    x = exact.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    y = half.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    bound = np.maximum(2.0**-11 * np.abs(x), 2.0**-25)
    assert (np.abs(y - x) <= bound).all()
    assert (y != x).any()  # float16 did round


def test_float16_refuses_values_it_cannot_hold(tmp_path):
    path = tmp_path / "big.bw"
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 100)], maxZooms=0)
    bw.addEntries(["chr1"], [10], ends=[20], values=[1e6])
    bw.close()
    with pytest.raises(ValueError, match=r"big\.bw: the value 1000000\.0 at chr1:10 exceeds"):
        BigWigTargets(path, cache_dtype="float16", cache_dir=tmp_path)


KINDS = [{}, {"cache_dtype": "float16"}, {"bin_size": 160, "cache_resolution": "bin"}]


@pytest.mark.parametrize("aggregation", ["mean", "sum", "max"])
def test_bin_cache_equals_numpy_on_the_grid(track, tmp_path, aggregation):
    target = BigWigTargets(
        track, bin_size=16, aggregation=aggregation, cache_resolution="bin", cache_dir=tmp_path
    )
    (cache,) = target.cache_files
    assert np.load(cache).shape == (sum(-(-n // 16) for n in SIZES.values()),)
    # Caches of other kinds of one bigWig live side by side.
    others = [BigWigTargets(track, cache_dir=tmp_path, **kw).cache_files[0] for kw in KINDS]
    assert cache.exists() and all(f.exists() for f in others)
    assert len({cache, *others}) == 1 + len(KINDS)
    # Before chr1, inside it, across the ends of chr1, chr2 (3001: a last, partial bin) and chrM.
    chroms = ["chr1", "chr1", "chr1", "chr2", "chrM", "chr2"]
    starts = np.array([-64, 1600, 4960, 2944, 160, 3024])
    got = target.get_feature_data_batch(chroms, starts, starts + 160)
    bases = np.stack([oracle(track, c, s, s + 160) for c, s in zip(chroms, starts, strict=True)])
    assert got.shape == (6, 1, 10)
    assert_bins_close(got[:, 0], bases.astype(np.float64).reshape(6, 10, 16), aggregation)


def test_bin_cache_refuses_windows_off_its_grid(track, tmp_path):
    target = BigWigTargets(track, bin_size=16, cache_resolution="bin", cache_dir=tmp_path)
    with pytest.raises(ValueError, match=r"window 1: its bins start at 8, off the 16-base grid"):
        target.get_feature_data_batch(["chr1", "chr1"], [0, 8], [32, 40])
    # A window of 40 bases bins its middle 32: from 4 on.
    with pytest.raises(ValueError, match=r"window 0: its bins start at 4, off the 16-base grid"):
        target.get_feature_data("chr1", 0, 40)
    with pytest.raises(ValueError, match=r"cache_resolution='bin' needs a bin_size"):
        BigWigTargets(track, bin_size=None, cache_resolution="bin")


def test_a_track_lacking_a_chromosome_reads_zero_there(track, tmp_path):
    short = write_bigwig(tmp_path / "short.bw", {"chr1": 5000}, seed=4)
    with pytest.warns(SeleneWarning, match=r"short\.bw has no chromosome \['chr2', 'chrM'\]"):
        target = BigWigTargets([track, short])
    rows = target.get_feature_data("chr2", 0, 100)
    np.testing.assert_array_equal(rows[0], oracle(track, "chr2", 0, 100))
    np.testing.assert_array_equal(rows[1], 0)


def test_tracks_of_other_assemblies_are_refused(track, tmp_path):
    other = write_bigwig(tmp_path / "other.bw", {"chr1": 4000}, seed=4)
    with pytest.raises(
        ValueError, match=r"other\.bw: chromosome 'chr1' has length 4000, but 5000"
    ):
        BigWigTargets([track, other])


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bigWig file not found: .*nope\.bw"):
        BigWigTargets(tmp_path / "nope.bw")
    text = tmp_path / "fake.bw"
    text.write_text("chr1\t0\t10\t1.0\n")
    with pytest.raises(ValueError, match=r"fake\.bw is not a readable bigWig file"):
        BigWigTargets(text)
    bigbed = tmp_path / "peaks.bb"
    pybigtools.open(str(bigbed), "w").write({"chr1": 1000}, [("chr1", 10, 20, "a")])
    with pytest.raises(ValueError, match=r"peaks\.bb is a bigBed, not a bigWig"):
        BigWigTargets(bigbed)


def test_unwritable_cache_dir_is_refused(track, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    with pytest.raises(OSError, match=r"cannot write the track cache for .*a\.bw"):
        BigWigTargets(track, cache_dir=blocked / "sub")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"aggregation": "median"}, ValueError, r"aggregation must be one of \['max', 'mean'"),
        ({"bin_size": 0}, ValueError, r"bin_size must be a positive int or None; got 0"),
        ({"center_crop": 2.5}, ValueError, r"center_crop must be a positive int or None"),
        ({"bin_size": 8, "center_crop": 20}, ValueError, r"center_crop=20 is not a multiple"),
        ({"transform": "log"}, ValueError, r"transform must be None, a callable or one of"),
        ({"cache_dtype": "int8"}, ValueError, r"cache_dtype must be 'float32' or 'float16'"),
        (
            {"cache_resolution": "kb"},
            ValueError,
            r"cache_resolution must be 'runs', 'base' or 'bin'",
        ),
        ({"names": ["a", "b"]}, ValueError, r"1 bigWig paths but 2 names"),
    ],
)
def test_bad_options_are_refused(track, kwargs, error, match):
    with pytest.raises(error, match=match):
        BigWigTargets(track, **kwargs)


def test_bad_track_lists_are_refused(track):
    with pytest.raises(ValueError, match=r"at least one bigWig path"):
        BigWigTargets([])
    with pytest.raises(ValueError, match=r"track names must be distinct; got \['a', 'a'\]"):
        BigWigTargets([track, track])


def test_bad_windows_are_refused(track):
    target = BigWigTargets(track, bin_size=10)
    with pytest.raises(ValueError, match=r"one length with bin_size=10; got lengths \[10, 20\]"):
        target.get_feature_data_batch(["chr1"] * 2, [0, 0], [10, 20])
    with pytest.raises(ValueError, match=r"window length 9 is shorter than bin_size=10"):
        target.get_feature_data("chr1", 0, 9)
    with pytest.raises(ValueError, match=r"window 0 \[5, 5\) is empty"):
        target.get_feature_data("chr1", 5, 5)
    with pytest.raises(ValueError, match=r"must be 1-D of one length"):
        target.get_feature_data_batch(["chr1"], [0, 1], [10, 11])
    with pytest.raises(TypeError, match=r"starts and ends must be integers"):
        target.get_feature_data_batch(["chr1"], [0.5], [10.5])
    cropped = BigWigTargets(track, center_crop=50)
    with pytest.raises(ValueError, match=r"window 0 has 40 bases, fewer than center_crop=50"):
        cropped.get_feature_data("chr1", 0, 40)


def test_cache_files_are_complete_when_they_appear(track, tmp_path):
    target = BigWigTargets(track, cache_dir=tmp_path / "c")
    leftovers = [f for f in os.listdir(target.cache_files[0].parent) if f.endswith(".tmp")]
    assert leftovers == []
