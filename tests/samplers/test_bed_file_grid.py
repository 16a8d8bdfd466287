"""``BedFileSampler`` with a bin cache: windows off its grid are refused, or moved when asked."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from test_track_targets import SMALL, write_track

from selene.samplers import BedFileSampler, RandomPositionsSampler
from selene.sequences import Genome
from selene.targets import BigWigTargets

SIZES = {"chr1": 4_000, "chr2": 3_000, "chr3": 3_000, "chrS": 203}  # chrS: a window and a bit
L = 200
# 8-base bins of the central 64 bases: the binned span starts 68 bases in, so the grid's
# window starts are 4 + 8k (BigWigTargets.window_grid(200) == (8, 4))
BINS = dict(bin_size=8, center_crop=64)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("grid")
    rng = np.random.default_rng(0)
    with open(root / "genome.fa", "w") as fa:
        for chrom, length in SIZES.items():
            fa.write(f">{chrom}\n{''.join(rng.choice(list('ACGT'), length))}\n")
    track = write_track(root / "a.bw", SIZES, 1)
    return {
        "root": root,
        "genome": Genome(root / "genome.fa"),
        "grid": BigWigTargets([track], cache_resolution="bin", **BINS),
        "any": BigWigTargets([track], **BINS),  # labels any window
    }


def _bed(data, name: str, rows: list[tuple[str, int, str]]) -> str:
    path = data["root"] / name
    path.write_text("".join(f"{c}\t{s}\t{s + L}\t{strand}\n" for c, s, strand in rows))
    return path


def _labels(target, sampler: BedFileSampler) -> np.ndarray:
    batch = sampler.read_batch(0, sampler.n_samples)
    return batch, target.get_feature_data_batch(
        batch["coords"]["chrom"], batch["coords"]["start"], batch["coords"]["end"]
    )


def test_the_grid_is_the_one_the_test_assumes(data) -> None:
    assert data["grid"].window_grid(L) == (8, 4)


def test_windows_on_the_grid_are_read_as_they_are(data) -> None:
    rows = [("chr1", 4, "+"), ("chr1", 1004, "-"), ("chr1", 3004, "+")]
    sampler = BedFileSampler(_bed(data, "on.bed", rows), data["genome"], target=data["grid"])
    batch, want = _labels(data["any"], sampler)
    np.testing.assert_array_equal(batch["coords"]["start"], [4, 1004, 3004])
    want[1] = want[1][..., ::-1]  # the '-' window's bins reversed
    np.testing.assert_allclose(batch["targets"], want, rtol=2**-17, atol=0)


def test_a_window_off_the_grid_is_refused_naming_its_line_and_the_fixes(data) -> None:
    rows = [("chr1", 4, "+"), ("chr1", 1003, "+"), ("chr1", 2000, "-")]
    path = _bed(data, "off.bed", rows)
    with pytest.raises(
        ValueError,
        match=r"off\.bed:2: the window chr1:1003-1203 \(and 1 more of 3\) starts off the grid "
        r"of the bin cache of .*a\.bw.*starting at 4 \+ a multiple of 8; pass "
        r"snap_to_grid=True.*without cache_resolution='bin'",
    ):
        BedFileSampler(path, data["genome"], target=data["grid"])
    # a target that labels any window takes the file as it is
    sampler = BedFileSampler(path, data["genome"], target=data["any"])
    np.testing.assert_array_equal(sampler.starts, [4, 1003, 2000])


def test_snap_to_grid_moves_windows_down_by_less_than_a_bin_and_logs_the_count(
    data, caplog
) -> None:
    rows = [("chr1", 4, "+"), ("chr1", 1003, "+"), ("chr1", 2000, "-"), ("chr1", 2, "+")]
    path = _bed(data, "snap.bed", rows)
    with caplog.at_level(logging.INFO, logger="selene.samplers._grid"):
        sampler = BedFileSampler(path, data["genome"], target=data["grid"], snap_to_grid=True)
    # down onto 4 + 8k; the window at 2 would start at -4: up to 4 instead
    np.testing.assert_array_equal(sampler.starts, [4, 996, 1996, 4])
    (record,) = [r for r in caplog.records if r.name == "selene.samplers._grid"]
    assert "snap.bed: moved 3 of 4 windows onto the 8-base grid" in record.getMessage()
    batch, want = _labels(data["any"], sampler)
    want[2] = want[2][..., ::-1]
    np.testing.assert_allclose(batch["targets"], want, rtol=2**-17, atol=0)


def test_a_chromosome_too_short_for_a_window_on_the_grid_is_refused(data) -> None:
    path = _bed(data, "short.bed", [("chr1", 4, "+"), ("chrS", 2, "+")])  # up to 4: ends at 204
    with pytest.raises(ValueError, match=r"short\.bed:2: no window of 200 bases on the 8-base "):
        BedFileSampler(path, data["genome"], target=data["grid"], snap_to_grid=True)


def test_windows_an_online_sampler_saved_with_a_bin_cache_read_back_unmoved(data, tmp_path):
    grid = data["grid"]
    sampler = RandomPositionsSampler(data["genome"], target=grid, **SMALL)
    path = sampler.save_dataset_to_file("validate", tmp_path / "validate_data.bed")
    fixed = sampler.fixed_set("validate")
    saved = [fixed(i) for i in range(fixed.n_batches)]
    reread = BedFileSampler(path, data["genome"], target=grid, shuffle=False).read_batch(0, 48)
    starts = np.concatenate([b["coords"]["start"] for b in saved])
    assert (starts % 8 == 4).all()  # the online sampler drew them on the grid
    np.testing.assert_array_equal(reread["coords"]["start"], starts)
    np.testing.assert_array_equal(reread["targets"], np.concatenate([b["targets"] for b in saved]))
