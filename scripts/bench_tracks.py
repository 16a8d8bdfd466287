"""Benchmark: ``BigWigTargets`` against per-window bigWig reads (pyBigWig, pybigtools), one run.

Writes ``--tracks`` bigWig coverage tracks over a synthetic genome (``--chroms`` x ``--chrom-mb``
Mb; runs of 1-60 bases with 30% of the genome without data) once under ``--data-dir``, times
the one-off conversion into the run-length cache (the default) and into the per-base cache,
then times, on one core, random 1 kb windows in batches of 64:
``BigWigTargets.get_feature_data_batch`` at base resolution and at ``bin_size=32`` from the
run-length cache (float32 and float16), from the per-base cache (float32 and float16), and
from a ``cache_resolution="bin"`` cache with the windows moved onto the 32-base grid, against a
loop of per-window ``values()`` calls of pyBigWig and of pybigtools over the same tracks.
Prints one table: windows/s (wall and per CPU second), speed-up, cache bytes on disk (and the
size for a 3.1 Gb genome: computed for the dense caches, extrapolated per base for the runs),
and the process's memory (anonymous and file-backed RSS). Then the online sampler: samples/s
of ``RandomPositionsSampler(target=BigWigTargets(...)).train_dataloader()`` over a random
genome of the same chromosomes (1 kb windows, random strand, batches of 64) with 0 and 1
DataLoader workers, at ``bin_size=32`` (run-length cache, per-base cache, and a cache of bins
with the windows snapped onto its grid) and ``bin_size=1`` (run-length cache); these rows
unpin the process (a worker and the main process that unpacks its batches take a core each).

    .venv/bin/python scripts/bench_tracks.py [--chroms 10] [--chrom-mb 10] [--tracks 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core, before numba loads
os.environ.setdefault("OMP_NUM_THREADS", "1")

import shutil  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pybigtools  # noqa: E402
import pyBigWig  # noqa: E402

from selene.samplers import RandomPositionsSampler  # noqa: E402
from selene.sequences import Genome  # noqa: E402
from selene.targets import BigWigTargets  # noqa: E402

HUMAN_BASES = 3.1e9
WINDOW, BATCH = 1000, 64


def make_track(path: Path, sizes: dict[str, int], seed: int) -> Path:
    """Write one coverage-like bigWig: runs of 1-60 bases, 30% of runs without data."""
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp.bw")
    bw = pyBigWig.open(str(tmp), "w")
    bw.addHeader(list(sizes.items()))
    for chrom, length in sizes.items():
        runs = rng.integers(1, 61, length // 25 + 100)
        edges = np.concatenate(([0], np.cumsum(runs)))
        edges = edges[edges < length]
        starts, ends = edges, np.append(edges[1:], length)
        keep = rng.random(starts.size) > 0.3
        values = rng.gamma(0.5, 4.0, starts.size).astype(np.float32)
        for lo in range(0, starts.size, 1_000_000):
            part = slice(lo, lo + 1_000_000)
            k = keep[part]
            bw.addEntries(
                [chrom] * int(k.sum()),
                starts[part][k].tolist(),
                ends=ends[part][k].tolist(),
                values=values[part][k].tolist(),
            )
    bw.close()
    tmp.rename(path)
    return path


def pybigtools_records(path: Path) -> int:
    """Number of records (intervals) in a bigWig, counted through pybigtools."""
    reader = pybigtools.open(str(path))
    try:
        return sum(sum(1 for _ in reader.records(chrom)) for chrom in reader.chroms())
    finally:
        reader.close()


def make_genome(path: Path, sizes: dict[str, int], seed: int) -> Path:
    """Write a FASTA of uniform random bases over ``sizes`` (the tracks' chromosomes)."""
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", np.uint8)
    tmp = path.with_suffix(".tmp.fa")
    with open(tmp, "wb") as fasta:
        for chrom, length in sizes.items():
            fasta.write(f">{chrom}\n".encode())
            for lo in range(0, length, 10_000_000):
                n = min(length, lo + 10_000_000) - lo
                fasta.write(letters[rng.integers(0, 4, n, dtype=np.uint8)].tobytes())
            fasta.write(b"\n")
    tmp.rename(path)
    return path


def family_cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its live children (DataLoader workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # exited meanwhile
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return time.process_time(), total


def sampler_rate(
    genome: Genome, target, workers: int, seconds: float
) -> tuple[float, float, float]:
    """Samples/s of ``RandomPositionsSampler.train_dataloader()`` with ``workers`` workers.

    Returns the wall rate, the rate per CPU second of the main process and its workers
    together, and per CPU second of the workers alone (NaN without workers): the CPU rates hold
    on a machine shared with other jobs; the wall rate does not.
    """
    sampler = RandomPositionsSampler(
        genome,
        target=target,
        validation_holdout=["chr1"],
        test_holdout=None,
        n_validation_samples=64,
        sequence_length=WINDOW,
        batch_size=BATCH,
        num_workers=workers,
        seed=1,
    )
    batches = iter(sampler.train_dataloader())
    for _ in range(20):  # warm up: workers start, numba compiles, pages fault in
        next(batches)
    n, start, (main0, workers0) = 0, time.perf_counter(), family_cpu()
    while (elapsed := time.perf_counter() - start) < seconds:
        n += next(batches)["targets"].shape[0]
    main1, workers1 = family_cpu()
    main_cpu, worker_cpu = main1 - main0, workers1 - workers0
    del batches  # stop the workers
    per_worker = n / worker_cpu if workers else float("nan")
    return n / elapsed, n / (main_cpu + worker_cpu), per_worker


def rate(fn, n_windows: int, seconds: float) -> tuple[float, float]:
    """Windows per second of ``fn`` (called repeatedly for about ``seconds``): wall and CPU.

    The CPU rate (windows per second of this process's CPU time) leaves out time the process
    waited for a core, so it holds on a machine shared with other jobs; the wall rate does not.
    """
    fn()  # warm up (numba compile, page cache, page tables)
    calls, start, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        calls += 1
    return calls * n_windows / elapsed, calls * n_windows / (time.process_time() - cpu)


def disk_bytes(target) -> int:
    """Bytes on disk of a target's caches (files, or the files of run-length cache folders)."""
    files = [f for c in target.cache_files for f in (c.iterdir() if c.is_dir() else [c])]
    return sum(f.stat().st_size for f in files)


def memory() -> dict[str, int]:
    """Resident memory of this process, split into anonymous and file-backed (memory maps)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def _worker(target, batches, queue) -> None:
    """What a DataLoader worker does: unpickle the target, gather batches, report its memory."""
    base = memory()
    for batch in batches:
        target.get_feature_data_batch(*batch)
    queue.put((base, memory()))


def worker_memory(target, batches) -> tuple[dict[str, int], dict[str, int]]:
    """Memory of a fresh (spawned) process before and after gathering ``batches``."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_worker, args=(target, batches, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=".bench/tracks")
    parser.add_argument("--chroms", type=int, default=10)
    parser.add_argument("--chrom-mb", type=float, default=10.0)
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--n-batches", type=int, default=256)
    args = parser.parse_args()
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {sorted(cpus)[0]})
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    length = int(args.chrom_mb * 1e6)
    sizes = {f"chr{i + 1}": length for i in range(args.chroms)}
    t0 = time.perf_counter()
    paths = [make_track(data / f"track{t}.bw", sizes, seed=t) for t in range(args.tracks)]
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(
        f"bigWigs ready in {time.perf_counter() - t0:.1f} s: {len(paths)} tracks x "
        f"{args.chroms} x {args.chrom_mb:g} Mb, {mb:.0f} MB"
    )

    cache_dir = data / "cache"
    for old in cache_dir.glob("*/bigwig-*"):  # time cold conversions
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    t0, cpu0 = time.perf_counter(), time.process_time()
    runs = BigWigTargets(paths, cache_dir=cache_dir)
    runs_s, runs_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    t0 = time.perf_counter()
    base = BigWigTargets(paths, cache_resolution="base", cache_dir=cache_dir)
    convert_s = time.perf_counter() - t0
    runs32 = BigWigTargets(paths, bin_size=32, cache_dir=cache_dir)
    runs_half = BigWigTargets(paths, bin_size=32, cache_dtype="float16", cache_dir=cache_dir)
    dense = {"bin_size": 32, "cache_resolution": "base", "cache_dir": cache_dir}
    binned = BigWigTargets(paths, **dense)
    half = BigWigTargets(paths, cache_dtype="float16", **dense)
    half_bytes = disk_bytes(half)
    grid = BigWigTargets(paths, bin_size=32, cache_resolution="bin", cache_dir=cache_dir)
    grid_bytes = disk_bytes(grid)
    cache_bytes = disk_bytes(base)
    runs_bytes, runs_half_bytes = disk_bytes(runs), disk_bytes(runs_half)
    n_runs = sum(int(np.load(f / "chroms.npy")[:, 1].sum()) for f in runs.cache_files)
    genome = args.chroms * length

    rng = np.random.default_rng(0)
    n = BATCH * args.n_batches
    ids = rng.integers(0, args.chroms, n).astype(np.int32)
    starts = rng.integers(0, length - WINDOW, n)
    names = [f"chr{i + 1}" for i in ids]
    batches = [
        (ids[i : i + BATCH], starts[i : i + BATCH], starts[i : i + BATCH] + WINDOW)
        for i in range(0, n, BATCH)
    ]

    # 1000 = 31 * 32 + 8: the bins of a window starting at 32 k - 4 lie on the 32-base grid.
    on_grid = starts // 32 * 32 + 28
    grid_batches = [(c, s // 32 * 32 + 28, s // 32 * 32 + 28 + WINDOW) for c, s, _ in batches]
    assert on_grid.max() + WINDOW <= length

    def run(target, chosen=batches):
        it = iter(chosen * 10_000)
        return lambda: target.get_feature_data_batch(*next(it))

    bw_handles = [pyBigWig.open(str(p)) for p in paths]
    bt_handles = [pybigtools.open(str(p)) for p in paths]
    cursor = [0]

    def per_window(read):
        def go():
            i = cursor[0] % n
            cursor[0] += BATCH
            for j in range(i, i + BATCH):
                s = int(starts[j])
                np.stack([read(h, names[j], s, s + WINDOW) for h in handles_for[read]])

        return go

    def pybigwig_read(h, c, s, e):
        return np.nan_to_num(h.values(c, s, e, numpy=True))

    def pybigtools_read(h, c, s, e):
        return h.values(c, s, e, fillna=0.0)

    handles_for = {pybigwig_read: bw_handles, pybigtools_read: bt_handles}
    secs = args.seconds
    rows = [
        ("pyBigWig values(), per window", rate(per_window(pybigwig_read), BATCH, args.seconds)),
        (
            "pybigtools values(), per window",
            rate(per_window(pybigtools_read), BATCH, args.seconds),
        ),
        ("BigWigTargets bin_size=1, runs", rate(run(runs), BATCH, secs)),
        ("BigWigTargets bin_size=1, base cache", rate(run(base), BATCH, secs)),
        ("BigWigTargets bin_size=32, runs", rate(run(runs32), BATCH, secs)),
        ("BigWigTargets bin_size=32, runs float16", rate(run(runs_half), BATCH, secs)),
        ("BigWigTargets bin_size=32, base cache", rate(run(binned), BATCH, secs)),
        ("BigWigTargets bin_size=32, base float16", rate(run(half), BATCH, secs)),
        ("BigWigTargets bin_size=32, bin cache*", rate(run(grid, grid_batches), BATCH, secs)),
    ]
    fastest_peer = max(rows[0][1][0], rows[1][1][0])
    fastest_peer_cpu = max(rows[0][1][1], rows[1][1][1])
    mem = memory()
    before, after = worker_memory(runs32, batches)
    print(
        f"\n{args.tracks} tracks, {WINDOW} bp windows, batches of {BATCH}, one core "
        f"(pid {os.getpid()} pinned to CPU {sorted(os.sched_getaffinity(0))[0]})"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'reader':40s} {'windows/s':>10s} {'x peer':>7s} {'windows/CPU-s':>14s} {'x peer':>7s}"
    )
    for name, (wall, cpu) in rows:
        print(
            f"{name:40s} {wall:10,.0f} {wall / fastest_peer:7.1f} "
            f"{cpu:14,.0f} {cpu / fastest_peer_cpu:7.1f}"
        )
    records = sum(pybigtools_records(p) for p in paths)
    per_base = runs_bytes / (args.tracks * genome)
    print(
        f"\nrun-length cache (the default): {runs_s:.1f} s ({runs_cpu:.1f} CPU s) to convert "
        f"{args.tracks} x {genome / 1e6:.0f} Mb from {records:,} bigWig records "
        f"({records / (args.tracks * genome):.4f} per base); {n_runs:,} runs "
        f"({n_runs / (args.tracks * genome):.4f} per base): {runs_bytes / 1e6:.0f} MB on disk "
        f"({per_base:.3f} B/base), float16 {runs_half_bytes / 1e6:.0f} MB; a 3.1 Gb genome of "
        f"this density: {per_base * HUMAN_BASES * args.tracks / 1e9:.1f} GB for {args.tracks} "
        "tracks"
    )
    print(
        f"per-base cache: {convert_s:.1f} s to convert {args.tracks} x {genome / 1e6:.0f} Mb "
        f"({args.tracks * genome / convert_s / 1e6:.0f} M bases/s); {cache_bytes / 1e9:.2f} GB "
        f"on disk = 4 B/base x {genome:,} bases x {args.tracks} tracks; float16 "
        f"{half_bytes / 1e9:.2f} GB; bin cache (32 bp) {grid_bytes / 1e9:.3f} GB"
    )
    print("* windows whose bins lie on the chromosome's 32-base grid (cache_resolution='bin')")
    print(
        f"a 3.1 Gb genome: 4 B x 3.1e9 x {args.tracks} = "
        f"{4 * HUMAN_BASES * args.tracks / 1e9:.1f} GB (float32), "
        f"{2 * HUMAN_BASES * args.tracks / 1e9:.1f} GB (cache_dtype='float16'), "
        f"{4 * HUMAN_BASES / 32 * args.tracks / 1e9:.1f} GB (cache_resolution='bin', 32 bp)"
    )
    print(
        "memory of this process: RSS {:.2f} GB = anonymous {:.2f} GB + file-backed {:.2f} GB "
        "(shared page cache of the memory maps); peak RSS {:.2f} GB".format(
            mem["VmRSS"] / 1e9, mem["RssAnon"] / 1e9, mem["RssFile"] / 1e9, mem["VmHWM"] / 1e9
        )
    )
    print(
        f"a worker (spawned, unpickles the bin_size=32 runs target, gathers {len(batches)} "
        "batches): "
        f"anonymous {before['RssAnon'] / 1e6:.0f} -> {after['RssAnon'] / 1e6:.0f} MB, "
        f"file-backed {before['RssFile'] / 1e6:.0f} -> {after['RssFile'] / 1e6:.0f} MB "
        "(pages of the cache it touched, shared with every other worker)"
    )

    os.sched_setaffinity(0, cpus)  # the sampler rows: the worker gets a core of its own
    fasta = make_genome(data / "genome.fa", sizes, seed=0)
    genome = Genome(fasta, cache_dir=cache_dir)
    print(
        f"\nRandomPositionsSampler, {args.tracks} bigWig tracks, {WINDOW} bp, batches of "
        f"{BATCH}, random strand (load average {os.getloadavg()[0]:.1f} on "
        f"{len(cpus)} CPUs)"
    )
    print(
        f"{'target':40s} {'workers':>7s} {'samples/s':>10s} {'samples/CPU-s':>14s} "
        f"{'/worker-CPU-s':>14s}"
    )
    targets = (
        ("bin_size=32, runs", runs32),
        ("bin_size=32, base cache", binned),
        ("bin_size=32, bin cache**", grid),
        ("bin_size=1, runs", runs),
    )
    for name, target in targets:
        for workers in (0, 1):
            wall, cpu, worker = sampler_rate(genome, target, workers, args.seconds)
            print(
                f"{'BigWigTargets ' + name:40s} {workers:7d} {wall:10,.0f} {cpu:14,.0f} "
                f"{worker:14,.0f}"
            )
    print(
        "samples/CPU-s: per CPU second of the main process and its worker together; "
        "/worker-CPU-s: per CPU second of the worker alone (the rate one worker with a core of "
        "its own gives while the main process keeps up)"
    )
    print("** cache_resolution='bin': windows move down onto the 32-base grid (under 32 bases)")


if __name__ == "__main__":
    main()
