"""Independent checks shared by the sampler tests."""

from __future__ import annotations

import numpy as np


def overlaps(blacklist: dict[str, np.ndarray], chrom: str, start: int, end: int) -> bool:
    """Whether [start, end) overlaps a blacklist interval (brute force)."""
    rows = blacklist.get(chrom, np.zeros((0, 2), int))
    return bool(np.any((rows[:, 0] < end) & (rows[:, 1] > start)))


def check_batch(batch, genome, targets, sequence_length=1000, bin_len=200) -> None:
    """Every window's codes and labels equal independent single-window queries."""
    coords = batch["coords"]
    seq = np.asarray(batch["sequence"])
    labels = np.asarray(batch["targets"])
    assert seq.dtype == np.uint8 and seq.shape == (len(coords["chrom"]), sequence_length)
    assert labels.dtype == np.float32
    offset = (sequence_length - bin_len) // 2
    for i, chrom in enumerate(coords["chrom"]):
        start, end = int(coords["start"][i]), int(coords["end"][i])
        strand = coords["strand"][i]
        assert end - start == sequence_length
        np.testing.assert_array_equal(
            seq[i], genome.get_codes_from_coords(chrom, start, end, strand)
        )
        expected = targets.get_feature_data(chrom, start + offset, start + offset + bin_len)
        np.testing.assert_array_equal(labels[i], expected)
