"""BigWigTargets' run-length cache (the default): its runs, and windows against pyBigWig."""

from __future__ import annotations

import numpy as np
import pyBigWig
import pytest
from bigwig_helpers import SIZES, assert_bins_close, oracle, random_windows, write_bigwig

from selene.targets import BigWigTargets
from selene.targets import _bigwig_runs as runs_module
from selene.targets._bigwig_runs import open_runs
from selene.utils.warnings import SeleneWarning

LENGTHS = {"chr1": 1000, "chr2": 600, "chr3": 400}
# chr1: a run over the window edges below, two adjacent runs of one value, a 0 record, a NaN
# record, a gap, and a run to the chromosome's end; chr2: one run from base 0; chr3: nothing.
RECORDS = {
    "chr1": [(10, 50, 2.0), (50, 90, 2.0), (90, 95, 0.0), (95, 97, np.nan), (120, 300, -1.5)]
    + [(300, 301, 7.25), (301, 333, 3.0), (900, 1000, 0.5)],
    "chr2": [(0, 37, 4.0), (37, 38, 1.0)],
}


def write_records(path, sizes, records):
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()), maxZooms=0)
    for chrom in sizes:
        rows = records.get(chrom, [])
        if rows:
            s, e, v = zip(*rows, strict=True)
            bw.addEntries([chrom] * len(rows), list(s), ends=list(e), values=list(v))
    bw.close()
    return path


@pytest.fixture
def track(tmp_path):
    return write_records(tmp_path / "t.bw", LENGTHS, RECORDS)


def _want(path, chroms, starts, length):
    return np.stack([oracle(path, c, s, s + length) for c, s in zip(chroms, starts, strict=True)])


