"""Samplers with bigWig track targets: batches equal ``BigWigTargets`` on the drawn windows."""

from __future__ import annotations

import numpy as np
import pyBigWig
import pytest
import torch

from selene.samplers import (
    BedFileSampler,
    IntervalsSampler,
    MultiFileSampler,
    RandomPositionsSampler,
)
from selene.sequences import Genome
from selene.targets import BigWigTargets

SIZES = {"chr1": 30_000, "chr2": 12_000, "chr3": 12_000}
SMALL = dict(
    validation_holdout=["chr2"],
    test_holdout=["chr3"],
    sequence_length=200,
    n_validation_samples=48,
    n_test_samples=32,
    batch_size=16,
    seed=3,
)


def write_track(path, sizes: dict[str, int], seed: int) -> str:
    """A bigWig of runs of 1..30 bases with values 0.5..20, a third of them without data."""
    rng = np.random.default_rng(seed)
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()), maxZooms=0)
    for chrom, length in sizes.items():
        edges = np.unique(np.concatenate(([0, length], rng.integers(1, length, length // 15))))
        keep = rng.random(edges.size - 1) > 0.33
        bw.addEntries(
            [chrom] * int(keep.sum()),
            edges[:-1][keep].tolist(),
            ends=edges[1:][keep].tolist(),
            values=rng.uniform(0.5, 20.0, int(keep.sum())).tolist(),
        )
    bw.close()
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tracks")
    rng = np.random.default_rng(0)
    with open(root / "genome.fa", "w") as fa:
        for chrom, length in SIZES.items():
            fa.write(f">{chrom}\n{''.join(rng.choice(list('ACGT'), length))}\n")
    bare = {name[3:]: n for name, n in SIZES.items()}  # '1', '2', '3'
    return {
        "root": root,
        "genome": Genome(root / "genome.fa"),
        "tracks": [write_track(root / "a.bw", SIZES, 1), write_track(root / "b.bw", SIZES, 2)],
        "bare": [
            write_track(root / "bare_a.bw", bare, 1),
            write_track(root / "bare_b.bw", bare, 2),
        ],
        "short": write_track(root / "short.bw", {"chr1": 30_000, "chr2": 12_000}, 3),
    }


def expected(target, batch):
    """``target`` on each window of ``batch``, reversed along the bins on the '-' strand."""
    coords = batch["coords"]
    want = target.get_feature_data_batch(coords["chrom"], coords["start"], coords["end"])
    minus = np.asarray(coords["strand"]) == "-"
    if want.ndim == 3:
        want[minus] = want[minus][..., ::-1]
    return want, minus


@pytest.mark.parametrize("bins", [dict(bin_size=10), dict(bin_size=8, center_crop=64)])
def test_random_positions_batches_carry_the_tracks_of_their_windows(files, bins):
    target = BigWigTargets(files["tracks"], **bins)
    sampler = RandomPositionsSampler(files["genome"], target=target, **SMALL)
    batch = sampler.sample(64)
    want, minus = expected(target, batch)
    assert batch["targets"].dtype == np.float32
    assert batch["targets"].shape == (64, 2, *target.label_shape(200)[1:])
    assert minus.any() and (~minus).any() and (want != 0).any()
    np.testing.assert_array_equal(batch["targets"], want)
    assert sampler.features == ["a", "b"]
    # the fixed sets (read window by window through WindowSet) too
    fixed = sampler.fixed_set("validate")(0)
    np.testing.assert_array_equal(fixed["targets"], expected(target, fixed)[0])
    assert set(fixed["coords"]["chrom"]) == {"chr2"}


def test_window_totals_are_not_flipped(files):
    target = BigWigTargets(files["tracks"], bin_size=None, aggregation="sum")
    batch = RandomPositionsSampler(files["genome"], target=target, **SMALL).sample(32)
    coords = batch["coords"]
    want = target.get_feature_data_batch(coords["chrom"], coords["start"], coords["end"])
    assert batch["targets"].shape == (32, 2) and "-" in coords["strand"]
    np.testing.assert_array_equal(batch["targets"], want)


@pytest.mark.parametrize("negative", [True, False])
def test_intervals_sampler_batches_carry_the_tracks(files, negative):
    intervals = files["root"] / "regions.bed"
    intervals.write_text("chr1\t1000\t9000\nchr2\t500\t11000\nchr3\t300\t11500\n")
    target = BigWigTargets(files["tracks"], bin_size=4)
    sampler = IntervalsSampler(
        files["genome"], target=target, intervals_path=intervals, sample_negative=negative, **SMALL
    )
    batch = sampler.sample(48)
    starts = np.asarray(batch["coords"]["start"])
    assert ((starts + 100 >= 1000) & (starts + 100 < 9000)).all()  # centres in the interval
    np.testing.assert_array_equal(batch["targets"], expected(target, batch)[0])
    assert batch["targets"].reshape(48, -1).any(axis=1).all()


def test_saved_windows_read_back_with_their_tracks(files, tmp_path):
    target = BigWigTargets(files["tracks"], bin_size=10)
    sampler = RandomPositionsSampler(files["genome"], target=target, **SMALL)
    path = sampler.save_dataset_to_file("validate", tmp_path / "validate_data.bed")
    lines = path.read_text().splitlines()
    assert len(lines) == 48 and all(len(line.split("\t")) == 4 for line in lines)
    fixed = sampler.fixed_set("validate")
    saved = [fixed(i) for i in range(fixed.n_batches)]
    reread = BedFileSampler(path, files["genome"], target=target, shuffle=False).read_batch(0, 48)
    np.testing.assert_array_equal(reread["targets"], np.concatenate([b["targets"] for b in saved]))
    assert reread["coords"]["strand"] == sum((b["coords"]["strand"] for b in saved), [])
    np.testing.assert_array_equal(
        reread["sequence"], np.concatenate([b["sequence"] for b in saved])
    )


def test_bed_file_sampler_refuses_indices_and_a_target(files, tmp_path):
    path = tmp_path / "w.bed"
    path.write_text("chr1\t100\t300\t+\n")
    target = BigWigTargets(files["tracks"])
    with pytest.raises(ValueError, match=r"w.bed: give targets_avail .* or target= .*, not both"):
        BedFileSampler(path, files["genome"], targets_avail=True, target=target)
    with pytest.raises(ValueError, match="1 features given but the target has 2"):
        BedFileSampler(path, files["genome"], features=["x"], target=target)


def test_chr_prefix_is_reconciled(files):
    bare = BigWigTargets(files["bare"], bin_size=10)  # chromosomes '1', '2', '3'
    named = BigWigTargets(files["tracks"], bin_size=10)
    batch = RandomPositionsSampler(files["genome"], target=bare, **SMALL).sample(32)
    np.testing.assert_array_equal(batch["targets"], expected(named, batch)[0])


def test_chromosomes_the_tracks_lack_are_refused_naming_the_file(files, tmp_path):
    target = BigWigTargets(files["short"])  # no chr3
    with pytest.raises(ValueError, match=r"short.bw has no chromosome \['chr3'\] that the ref"):
        RandomPositionsSampler(files["genome"], target=target, **SMALL)
    # without chr3: accepted
    kept = dict(SMALL, test_holdout=None, exclude_chrs=["chr3"])
    assert (
        RandomPositionsSampler(files["genome"], target=target, **kept).sample(8)["targets"].any()
    )
    bed = tmp_path / "w.bed"
    bed.write_text("chr1\t100\t300\t+\nchr3\t100\t300\t-\n")
    with pytest.raises(ValueError, match=r"short.bw has no chromosome \['chr3'\] that .*w.bed"):
        BedFileSampler(bed, files["genome"], target=target)


def test_a_centred_bin_is_refused_for_whole_window_targets(files):
    target = BigWigTargets(files["tracks"], bin_size=10)
    with pytest.raises(ValueError, match="labels the whole window .* center_bin_to_predict=None"):
        RandomPositionsSampler(files["genome"], target=target, center_bin_to_predict=100, **SMALL)
    whole = RandomPositionsSampler(
        files["genome"], target=target, center_bin_to_predict=200, **SMALL
    )
    assert whole.sample(4)["targets"].shape == (4, 2, 20)


def test_non_finite_and_out_of_range_tracks_are_refused_naming_the_window(files):
    def inf_where_no_data(x):
        return np.where(x == 0, np.inf, x)

    target = BigWigTargets(files["tracks"], bin_size=1, transform=inf_where_no_data)
    sampler = RandomPositionsSampler(files["genome"], target=target, **SMALL)
    with pytest.raises(ValueError, match=r"gave inf for feature \d of chr\d:\d+-\d+ \(bin \d+\)"):
        sampler.sample(16)
    nan = BigWigTargets(files["tracks"], transform=lambda x: np.where(x == 0, np.nan, x))
    with pytest.raises(ValueError, match=r"gave NaN for feature \d of chr\d:\d+-\d+ \(bin \d+\)"):
        RandomPositionsSampler(files["genome"], target=nan, **SMALL).sample(16)
    plain = RandomPositionsSampler(files["genome"], target=BigWigTargets(files["tracks"]), **SMALL)
    plain.require_target_range(0.0, 1.0, "bce takes labels in [0, 1]")
    with pytest.raises(ValueError, match=r"outside \[0, 1\]: bce takes labels in \[0, 1\]"):
        plain.sample(16)


def test_one_worker_loads_track_batches(files, tmp_path):
    target = BigWigTargets(files["tracks"], bin_size=10)
    sampler = RandomPositionsSampler(files["genome"], target=target, num_workers=1, **SMALL)
    batch = next(iter(sampler.train_dataloader()))
    assert isinstance(batch["targets"], torch.Tensor) and batch["targets"].shape == (16, 2, 20)
    np.testing.assert_array_equal(batch["targets"].numpy(), expected(target, batch)[0])
    path = sampler.save_dataset_to_file("validate", tmp_path / "validate_data.bed")
    source = BedFileSampler(path, files["genome"], target=target, random_seed=1)
    files_module = MultiFileSampler(source, source, batch_size=16, num_workers=1)
    batch = next(iter(files_module.train_dataloader()))
    assert batch["targets"].dtype == torch.float32 and batch["targets"].shape == (16, 2, 20)
    np.testing.assert_array_equal(batch["targets"].numpy(), expected(target, batch)[0])


@pytest.mark.parametrize("bins", [dict(bin_size=12), dict(bin_size=8, center_crop=64)])
def test_windows_snap_onto_the_grid_of_a_bin_cache(files, bins):
    grid = BigWigTargets(files["tracks"], cache_resolution="bin", **bins)
    sampler = RandomPositionsSampler(files["genome"], target=grid, **SMALL)
    batch = sampler.sample(64)
    step, phase = grid.window_grid(200)
    assert (np.asarray(batch["coords"]["start"]) % step == phase).all()
    want, minus = expected(grid, batch)
    np.testing.assert_array_equal(batch["targets"], want)
    # the same bins as the per-base cache gives (summed in another order)
    base, _ = expected(BigWigTargets(files["tracks"], **bins), batch)
    np.testing.assert_allclose(batch["targets"], base, rtol=2**-17, atol=0)
    assert minus.any() and (base != 0).any()


def test_saved_training_windows_have_four_columns(files, tmp_path):
    target = BigWigTargets(files["tracks"], bin_size=10)
    sampler = RandomPositionsSampler(
        files["genome"], target=target, save_datasets=["train"], output_dir=tmp_path, **SMALL
    )
    batches = iter(sampler.train_dataloader())
    drawn = [next(batches) for _ in range(3)]
    rows = [line.split("\t") for line in (tmp_path / "train_data.bed").read_text().splitlines()]
    assert len(rows) >= 48 and {len(r) for r in rows} == {4}
    assert [r[0] for r in rows[:48]] == sum((b["coords"]["chrom"] for b in drawn), [])
    assert [r[3] for r in rows[:48]] == sum((b["coords"]["strand"] for b in drawn), [])
