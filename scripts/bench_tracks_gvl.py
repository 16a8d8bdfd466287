"""Benchmark: ``BigWigTargets`` against GenVarLoader's track reading, on one core.

Run it in the separate benchmark venv that has GenVarLoader (a peer, never a dependency)::

    python3 -m venv .bench/gvl-venv
    .bench/gvl-venv/bin/pip install torch==2.13.0   # the CPU wheel, first
    .bench/gvl-venv/bin/pip install genvarloader pybigtools pyBigWig
    .bench/gvl-venv/bin/pip install -e . --no-deps  # + selene's other dependencies
    .bench/gvl-venv/bin/python scripts/bench_tracks_gvl.py [--regions 200000]

The bigWigs are those of ``scripts/bench_tracks.py`` (``--tracks`` coverage tracks over
``--chroms`` x ``--chrom-mb`` Mb, written under ``--data-dir`` by its ``make_track`` when
missing). A BED of ``--regions`` random 1 kb windows is written into a GenVarLoader dataset
(``gvl.write(..., tracks=gvl.BigWigs(...))``: the tracks are its samples), timed, and read back
in random batches of 64 regions, against ``BigWigTargets``' one-off cache builds (run-length,
the default, and per base) and ``get_feature_data_batch`` from each on the same windows, at
base resolution and at ``bin_size=32``
(GenVarLoader has no binning: its rows bin its per-base output with numpy, over the same
middle 992 bases). Values are compared on a sample of windows (max |diff|), and the disk use
of both is printed. Everything runs pinned to one CPU, GenVarLoader with one thread
(``GVL_NUM_THREADS=1``, ``parallel=False``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

os.environ.setdefault("GVL_NUM_THREADS", "1")  # before genvarloader loads (rayon's pool)
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import genvarloader as gvl  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from bench_tracks import BATCH, WINDOW, make_track, rate  # noqa: E402  (sets NUMBA_NUM_THREADS)
from selene.targets import BigWigTargets  # noqa: E402

BIN = 32


def disk_bytes(path: Path) -> int:
    """Bytes of the regular files under ``path`` (or of ``path`` itself)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed(fn):
    """Run ``fn()`` once; return its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bin_mean(x: np.ndarray, bin_size: int) -> np.ndarray:
    """Mean over bins of the middle ``L // bin_size * bin_size`` bases, like ``BigWigTargets``."""
    n_bins = x.shape[-1] // bin_size
    lo = (x.shape[-1] - n_bins * bin_size) // 2
    kept = x[..., lo : lo + n_bins * bin_size]
    return kept.reshape(*x.shape[:-1], n_bins, bin_size).mean(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=".bench/tracks")
    parser.add_argument("--out-dir", default=".bench/tracks-gvl")
    parser.add_argument("--chroms", type=int, default=10)
    parser.add_argument("--chrom-mb", type=float, default=10.0)
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--regions", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--check", type=int, default=2048, help="windows compared")
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    data, out = Path(args.data_dir), Path(args.out_dir)
    data.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    length = int(args.chrom_mb * 1e6)
    sizes = {f"chr{i + 1}": length for i in range(args.chroms)}
    paths = [make_track(data / f"track{t}.bw", sizes, seed=t) for t in range(args.tracks)]

    rng = np.random.default_rng(0)
    chrom_idx = rng.integers(0, args.chroms, args.regions)
    starts = rng.integers(0, length - WINDOW, args.regions)
    bed = pl.DataFrame(
        {
            "chrom": [f"chr{i + 1}" for i in chrom_idx],
            "chromStart": starts,
            "chromEnd": starts + WINDOW,
        }
    )
    gvl_path = out / f"windows{args.regions}.gvl"
    bigwigs = gvl.BigWigs("cov", {p.stem: str(p) for p in paths})
    _, gvl_write_s, gvl_write_cpu = timed(
        lambda: gvl.write(gvl_path, bed, tracks=bigwigs, overwrite=True)
    )
    gvl_bytes = disk_bytes(gvl_path)
    ds = (
        gvl.Dataset.open(gvl_path)
        .with_seqs(None)
        .with_len(WINDOW)
        .with_settings(parallel=False, rc_neg=False)
    )
    assert list(ds.samples) == [p.stem for p in paths], ds.samples

    cache_dir = out / "cache"
    for old in cache_dir.glob("*/bigwig-*"):  # time cold conversions
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    base, build_s, build_cpu = timed(lambda: BigWigTargets(paths, cache_dir=cache_dir))
    binned = BigWigTargets(paths, bin_size=BIN, cache_dir=cache_dir)
    cache_bytes = sum(disk_bytes(f) for f in base.cache_files)
    dense, dense_s, dense_cpu = timed(
        lambda: BigWigTargets(paths, cache_resolution="base", cache_dir=cache_dir)
    )
    dense_binned = BigWigTargets(paths, bin_size=BIN, cache_resolution="base", cache_dir=cache_dir)
    dense_bytes = sum(disk_bytes(f) for f in dense.cache_files)
    grid = BigWigTargets(paths, bin_size=BIN, cache_resolution="bin", cache_dir=cache_dir)

    # The windows as GenVarLoader stores them (row i of ds.regions is ds[i]).
    regions = ds.regions
    ids = base.chrom_ids(regions["chrom"].to_list()).astype(np.int32)
    r_starts = regions["chromStart"].to_numpy().astype(np.int64)
    r_ends = regions["chromEnd"].to_numpy().astype(np.int64)
    order = rng.permutation(args.regions)
    # The same windows moved down (< 32 bases) so their bins lie on the 32-base grid.
    lo = (WINDOW - WINDOW // BIN * BIN) // 2
    g_starts = (r_starts + lo) // BIN * BIN - lo
    g_starts = np.where(g_starts < 0, g_starts + BIN, g_starts)
    batches = [order[i : i + BATCH] for i in range(0, args.regions - BATCH + 1, BATCH)]

    def cycle(fn):
        it = iter(batches * 1000)
        return lambda: fn(next(it))

    def on_grid(idx):
        return ids[idx], g_starts[idx], g_starts[idx] + WINDOW

    def gvl_read(idx):
        return ds[idx][:, :, 0]  # (B, samples = tracks, 1 track, L) -> (B, T, L)

    def ours(target):
        return lambda idx: target.get_feature_data_batch(ids[idx], r_starts[idx], r_ends[idx])

    check = np.sort(order[: args.check])
    expected = ours(base)(check)
    diff1 = np.abs(gvl_read(check) - expected).max()
    assert np.array_equal(ours(dense)(check), expected)  # runs and bases: one track
    diff32 = np.abs(bin_mean(gvl_read(check), BIN) - ours(binned)(check)).max()
    secs = args.seconds
    rows = [
        ("GenVarLoader ds[idx], per base", rate(cycle(gvl_read), BATCH, secs)),
        ("BigWigTargets bin_size=1 (runs)", rate(cycle(ours(base)), BATCH, secs)),
        ("BigWigTargets bin_size=1, base cache", rate(cycle(ours(dense)), BATCH, secs)),
        (
            f"GenVarLoader ds[idx] + numpy bin {BIN}",
            rate(cycle(lambda idx: bin_mean(gvl_read(idx), BIN)), BATCH, secs),
        ),
        (f"BigWigTargets bin_size={BIN} (runs)", rate(cycle(ours(binned)), BATCH, secs)),
        (
            f"BigWigTargets bin_size={BIN}, base cache",
            rate(cycle(ours(dense_binned)), BATCH, secs),
        ),
        (
            f"BigWigTargets bin_size={BIN}, bin cache*",
            rate(cycle(lambda i: grid.get_feature_data_batch(*on_grid(i))), BATCH, secs),
        ),
    ]
    genome = args.chroms * length
    print(
        f"\n{args.tracks} tracks over {args.chroms} x {args.chrom_mb:g} Mb, {args.regions:,} "
        f"random {WINDOW} bp windows, batches of {BATCH} (random regions), one core "
        f"(pid {os.getpid()} pinned to CPU {sorted(os.sched_getaffinity(0))[0]}); "
        f"genvarloader {gvl.__version__}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared machine)")
    print(f"{'reader':40s} {'windows/s':>10s} {'windows/CPU-s':>14s}")
    for name, (wall, cpu) in rows:
        print(f"{name:40s} {wall:10,.0f} {cpu:14,.0f}")
    print(f"* cache_resolution='bin': the windows moved down onto the {BIN}-base grid")
    print(
        f"\none-off preprocessing (wall / CPU s, disk):\n"
        f"  GenVarLoader gvl.write, {args.regions:,} windows: {gvl_write_s:.1f} / "
        f"{gvl_write_cpu:.1f} s, {gvl_bytes / 1e6:.0f} MB ({gvl_bytes / args.regions:.0f} B "
        "per window; only these windows can be read)\n"
        f"  BigWigTargets run-length cache (the default), whole genome ({genome / 1e6:.0f} Mb): "
        f"{build_s:.1f} / {build_cpu:.1f} s, {cache_bytes / 1e6:.0f} MB (any window)\n"
        f"  BigWigTargets per-base cache, whole genome: {dense_s:.1f} / {dense_cpu:.1f} s, "
        f"{dense_bytes / 1e6:.0f} MB (float32 per base: any window)"
    )
    print(
        f"values on {check.size} windows: max |GenVarLoader - BigWigTargets| = "
        f"{diff1:.3g} per base, {diff32:.3g} at bin {BIN} (values up to {expected.max():.3g}; "
        "GenVarLoader fills bases without data with 0 too)"
    )


if __name__ == "__main__":
    main()
