"""Small bigWig files for the BigWigTargets tests, and pyBigWig as the oracle of their values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyBigWig

SIZES = {"chr1": 5000, "chr2": 3001, "chrM": 300}


def write_bigwig(
    path: Path, sizes: dict[str, int], seed: int, scale: float = 10.0, gap: float = 0.3
) -> Path:
    """Write a bigWig of random runs (lengths 1..40) with gaps (no data) and negative values."""
    rng = np.random.default_rng(seed)
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()), maxZooms=0)
    for chrom, length in sizes.items():
        edges = np.unique(np.concatenate(([0, length], rng.integers(1, length, length // 12))))
        starts, ends = edges[:-1], edges[1:]
        keep = rng.random(starts.size) > gap
        values = rng.normal(1.0, 1.0, starts.size) * scale
        bw.addEntries(
            [chrom] * int(keep.sum()),
            starts[keep].tolist(),
            ends=ends[keep].tolist(),
            values=values[keep].tolist(),
        )
    bw.close()
    return path


def oracle(path: Path, chrom: str, start: int, end: int) -> np.ndarray:
    """pyBigWig's values of ``[start, end)``, NaN and bases outside the chromosome as 0."""
    bw = pyBigWig.open(str(path))
    try:
        length = bw.chroms(chrom)
        out = np.zeros(end - start, np.float32)
        lo, hi = max(start, 0), min(end, length)
        if lo < hi:
            out[lo - start : hi - start] = np.nan_to_num(bw.values(chrom, lo, hi, numpy=True))
    finally:
        bw.close()
    return out


def random_windows(rng: np.random.Generator, sizes: dict[str, int], n: int, length: int):
    """Windows anywhere from before a chromosome's start to past its end."""
    names = list(sizes)
    chroms = [names[i] for i in rng.integers(0, len(names), n)]
    starts = np.array([rng.integers(-length, sizes[c] + 1) for c in chroms], np.int64)
    return chroms, starts, starts + length


def assert_bins_close(got, bases, aggregation="mean"):
    """``got`` against numpy's float64 aggregate of ``bases`` (..., n_bins, bin_size).

    The kernel sums float32 lanes of at most 32 values each, in any order: each lane is within
    31 * 2**-24 * sum|x| of exact (Higham §3.1), so all of them within 2**-19 * sum|x|; adding
    the lanes in float64, dividing by the bin size and the float32 result add at most
    2**-23 * |result|.
    """
    total = bases.sum(-1)
    size = bases.shape[-1] if aggregation == "mean" else 1
    if aggregation == "max":
        np.testing.assert_array_equal(got, bases.max(-1).astype(np.float32))
        return
    want = total / size
    bound = 2.0**-19 * np.abs(bases).sum(-1) / size + 2.0**-23 * np.abs(want)
    assert got.shape == want.shape
    assert (np.abs(got - want) <= bound).all()
