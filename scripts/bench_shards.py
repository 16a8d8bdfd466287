"""Benchmark sharded variant effect runs (``variant_effect_prediction(shards=N, shard=i)``).

    nice .venv/bin/python scripts/bench_shards.py parallel --n-variants 4000 --model deepsea
    nice .venv/bin/python scripts/bench_shards.py scale --sizes 100000 1000000 --shards 2

``parallel``: one process (all threads, then one thread) against N shard processes started
together (one thread each), on the same bgzipped, tabix-indexed VCF; checks that the merged
files equal the one-process files byte for byte. ``scale``: scores VCFs of each size in N
shards started together, each with its own progress bar (``<root>/logs<n>/shard<i>.log``).
Both print the wall time, the CPU time (all processes, start-up included), each process's
progress bar and its peak RSS (sampled with psutil every 0.2 s, and the kernel's ru_maxrss),
which shows that memory does not grow with the VCF.

Inputs: a random genome (4 chromosomes of --chrom-mb Mb), SNVs at random sorted positions with
the genome's REF and a random other ALT. Models: ``tiny`` (Conv1d(4, 16, 9), ReLU, MaxPool(4),
Linear to 8 features, 200 bp; seconds per 100k variants) or ``deepsea`` (DeepSEA(1000, 919)),
with ``torch.manual_seed(0)`` weights, so every process builds the same model.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import pysam

BASES = np.array(list("ACGT"))


def make_genome(root: Path, chrom_mb: float) -> Path:
    rng = np.random.default_rng(0)
    path = root / "genome.fa"
    with open(path, "w") as handle:
        for c in range(4):
            seq = BASES[rng.integers(0, 4, int(chrom_mb * 1e6))].view(f"U{int(chrom_mb * 1e6)}")
            text = str(seq[0])
            handle.write(f">chr{c + 1}\n")
            handle.writelines(text[i : i + 80] + "\n" for i in range(0, len(text), 80))
    return path


def make_vcf(root: Path, genome: Path, n: int) -> Path:
    from selene.sequences import Genome

    ref = Genome(genome)
    rng = np.random.default_rng(n)
    chroms = sorted(ref.get_chrs())
    counts = rng.multinomial(n, [1 / len(chroms)] * len(chroms))
    plain = root / f"v{n}.vcf"
    with open(plain, "w") as handle:
        handle.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        k = 0
        for chrom, count in zip(chroms, counts, strict=True):
            size = ref.get_chr_lens()[chroms.index(chrom)][1]
            positions = np.sort(rng.integers(1, size + 1, count))
            codes = ref.get_codes_from_coords(chrom, 0, size)
            refs = codes[positions - 1]
            alts = (refs + rng.integers(1, 4, count)) % 4
            lines = [
                f"{chrom}\t{p}\tv{k + i}\t{BASES[r]}\t{BASES[a]}\t.\t.\t.\n"
                for i, (p, r, a) in enumerate(zip(positions.tolist(), refs, alts, strict=True))
            ]
            handle.writelines(lines)
            k += count
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def build(model: str, genome: Path, threads: int, batch_size: int, progress: bool):
    import torch
    from torch import nn

    from selene.models import DeepSEA
    from selene.predict import AnalyzeSequences
    from selene.sequences import Genome

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if model == "tiny":
        length, n_features = 200, 8
        net = nn.Sequential(
            nn.Conv1d(4, 16, 9), nn.ReLU(), nn.MaxPool1d(4), nn.Flatten(),
            nn.Linear(16 * ((length - 8) // 4), n_features),
        )  # fmt: skip
    else:
        length, n_features = 1000, 919
        net = DeepSEA(length, n_features)
    features = [f"f{i}" for i in range(n_features)]
    return AnalyzeSequences(net.eval(), None, length, features, batch_size=batch_size,
                            reference_sequence=Genome(genome), device="cpu",
                            show_progress=progress)  # fmt: skip


def worker(args: argparse.Namespace) -> None:
    """One process: the whole VCF (``--shard -1 --shards 1``) or one shard."""
    analysis = build(args.model, Path(args.genome), args.threads, args.batch_size, True)
    shard = None if args.shard < 0 else args.shard
    start = time.perf_counter()
    analysis.variant_effect_prediction(
        args.vcf, ["diffs"], args.out, "hdf5", shards=args.shards, shard=shard
    )
    print(json.dumps({"seconds": time.perf_counter() - start}))


def launch(args, vcf: Path, out: Path, shards: int, threads: int, logs: Path) -> dict:
    logs.mkdir(parents=True, exist_ok=True)
    """Start the processes together; wait; return wall time and peak RSS (MB) per process."""
    jobs = [-1] if shards == 1 else list(range(shards))
    procs = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for shard in jobs:
        cmd = [sys.executable, __file__, "worker", "--genome", str(args.root / "genome.fa"),
               "--vcf", str(vcf), "--out", str(out), "--model", args.model,
               "--threads", str(threads), "--batch-size", str(args.batch_size),
               "--shards", str(shards), "--shard", str(shard)]  # fmt: skip
        log = open(logs / f"shard{shard}.log", "w")  # noqa: SIM115
        procs.append((subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True), log))
    peaks = [0] * len(procs)
    while any(p.poll() is None for p, _ in procs):
        for i, (p, _) in enumerate(procs):
            try:
                peaks[i] = max(peaks[i], psutil.Process(p.pid).memory_info().rss)
            except psutil.Error:
                pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    for p, log in procs:
        log.close()
        if p.returncode:
            sys.exit(f"a shard failed; see {log.name}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "peak_rss_mb": [round(x / 2**20) for x in peaks],
            "children_maxrss_mb": round(after.ru_maxrss / 1024)}  # fmt: skip


def same_outputs(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    other = sorted(p.name for p in b.iterdir() if p.is_file())
    return names == other and all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def last_bar(log: Path) -> str:
    text = log.read_text().replace("\r", "\n").strip().splitlines()
    bars = [line for line in text if "record/s" in line]
    return bars[-1].strip() if bars else "(no progress bar)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["parallel", "scale", "worker"])
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--model", choices=["tiny", "deepsea"], default="tiny")
    parser.add_argument("--n-variants", type=int, default=20000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--chrom-mb", type=float, default=2.5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--genome"), parser.add_argument("--vcf"), parser.add_argument("--out")
    parser.add_argument("--shard", type=int, default=-1)
    args = parser.parse_args()
    if args.mode == "worker":
        return worker(args)
    args.root = args.root or Path(tempfile.mkdtemp(prefix="bench_shards_"))
    args.root.mkdir(parents=True, exist_ok=True)
    genome = make_genome(args.root, args.chrom_mb)
    from selene.sequences import Genome

    Genome(genome).get_codes_from_coords("chr1", 0, 10)  # build the cache once, not per shard
    results: dict = {"model": args.model, "batch_size": args.batch_size, "cpus": os.cpu_count()}
    if args.mode == "parallel":
        vcf = make_vcf(args.root, genome, args.n_variants)
        runs = {f"one_process_{args.threads}_threads": ("one", 1, args.threads),
                "one_process_1_thread": ("one_thread", 1, 1),
                f"{args.shards}_shards_1_thread_each": ("sharded", args.shards, 1)}  # fmt: skip
        results["variants"] = args.n_variants
        for label, (name, shards, threads) in runs.items():
            run = launch(args, vcf, args.root / name, shards, threads, args.root / f"logs_{name}")
            logs = sorted((args.root / f"logs_{name}").glob("*.log"))
            results[label] = run | {"bars": [last_bar(log) for log in logs]}
        for name in ("one", "one_thread"):  # thread counts change float sums' order
            same = same_outputs(args.root / name, args.root / "sharded")
            results[f"merged_identical_to_{name}"] = same
    else:
        for n in args.sizes:
            vcf = make_vcf(args.root, genome, n)
            logs = args.root / f"logs{n}"
            logs.mkdir()
            run = launch(args, vcf, args.root / f"out{n}", args.shards, 1, logs)
            run["bars"] = [last_bar(logs / f"shard{i}.log") for i in range(args.shards)]
            results[str(n)] = run
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
