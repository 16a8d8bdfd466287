"""Benchmark: training samples/s of RandomPositionsSampler, and of selene_sdk's in the same run.

Builds (once, cached) a synthetic genome of 10 x 5 Mb with 919 features, then measures
samples/s through ``RandomPositionsSampler.train_dataloader()`` with 0 and 1 workers (1000 bp,
batch 64, random strand, blacklist on), and, where ``selene_sdk`` is importable, its
``RandomPositionsSampler.sample(64)`` on the same files, and the ratio.

    .venv/bin/python scripts/bench_sampler.py             # ours only
    .bench/venv/bin/python scripts/bench_sampler.py       # ours and selene_sdk 0.6.0
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".bench" / "data" / "synthetic-10x5Mb-919"


def rate(next_batch, seconds: float, warmup: int = 5) -> tuple[float, int]:
    """Samples/s of ``next_batch()`` over about ``seconds`` (after a few warm-up batches)."""
    for _ in range(warmup):
        next_batch()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        n += next_batch()
    return n / elapsed, n


def bench_ours(data, workers: int, batch: int, length: int, seconds: float) -> float:
    from selene.samplers import RandomPositionsSampler
    from selene.sequences import Genome
    from selene.targets import GenomicFeatures

    genome = Genome(data.fasta, blacklist_regions=data.blacklist_bed)
    target = GenomicFeatures(data.features_bed, data.features_txt)
    sampler = RandomPositionsSampler(
        genome,
        target,
        data.features_txt,
        sequence_length=length,
        center_bin_to_predict=200,
        batch_size=batch,
        num_workers=workers,
        seed=436,
    )
    iterator = iter(sampler.train_dataloader())

    def step() -> int:
        return next(iterator)["targets"].shape[0]

    speed, n = rate(step, seconds)
    print(
        f"selene  RandomPositionsSampler.train_dataloader(num_workers={workers}): "
        f"{speed:>10,.0f} samples/s  ({n:,} samples)"
    )
    return speed


def bench_selene_sdk(data, batch: int, length: int, seconds: float) -> float | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from selene_sdk.samplers import RandomPositionsSampler
            from selene_sdk.sequences import Genome
    except ImportError:
        print("selene_sdk not importable here: run with .bench/venv/bin/python for the ratio")
        return None
    logging.getLogger("selene_sdk").setLevel(logging.WARNING)
    features = data.features_txt.read_text().split()
    genome = Genome(str(data.fasta), blacklist_regions=str(data.blacklist_bed) + ".gz")
    sampler = RandomPositionsSampler(
        genome,
        str(data.features_bed),
        features,
        sequence_length=length,
        center_bin_to_predict=200,
        seed=436,
    )

    def step() -> int:
        return sampler.sample(batch)[1].shape[0]

    speed, n = rate(step, seconds, warmup=2)
    print(
        f"selene_sdk 0.6.0 RandomPositionsSampler.sample({batch}):          "
        f"{speed:>10,.0f} samples/s  ({n:,} samples)"
    )
    return speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per case")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--sequence-length", type=int, default=1000)
    args = parser.parse_args()

    from selene.datasets.synthetic import make_synthetic

    start = time.perf_counter()
    data = make_synthetic(args.data_dir, n_chroms=10, chrom_length=5_000_000, n_features=919)
    print(
        f"data: {data.root} (10 x 5 Mb, 919 features; ready in "
        f"{time.perf_counter() - start:.1f} s)"
    )
    print(f"batch {args.batch_size}, {args.sequence_length} bp, ~{args.seconds:g} s per case")
    ours = {
        w: bench_ours(data, w, args.batch_size, args.sequence_length, args.seconds) for w in (0, 1)
    }
    peer = bench_selene_sdk(data, args.batch_size, args.sequence_length, args.seconds)
    if peer:
        for w, speed in ours.items():
            print(f"ratio (num_workers={w}) / selene_sdk: {speed / peer:.1f}x")


if __name__ == "__main__":
    main()
