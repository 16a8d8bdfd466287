"""The synthetic dataset's coverage tracks: bigWig files shaped by the planted motifs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyBigWig
import pyfaidx
import pysam
import pytest

from selene.datasets.synthetic import SyntheticData, _tracks, main, make_synthetic
from selene.targets import BigWigTargets

TINY = dict(n_chroms=2, chrom_length=30_000, n_features=2, n_variants=4, n_queries=1)
FILES = ["genome.fa", "features.bed.gz", "intervals.bed", "blacklist.bed", "variants.vcf"]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> SyntheticData:
    """3 x 100 kb, 3 features, with tracks."""
    out = tmp_path_factory.mktemp("tracked")
    return make_synthetic(out, n_chroms=3, chrom_length=100_000, n_features=3, tracks=True)


def values(path: Path, chrom: str) -> np.ndarray:
    """pyBigWig's per-base values of a whole chromosome (NaN without data)."""
    bw = pyBigWig.open(str(path))
    try:
        return np.array(bw.values(chrom, 0, bw.chroms(chrom)))
    finally:
        bw.close()


def site_centres(data: SyntheticData, feature: str) -> list[tuple[str, int]]:
    with pysam.TabixFile(str(data.features_bed)) as bed:
        rows = [row.split("\t") for c in bed.contigs for row in bed.fetch(c)]
    return [(c, (int(s) + int(e)) // 2) for c, s, e, f in rows if f == feature]


def test_one_track_per_feature_over_the_genome(tracked: SyntheticData) -> None:
    assert list(tracked.tracks) == tracked.features == list(tracked.reads_per_copy)
    fasta = pyfaidx.Fasta(str(tracked.fasta))
    for feature, path in tracked.tracks.items():
        assert path == tracked.root / "tracks" / f"{feature}.bw"
        bw = pyBigWig.open(str(path))
        assert bw.isBigWig()
        assert bw.chroms() == {c: len(fasta[c]) for c in fasta.keys()}
        bw.close()
    low, high = _tracks.READS_PER_COPY
    assert all(low <= r <= high for r in tracked.reads_per_copy.values())


def test_bigwig_targets_serve_the_tracks(tracked: SyntheticData) -> None:
    targets = BigWigTargets(list(tracked.tracks.values()), bin_size=1)
    assert targets.features == tracked.features
    rng = np.random.default_rng(0)
    # the first windows start at the chromosome start, inside its leading N run (no data)
    chroms = ["chr1", "chr2", *rng.choice(["chr1", "chr2", "chr3"], 30).tolist()]
    starts = np.concatenate([[0, 99_000], rng.integers(0, 99_000, 30)])
    got = targets.get_feature_data_batch(chroms, starts, starts + 1000)
    for feature, path in tracked.tracks.items():
        track = {c: np.nan_to_num(values(path, c)) for c in ("chr1", "chr2", "chr3")}
        i = tracked.features.index(feature)
        want = np.stack([track[c][s : s + 1000] for c, s in zip(chroms, starts, strict=True)])
        np.testing.assert_array_equal(got[:, i], want.astype(np.float32))
    assert not got[0].any()  # missing data are 0


def test_no_data_exactly_on_n_bases(tracked: SyntheticData) -> None:
    fasta = pyfaidx.Fasta(str(tracked.fasta))
    for chrom in fasta.keys():
        letters = np.frombuffer(str(fasta[chrom][:]).upper().encode(), dtype=np.uint8)
        is_n = letters == ord("N")
        assert 0 < is_n.sum() < 0.1 * is_n.size
        for path in tracked.tracks.values():
            np.testing.assert_array_equal(np.isnan(values(path, chrom)), is_n)


def test_peaks_at_planted_sites_stand_far_above_background(tracked: SyntheticData) -> None:
    rng = np.random.default_rng(1)
    for feature, path in tracked.tracks.items():
        tracks = {c: np.nan_to_num(values(path, c)) for c in ("chr1", "chr2", "chr3")}
        sites = site_centres(tracked, feature)
        at_sites = np.mean([tracks[c][m - 100 : m + 100].mean() for c, m in sites])
        starts = rng.integers(0, 99_800, 200)
        anywhere = [tracks[c][s : s + 200].mean() for c in tracks for s in starts]
        assert at_sites > 5 * np.mean(anywhere), feature
        assert at_sites > 10 * _tracks.BACKGROUND


def test_counts_are_poisson_around_the_expected_coverage(tracked: SyntheticData) -> None:
    for feature, path in tracked.tracks.items():
        observed, expected = [], []
        for chrom in ("chr1", "chr2", "chr3"):
            o, e = values(path, chrom), tracked.expected_coverage(feature, chrom)
            np.testing.assert_array_equal(np.isnan(o), np.isnan(e))
            observed.append(o[~np.isnan(o)])
            expected.append(e[~np.isnan(e)])
        o, e = np.concatenate(observed), np.concatenate(expected)
        assert np.array_equal(o, np.round(o)) and o.min() >= 0
        background = np.isclose(e, _tracks.BACKGROUND, rtol=0, atol=1e-9)
        assert background.mean() > 0.8
        # Poisson: variance = mean. The ~290k background bases hold only ~1,200 reads (50 bp
        # each), so their mean has a relative standard error of ~3%: 5 of them are allowed
        bg = o[background]
        assert bg.mean() == pytest.approx(_tracks.BACKGROUND, rel=0.15)
        assert bg.var() == pytest.approx(bg.mean(), rel=0.2)
        peak = e > 5
        assert o[peak].mean() == pytest.approx(e[peak].mean(), rel=0.1)
        dispersion = np.sum((o[peak] - e[peak]) ** 2) / np.sum(e[peak])
        assert dispersion == pytest.approx(1.0, rel=0.3)


def test_expected_coverage_is_the_mean_of_the_sampled_pile_up() -> None:
    rng = np.random.default_rng(2)
    centres, reads, n = np.array([300, 900, 930, 1990]), 30.0, 3000
    mean = sum(_tracks.sample_coverage(2000, centres, reads, rng) for _ in range(n)) / n
    expected = _tracks.expected_coverage(2000, centres, reads)
    # 6 standard errors of a mean of n Poisson counts, per base
    np.testing.assert_array_less(np.abs(mean - expected), 6 * np.sqrt(expected / n))
    assert expected[0] == pytest.approx(_tracks.BACKGROUND, abs=1e-9)
    assert expected.max() > 0.5 * 2 * reads  # two copies 30 bp apart add up


def test_an_ideal_predictor_reaches_a_high_pearson_r(tracked: SyntheticData) -> None:
    for feature, path in tracked.tracks.items():
        o = np.nan_to_num(values(path, "chr3"))
        e = np.nan_to_num(tracked.expected_coverage(feature, "chr3"))
        n = o.size // 32 * 32
        r = np.corrcoef(o[:n].reshape(-1, 32).mean(1), e[:n].reshape(-1, 32).mean(1))[0, 1]
        assert r > 0.8, feature


def test_expected_coverage_needs_tracks(tmp_path: Path) -> None:
    data = make_synthetic(tmp_path, **TINY)
    assert data.tracks == {} and not (tmp_path / "tracks").exists()
    with pytest.raises(KeyError, match="no coverage track for 'f0'.*tracks=True"):
        data.expected_coverage("f0", "chr1")


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = make_synthetic(tmp_path / "a", seed=5, tracks=True, **TINY)
    b = make_synthetic(tmp_path / "b", seed=5, tracks=True, **TINY)
    c = make_synthetic(tmp_path / "c", seed=6, tracks=True, **TINY)
    plain = make_synthetic(tmp_path / "plain", seed=5, **TINY)
    for feature in a.features:
        assert a.tracks[feature].read_bytes() == b.tracks[feature].read_bytes()
        assert a.tracks[feature].read_bytes() != c.tracks[feature].read_bytes()
    assert a.reads_per_copy == b.reads_per_copy != c.reads_per_copy
    # the tracks draw from their own stream: the other files are those made without tracks
    for name in FILES:
        assert (a.root / name).read_bytes() == (plain.root / name).read_bytes(), name


def test_cache_knows_about_tracks(tmp_path: Path) -> None:
    plain = make_synthetic(tmp_path, **TINY)
    assert not plain.tracks
    tracked = make_synthetic(tmp_path, tracks=True, **TINY)  # made again, with tracks
    assert tracked.tracks and all(p.is_file() for p in tracked.tracks.values())
    stamp = tracked.fasta.stat().st_mtime_ns
    assert make_synthetic(tmp_path, **TINY) == tracked  # tracks serve tracks=False too
    assert make_synthetic(tmp_path, tracks=True, **TINY) == tracked
    assert tracked.fasta.stat().st_mtime_ns == stamp
    tracked.tracks["f1"].unlink()  # an incomplete dataset is rebuilt
    assert make_synthetic(tmp_path, tracks=True, **TINY).tracks["f1"].is_file()
    again = make_synthetic(tmp_path, force=True, **TINY)  # remade without: old tracks go
    assert again == plain and not (tmp_path / "tracks").exists()


def test_cli_writes_tracks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    args = ["--n-chroms", "1", "--chrom-length", "20000", "--n-features", "2", "--tracks"]
    with caplog.at_level("INFO", logger="selene.datasets.synthetic"):
        assert main([str(tmp_path), *args]) == 0
    assert sorted(p.name for p in (tmp_path / "tracks").iterdir()) == ["f0.bw", "f1.bw"]
    assert "(2 bigWig)" in caplog.text
