"""Benchmark: load a chromatin-profile-sized BED (5 million intervals x 919 features, bgzipped).

Generates the file once (under --data-dir), then times ``GenomicFeatures``' reader on it, and,
for comparison in the same run, decompressing the same bytes with ``gzip.decompress`` (what the
reader did before: it copies the rest of the buffer at every bgzip member, so it is quadratic).

    .venv/bin/python scripts/bench_bed.py [--n-intervals 5000000]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import time
from pathlib import Path

import numpy as np
import pysam

from selene.targets._bed import read_bed


def make_bed(path: Path, n_intervals: int, n_features: int, seed: int = 0) -> Path:
    """Write a sorted, bgzipped and tabix-indexed BED of random peaks on 23 chromosomes."""
    gz = path.with_suffix(".bed.gz")
    if gz.is_file() and Path(f"{gz}.tbi").is_file():
        return gz
    rng = np.random.default_rng(seed)
    chroms = np.sort(rng.integers(1, 24, n_intervals))
    starts = rng.integers(0, 150_000_000, n_intervals)
    order = np.lexsort((starts, chroms))
    chroms, starts = chroms[order], starts[order]
    ends = starts + rng.integers(150, 2000, n_intervals)
    feats = rng.integers(0, n_features, n_intervals)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        for lo in range(0, n_intervals, 500_000):
            hi = min(lo + 500_000, n_intervals)
            handle.writelines(
                f"chr{c}\t{s}\t{e}\tf{f:03d}\n"
                for c, s, e, f in zip(
                    chroms[lo:hi].tolist(),
                    starts[lo:hi].tolist(),
                    ends[lo:hi].tolist(),
                    feats[lo:hi].tolist(),
                    strict=True,
                )
            )
    pysam.tabix_compress(str(path), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="bed", force=True)
    path.unlink()
    return gz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=".bench/bed")
    parser.add_argument("--n-intervals", type=int, default=5_000_000)
    parser.add_argument("--n-features", type=int, default=919)
    parser.add_argument("--no-old", action="store_true", help="skip the gzip.decompress timing")
    args = parser.parse_args()
    t0 = time.perf_counter()
    gz = make_bed(Path(args.data_dir, f"peaks_{args.n_intervals}.bed"), args.n_intervals,
                  args.n_features)  # fmt: skip
    size = gz.stat().st_size / 2**20
    print(f"data: {gz} ({args.n_intervals:,} intervals, {size:.0f} MB; ready in "
          f"{time.perf_counter() - t0:.1f} s)")  # fmt: skip
    t0 = time.perf_counter()
    bed = read_bed(gz)
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"selene read_bed (streamed bgzip + numba parse): {took:7.2f} s  "
          f"({len(bed.starts):,} intervals, peak RSS {rss:,.0f} MB)")  # fmt: skip
    if not args.no_old:
        t0 = time.perf_counter()
        gzip.decompress(gz.read_bytes())
        print(f"gzip.decompress of the same file (before): {time.perf_counter() - t0:7.2f} s")


if __name__ == "__main__":
    main()
