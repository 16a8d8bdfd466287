from __future__ import annotations

import numpy as np
import pytest
from samplers_helpers import check_batch

from selene.samplers import IntervalsSampler
from selene.utils.warnings import SeleneWarning


def _intervals(path):
    rows = [line.split()[:3] for line in path.read_text().splitlines() if line.strip()]
    return [(c, int(s), int(e)) for c, s, e in rows]


def _make(synthetic, genome, targets, intervals=None, **kwargs):
    args = dict(
        validation_holdout=["chr3"],
        test_holdout=["chr4"],
        n_validation_samples=64,
        n_test_samples=64,
        batch_size=32,
        seed=3,
    )
    args.update(kwargs)
    return IntervalsSampler(
        genome, targets, synthetic.features_txt, intervals or synthetic.intervals_bed, **args
    )


def test_windows_centred_in_intervals(synthetic, genome, targets):
    sampler = _make(synthetic, genome, targets)
    intervals = _intervals(synthetic.intervals_bed)
    batch = sampler.sample(300)
    check_batch(batch, genome, targets)
    coords = batch["coords"]
    for chrom, start in zip(coords["chrom"], coords["start"], strict=True):
        assert chrom in ("chr1", "chr2")
        centre = int(start) + 500
        assert any(c == chrom and s <= centre < e for c, s, e in intervals)
    # sample_negative=False (Selene's default): every window has a positive label
    assert (np.asarray(batch["targets"]).sum(axis=1) > 0).all()
    val = next(iter(sampler.val_dataloader()))
    check_batch(val, genome, targets)
    assert set(val["coords"]["chrom"]) == {"chr3"}


def test_sample_negative(synthetic, genome, targets):
    sampler = _make(synthetic, genome, targets, sample_negative=True)
    labels = np.asarray(sampler.sample(400)["targets"])
    assert (labels.sum(axis=1) == 0).any() and (labels.sum(axis=1) > 0).any()


def test_unknown_chromosomes_skipped_with_one_warning(synthetic, genome, targets, tmp_path):
    path = tmp_path / "intervals.bed"
    text = synthetic.intervals_bed.read_text()
    path.write_text(text + "chrUn\t100\t900\nchrUn\t1000\t1900\n7\t5\t50\n")
    with pytest.warns(SeleneWarning, match=r"skipped 3 of \d+ intervals.*\['7', 'chrUn'\]"):
        sampler = _make(synthetic, genome, targets, intervals=path)
    assert "chrUn" not in sampler.sample(100)["coords"]["chrom"]


def test_proportional_holdout(synthetic, genome, targets):
    sampler = _make(synthetic, genome, targets, validation_holdout=0.2, test_holdout=0.2)
    val = {
        (c, int(s))
        for b in sampler.val_dataloader()
        for c, s in zip(b["coords"]["chrom"], b["coords"]["start"], strict=True)
    }
    assert len(val) > 1


def test_partition_without_valid_window(synthetic, genome, targets, tmp_path):
    path = tmp_path / "ends.bed"
    path.write_text("chr1\t5000\t9000\nchr3\t0\t100\nchr4\t5000\t9000\n")  # chr3: only its start
    sampler = _make(synthetic, genome, targets, intervals=path, sample_negative=True)
    with pytest.raises(ValueError, match="'validate' partition gave no valid window"):
        sampler.setup("fit")
    path.write_text("chr1\t5000\t9000\nchr4\t5000\t9000\n")
    with pytest.raises(ValueError, match="'validate' partition has no valid position"):
        _make(synthetic, genome, targets, intervals=path)