def test_runs_are_change_points_with_equal_neighbours_and_zeros_merged(track, tmp_path):
    target = BigWigTargets(track, cache_dir=tmp_path)
    positions, values, index, table = open_runs(target.cache_files[0])
    n1, n2 = table[0, 1], table[1, 1]
    # chr1: 2.0 from 10 (50 merges, 90-120 is one zero run), -1.5, 7.25, 3.0, 0, 0.5, 0 at 1000.
    np.testing.assert_array_equal(positions[:n1], [10, 90, 120, 300, 301, 333, 900, 1000])
    np.testing.assert_array_equal(values[:n1], [2.0, 0.0, -1.5, 7.25, 3.0, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(positions[n1 : n1 + n2], [0, 37, 38])
    np.testing.assert_array_equal(table[:, 1], [8, 3, 0])  # chr3 has no record: no run
    assert index.size == sum(n // 256 + 1 for n in LENGTHS.values())


@pytest.mark.parametrize("bin_size", [1, 4, 7, 32, None])
@pytest.mark.parametrize("aggregation", ["mean", "sum", "max"])
def test_windows_equal_pybigwig_across_runs_edges_and_empty_chromosomes(
    track, tmp_path, bin_size, aggregation
):
    target = BigWigTargets(track, bin_size=bin_size, aggregation=aggregation, cache_dir=tmp_path)
    # Windows that start inside a run, on a run's first base, in a gap, before a chromosome,
    # past its end, and over the chromosome with no record.
    chroms = ["chr1"] * 7 + ["chr2", "chr2", "chr3"]
    starts = np.array([0, 10, 40, 89, 119, 299, 900, -30, 560, 100])
    got = target.get_feature_data_batch(chroms, starts, starts + 224)
    bases = _want(track, chroms, starts, 224).astype(np.float64)
    size = bin_size or 224
    lead = 224 % size // 2
    bins = bases[:, lead : lead + 224 // size * size].reshape(10, -1, size)
    if bin_size is None:
        got = got[:, :, None]
    if bin_size == 1:
        np.testing.assert_array_equal(got[:, 0], bases.astype(np.float32))
    else:
        assert_bins_close(got[:, 0], bins, aggregation)
    np.testing.assert_array_equal(got[-1], 0)  # chr3


def test_max_of_a_bin_with_negative_runs_and_a_gap_is_zero(track, tmp_path):
    target = BigWigTargets(track, bin_size=10, aggregation="max", cache_dir=tmp_path)
    got = target.get_feature_data("chr1", 110, 150)[0]
    np.testing.assert_array_equal(got, [0.0, -1.5, -1.5, -1.5])  # 110-119 is a gap: 0


def test_dense_tracks_equal_the_per_base_cache(tmp_path):
    path = write_bigwig(tmp_path / "r.bw", SIZES, seed=5)
    runs = BigWigTargets(path, bin_size=None, cache_dir=tmp_path)
    dense = BigWigTargets(path, bin_size=None, cache_resolution="base", cache_dir=tmp_path)
    chroms, starts, ends = random_windows(np.random.default_rng(2), SIZES, 400, 333)
    x = runs.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    y = dense.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    bases = np.stack([oracle(path, c, s, e) for c, s, e in zip(chroms, starts, ends, strict=True)])
    assert_bins_close(x.reshape(400, 1, 1), bases.astype(np.float64).reshape(400, 1, 1, 333))
    np.testing.assert_allclose(x, y, rtol=2.0**-18, atol=2.0**-18 * np.abs(bases).sum())


def test_records_cut_by_the_reading_chunks_join_again(tmp_path, monkeypatch):
    path = write_bigwig(tmp_path / "c.bw", SIZES, seed=6)
    whole = BigWigTargets(path, cache_dir=tmp_path / "whole")
    monkeypatch.setattr(runs_module, "_CHUNK", 64)  # many records cross a chunk's end
    cut = BigWigTargets(path, cache_dir=tmp_path / "cut")
    for name in ("positions.u32", "values.f32", "index.u32"):
        a = (whole.cache_files[0] / name).read_bytes()
        assert a == (cut.cache_files[0] / name).read_bytes()


def test_a_track_without_a_chromosome_reads_zero_there(track, tmp_path):
    other = write_records(tmp_path / "o.bw", {"chr1": 1000}, {"chr1": [(0, 1000, 1.0)]})
    with pytest.warns(SeleneWarning, match=r"o\.bw has no chromosome \['chr2', 'chr3'\]"):
        target = BigWigTargets([track, other], bin_size=8, cache_dir=tmp_path)
    got = target.get_feature_data_batch(["chr2", "chr1"], [0, 0], [64, 64])
    np.testing.assert_array_equal(got[0, 1], 0)
    np.testing.assert_array_equal(got[1, 1], 1)
    assert_bins_close(got[0, :1], _want(track, ["chr2"], [0], 64).reshape(1, 8, 8))


def test_float16_runs_keep_the_stated_bound_in_fewer_bytes(tmp_path):
    path = write_bigwig(tmp_path / "h.bw", SIZES, seed=8)
    exact = BigWigTargets(path, cache_dir=tmp_path)
    half = BigWigTargets(path, cache_dtype="float16", cache_dir=tmp_path)
    assert sorted(p.name for p in half.cache_files[0].iterdir()) == [
        "chroms.npy",
        "index.u32",
        "positions.u32",
        "values.f16",
    ]
    size = [sum(f.stat().st_size for f in t.cache_files[0].iterdir()) for t in (exact, half)]
    assert size[1] < 0.85 * size[0]  # 6 bytes a run instead of 8, the same index
    chroms, starts, ends = random_windows(np.random.default_rng(4), SIZES, 200, 100)
    x = exact.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    y = half.get_feature_data_batch(chroms, starts, ends).astype(np.float64)
    assert (np.abs(y - x) <= np.maximum(2.0**-11 * np.abs(x), 2.0**-25)).all()
    assert (y != x).any()


def test_the_run_cache_is_reused_and_rebuilt_when_the_bigwig_changes(track, tmp_path):
    (first,) = BigWigTargets(track, cache_dir=tmp_path).cache_files
    stamp = (first / "chroms.npy").stat().st_mtime_ns
    assert BigWigTargets(track, cache_dir=tmp_path).cache_files == [first]
    assert (first / "chroms.npy").stat().st_mtime_ns == stamp
    write_records(track, LENGTHS, {"chr3": [(5, 9, 1.0)]})
    (second,) = BigWigTargets(track, cache_dir=tmp_path).cache_files
    assert second != first and not first.exists()
    assert [p.name for p in second.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_overlapping_records_are_refused(track, tmp_path, monkeypatch):
    def overlapping(reader, chrom, start, end):
        return np.array([0, 5]), np.array([10, 12]), np.array([1.0, 2.0])

    monkeypatch.setattr(runs_module, "read_records", overlapping)
    with pytest.raises(ValueError, match=r"t\.bw: on chr1 the record \[5, 12\) starts before"):
        BigWigTargets(track, cache_dir=tmp_path)


@pytest.mark.parametrize("bin_size", [1, 50, None])
def test_a_window_longer_than_its_chromosome_reads_zero_beyond_both_ends(track, bin_size):
    target = BigWigTargets(track, bin_size=bin_size, aggregation="sum")
    got = target.get_feature_data("chr2", -100, 1100)[0]
    bases = oracle(track, "chr2", -100, 1100).astype(np.float64)
    size = bin_size or 1200
    assert_bins_close(got.reshape(1, -1), bases.reshape(1, -1, size), "sum")
    assert bases[:100].sum() == 0 and bases[700:].sum() == 0 and bases[100:138].sum() != 0
