"""Benchmark window encoding and label queries against the Selene SDK on a synthetic genome.

Generates (once, cached) a synthetic genome of >= 50 Mb with 919 features, draws 1000 bp windows
(half centred in intervals.bed, half uniform; random strands) with their 200 bp centre bins,
and times:

- encoding one window at a time (``Genome.get_encoding_from_coords``, Selene's (L, 4) float),
- batched codes (``Genome.get_encodings``), and codes + one-hot (``codes_to_one_hot``),
- labels one window at a time (``GenomicFeatures.get_feature_data``) and batched
  (``get_feature_data_batch``).

Where ``selene_sdk`` is importable (run with .bench/venv/bin/python), the same single-window
work runs with it on the same files, its speed and our ratio to it are printed, and a sample of
windows is checked for equal outputs ("match: yes/no").

Scale: a chromatin-profile-sized BED (``--scale-intervals``, 5 million intervals x 919 features,
bgzipped, ~44 MB; generated once under ``--scale-dir``) is loaded by ``GenomicFeatures`` in a
fresh process each time: uncached, cold (caches removed, so it is parsed and indexed and the
parsed-interval and index caches written) and warm (the index memory-mapped from its cache, the
BED not read), and ``read_bed`` alone from its cache; each line states that process's peak RSS.

    .bench/venv/bin/python scripts/bench_data.py --threads 1
    .venv/bin/python scripts/bench_data.py --threads 1 --only-scale
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=".bench/data", help="synthetic dataset cache")
    p.add_argument("--n-chroms", type=int, default=10)
    p.add_argument("--chrom-length", type=int, default=5_000_000)
    p.add_argument("--n-features", type=int, default=919)
    p.add_argument("--window", type=int, default=1000)
    p.add_argument("--bin", type=int, default=200, help="centre bin the labels cover")
    p.add_argument("--threshold", type=float, default=0.5, help="feature threshold (both tools)")
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--n-batched", type=int, default=262_144, help="windows for batched paths")
    p.add_argument("--n-single", type=int, default=20_000, help="windows for one-at-a-time paths")
    p.add_argument("--n-check", type=int, default=2_000, help="windows compared with selene_sdk")
    p.add_argument("--repeats", type=int, default=3, help="best of this many timed runs")
    p.add_argument("--threads", type=int, default=1, help="pin to this many cores (0: no pin)")
    p.add_argument("--no-peer", action="store_true", help="skip selene_sdk even if importable")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale-intervals", type=int, default=5_000_000, help="0: skip the scale case")
    p.add_argument("--scale-dir", default=".bench/bed", help="where the scale BED is generated")
    p.add_argument("--only-scale", action="store_true", help="run only the scale case")
    p.add_argument("--load", help=argparse.SUPPRESS)  # internal: one load, in a fresh process
    return p.parse_args()


ARGS = parse_args()
if ARGS.threads > 0:  # before numba / torch start their thread pools
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
    cores = sorted(os.sched_getaffinity(0))[: ARGS.threads]
    os.sched_setaffinity(0, cores)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from selene.datasets import make_synthetic  # noqa: E402
from selene.io import bed as io_bed  # noqa: E402
from selene.io.bed import read_bed  # noqa: E402
from selene.sequences import Genome, codes_to_encoding, codes_to_one_hot  # noqa: E402
from selene.targets import GenomicFeatures  # noqa: E402


def best_rate(fn, n: int, repeats: int) -> float:
    """Windows per second of ``fn()`` (which handles ``n`` windows), best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def draw_windows(data, genome: Genome, n: int, rng: np.random.Generator):
    """Half the windows centred in intervals.bed, half uniform; strands at random."""
    half = ARGS.window // 2
    sizes = dict(genome.get_chr_lens())
    names = genome.get_chrs()
    bed = read_bed(data.intervals_bed, columns=3)
    pick = rng.integers(0, bed.starts.size, n // 2)
    chroms = [bed.chroms[c] for c in bed.chrom[pick].tolist()]
    centres = [int(rng.integers(bed.starts[i], bed.ends[i])) for i in pick]
    lengths = np.array([sizes[c] for c in names], dtype=np.float64)
    uniform = rng.choice(len(names), n - n // 2, p=lengths / lengths.sum())
    chroms += [names[i] for i in uniform]
    centres += [int(rng.integers(half, sizes[names[i]] - half)) for i in uniform]
    centres = np.clip(np.array(centres), half, [sizes[c] - half for c in chroms])
    order = rng.permutation(n)
    chroms = [chroms[i] for i in order]
    starts = (centres[order] - half).astype(np.int64)
    strands = np.where(rng.random(n) < 0.5, "+", "-")
    return chroms, starts, starts + ARGS.window, strands


def load_peer():
    if ARGS.no_peer:
        return None, "skipped (--no-peer)"
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    try:
        import selene_sdk  # noqa: F401
        from selene_sdk.sequences import Genome as SdkGenome
        from selene_sdk.targets import GenomicFeatures as SdkFeatures
    except ImportError as err:
        return None, f"not importable ({err}); run with .bench/venv/bin/python"
    return (SdkGenome, SdkFeatures), f"selene_sdk {selene_sdk.__version__}"


def make_scale_bed(n: int, n_features: int) -> Path:
    """Write (once) a sorted, bgzipped, tabix-indexed BED of random peaks on 23 chromosomes."""
    gz = Path(ARGS.scale_dir, f"peaks_{n}x{n_features}.bed.gz")
    if gz.is_file() and Path(f"{gz}.tbi").is_file():
        return gz
    import pysam

    rng = np.random.default_rng(0)
    chroms, starts = np.sort(rng.integers(1, 24, n)), rng.integers(0, 150_000_000, n)
    order = np.lexsort((starts, chroms))
    chroms, starts = chroms[order], starts[order]
    ends, feats = starts + rng.integers(150, 2000, n), rng.integers(0, n_features, n)
    plain = gz.with_suffix("")
    plain.parent.mkdir(parents=True, exist_ok=True)
    with open(plain, "w") as handle:
        for lo in range(0, n, 500_000):
            cols = [a[lo : lo + 500_000].tolist() for a in (chroms, starts, ends, feats)]
            rows = zip(*cols, strict=True)
            handle.writelines(f"chr{c}\t{s}\t{e}\tf{f:03d}\n" for c, s, e, f in rows)
    pysam.tabix_compress(str(plain), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="bed", force=True)
    plain.unlink()
    return gz


def load_once(cache: str, gz: Path) -> dict[str, float]:
    """Load ``gz`` with ``GenomicFeatures`` in this fresh process: its times and peak RSS.

    ``cache`` is ``uncached``, ``cold`` (caches removed first), ``warm``, or ``read`` (only
    ``read_bed``, warm: from its parsed-interval cache).
    """
    from selene.targets import _kernels

    features = [f"f{i:03d}" for i in range(ARGS.n_features)]
    if cache == "cold":
        shutil.rmtree(f"{gz}.selcache", ignore_errors=True)
    if cache == "uncached":  # files of any size are then read without the caches
        io_bed.CACHE_MIN_BYTES = 1 << 62
    t0 = time.perf_counter()  # numba's start-up, paid once per process by its first kernel
    _kernels.prefix_max_end(np.zeros(1, np.int64), np.zeros(0, np.int64))
    numba_start = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    read = {"seconds": float("nan"), "cpu": float("nan")}  # nan: the BED was not read

    def timed_read(*args, **kwargs):
        start, cpu_start = time.perf_counter(), time.process_time()
        bed = read_bed(*args, **kwargs)
        read["seconds"] = time.perf_counter() - start
        read["cpu"] = time.process_time() - cpu_start
        return bed

    io_bed.read_bed = timed_read
    t0, c0 = time.perf_counter(), time.process_time()
    if cache == "read":
        io_bed.read_bed(gz)
    else:
        target = GenomicFeatures(gz, features)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    times = {"read": read["seconds"], "read_cpu": read["cpu"], "init": took, "cpu": cpu}
    times["numba"], times["query"] = numba_start, float("nan")
    if cache != "read":  # then a first batch of labels (a mapped index is paged in as it goes)
        rng = np.random.default_rng(0)
        n = 65_536
        chroms = target.chrom_ids([f"chr{c}" for c in rng.integers(1, 24, n)])
        starts = rng.integers(0, 150_000_000, n)
        t0 = time.perf_counter()
        target.get_feature_data_batch(chroms, starts, starts + ARGS.bin)
        times["query"] = time.perf_counter() - t0
    return {**times, "rss": rss, "rss_before": rss_before}


def bench_scale() -> None:
    n = ARGS.scale_intervals
    t0 = time.perf_counter()
    gz = make_scale_bed(n, ARGS.n_features)
    size = gz.stat().st_size / 1e6
    print(f"\nscale: {gz} ({n:,} intervals x {ARGS.n_features} features, bgzipped "
          f"{size:.0f} MB; ready in {time.perf_counter() - t0:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    print("each load in a fresh process, wall (CPU) seconds; read_bed = the BED read, init = "
          "GenomicFeatures (read + index, or the mapped index); imports and numba start-up not "
          "timed; peak RSS at the end of init")  # fmt: skip
    for cache in ("uncached", "cold", "warm", "read"):
        args = [sys.executable, __file__, "--threads", str(ARGS.threads), "--load", cache]
        args += ["--scale-dir", ARGS.scale_dir, "--scale-intervals", str(n)]
        args += ["--n-features", str(ARGS.n_features), "--bin", str(ARGS.bin)]
        out = subprocess.run(args, check=True, capture_output=True, text=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        read = "  -  (  - )" if got["read"] != got["read"] else (
            f"{got['read']:5.2f} ({got['read_cpu']:4.2f})")  # fmt: skip
        init = "" if cache == "read" else f"  init {got['init']:5.2f} ({got['cpu']:4.2f}) s"
        query = "" if cache == "read" else f"  first 65,536 labels {got['query']:4.2f} s"
        print(
            f"  {cache:<9} read_bed {read} s{init}  peak RSS {got['rss']:,.0f} MB (imports "
            f"{got['rss_before']:,.0f} MB; numba start-up {got['numba']:.2f} s){query}"
        )
    print("  (uncached: no cache; cold: caches removed, so the file is parsed, indexed and both "
          "caches written; warm: the index mapped from its cache, the BED not read; read: "
          "read_bed alone, from its cache)")  # fmt: skip


def main() -> int:
    if ARGS.load:
        gz = make_scale_bed(ARGS.scale_intervals, ARGS.n_features)
        print(json.dumps(load_once(ARGS.load, gz)))
        return 0
    if ARGS.only_scale:
        bench_scale()
        return 0
    rng = np.random.default_rng(ARGS.seed)
    t0 = time.perf_counter()
    data = make_synthetic(
        Path(ARGS.data_dir),
        n_chroms=ARGS.n_chroms,
        chrom_length=ARGS.chrom_length,
        n_features=ARGS.n_features,
    )
    t_data = time.perf_counter() - t0
    features = data.features
    t0 = time.perf_counter()
    genome = Genome(data.fasta)
    genome.get_encodings(genome.get_chrs()[:1], [0], [ARGS.window])  # cache + numba compile
    t_genome = time.perf_counter() - t0
    t0 = time.perf_counter()
    targets = GenomicFeatures(data.features_bed, features, feature_thresholds=ARGS.threshold)
    targets.get_feature_data_batch(genome.get_chrs()[:1], [0], [ARGS.bin])
    t_targets = time.perf_counter() - t0

    n_big, n_one, bs = ARGS.n_batched, ARGS.n_single, ARGS.batch_size
    chroms, starts, ends, strands = draw_windows(data, genome, n_big, rng)
    offset = (ARGS.window - ARGS.bin) // 2
    bin_starts, bin_ends = starts + offset, starts + offset + ARGS.bin
    gids, tids = genome.chrom_ids(chroms), targets.chrom_ids(chroms)
    minus = strands == "-"
    batches = [slice(i, min(i + bs, n_big)) for i in range(0, n_big, bs)]

    def enc_single():
        for i in range(n_one):
            genome.get_encoding_from_coords(chroms[i], starts[i], ends[i], strands[i])

    def enc_batched():
        for b in batches:
            genome.get_encodings(gids[b], starts[b], ends[b], minus[b])

    def enc_one_hot():
        for b in batches:
            codes_to_one_hot(
                torch.from_numpy(genome.get_encodings(gids[b], starts[b], ends[b], minus[b]))
            )

    def lab_single():
        for i in range(n_one):
            targets.get_feature_data(chroms[i], bin_starts[i], bin_ends[i])

    def lab_batched():
        for b in batches:
            targets.get_feature_data_batch(tids[b], bin_starts[b], bin_ends[b])

    reps = ARGS.repeats
    ours = {
        "encode, one window": best_rate(enc_single, n_one, reps),
        f"encode, batched codes ({bs})": best_rate(enc_batched, n_big, reps),
        f"encode, batched + CPU one-hot ({bs})": best_rate(enc_one_hot, n_big, reps),
        "labels, one window": best_rate(lab_single, n_one, reps),
        f"labels, batched ({bs})": best_rate(lab_batched, n_big, reps),
    }

    classes, peer_note = load_peer()
    peer: dict[str, float] = {}
    checks: list[str] = []
    t_peer = ""
    if classes is not None:
        SdkGenome, SdkFeatures = classes
        t0 = time.perf_counter()
        sdk_genome = SdkGenome(str(data.fasta), init_unpicklable=True)
        sdk_targets = SdkFeatures(
            str(data.features_bed),
            features,
            feature_thresholds=ARGS.threshold,
            init_unpicklable=True,
        )
        t_peer = f", selene_sdk init {time.perf_counter() - t0:.2f} s"

        def sdk_enc():
            for i in range(n_one):
                sdk_genome.get_encoding_from_coords(chroms[i], starts[i], ends[i], strands[i])

        def sdk_lab():
            for i in range(n_one):
                sdk_targets.get_feature_data(chroms[i], bin_starts[i], bin_ends[i])

        peer["encode"] = best_rate(sdk_enc, n_one, reps)
        peer["labels"] = best_rate(sdk_lab, n_one, reps)

        idx = rng.choice(n_big, min(ARGS.n_check, n_big), replace=False)
        batch_codes = genome.get_encodings(gids[idx], starts[idx], ends[idx], minus[idx])
        batch_labels = targets.get_feature_data_batch(tids[idx], bin_starts[idx], bin_ends[idx])
        enc_ok = lab_ok = True
        for row, i in enumerate(idx):
            want = sdk_genome.get_encoding_from_coords(chroms[i], starts[i], ends[i], strands[i])
            got = genome.get_encoding_from_coords(chroms[i], starts[i], ends[i], strands[i])
            enc_ok &= np.array_equal(got, want) and np.array_equal(
                codes_to_encoding(batch_codes[row]), want
            )
            want = sdk_targets.get_feature_data(chroms[i], bin_starts[i], bin_ends[i])
            got = targets.get_feature_data(chroms[i], bin_starts[i], bin_ends[i])
            lab_ok &= np.array_equal(got, want) and np.array_equal(batch_labels[row], want)
        positives = int(batch_labels.any(axis=1).sum())
        checks.append(
            f"match: {'yes' if enc_ok else 'no'} (encodings, {len(idx)} windows, single and "
            f"batched, both strands, vs selene_sdk get_encoding_from_coords)"
        )
        checks.append(
            f"match: {'yes' if lab_ok else 'no'} (labels, {len(idx)} windows, {positives} with a "
            f"positive feature, single and batched, vs selene_sdk get_feature_data)"
        )

    size = sum(n for _, n in genome.get_chr_lens())
    print(
        f"selene data benchmark: {ARGS.n_chroms} x {ARGS.chrom_length / 1e6:g} Mb "
        f"({size / 1e6:.0f} Mb), {len(features)} features, {ARGS.window} bp windows, "
        f"{ARGS.bin} bp centre bin, threshold {ARGS.threshold}, threads {ARGS.threads or 'all'}"
    )
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}; peer: {peer_note}")
    print(
        f"data {data.root} ({t_data:.2f} s); Genome init + compile {t_genome:.2f} s, "
        f"GenomicFeatures init {t_targets:.2f} s{t_peer}"
    )
    print(f"windows: {n_big} batched / {n_one} one at a time; best of {reps} runs\n")
    header = f"{'operation':<36} {'selene win/s':>14} {'selene_sdk win/s':>17} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for name, rate in ours.items():
        ref = peer.get(name.split(",")[0])
        peer_col = f"{ref:>17,.0f}" if ref else f"{'-':>17}"
        ratio = f"{rate / ref:>7.1f}x" if ref else f"{'-':>8}"
        print(f"{name:<36} {rate:>14,.0f} {peer_col} {ratio}")
    if peer:
        print(
            "(selene_sdk: one window at a time, its get_encoding_from_coords / get_feature_data)"
        )
    for line in checks:
        print(line)
    if ARGS.scale_intervals:
        bench_scale()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
