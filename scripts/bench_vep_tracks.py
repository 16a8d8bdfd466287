"""Benchmark track variant effects: substitutions as layer-local mutants against full passes.

    .venv/bin/python scripts/bench_vep_tracks.py --threads 1      # variants/s, wall and CPU

A TrackCNN with fixed random weights (``torch.manual_seed(0)``; ``--size default``: the
``model/track_cnn`` config, 1024 bp, 64 channels, 4 dilated blocks, 32 bp bins, 8 tracks;
``--size demo``: ``+experiment=tracks_demo``'s, 512 bp, 32 channels, 2 blocks, 20 tracks)
scores ``--variants`` SNVs spread over a random 1 Mb chromosome (``ops.variant_effects``,
``span=200``, batches of ``--batch-size`` records). Three ways, alternating rounds, best of
``--repeats``:

- ``layer_local``: the runner's layer-local engine, substitutions as its mutants (this code);
- ``full (local forward)``: the same engine, every alt window a whole forward pass (what track
  VEP did before: the engine's whole-sequence path, prepacked oneDNN convolutions);
- ``full (plain)``: ``layer_local=False``, plain PyTorch forward passes.

The scores of the three are compared (largest relative difference of the sums).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

from _peers import best_of
from selene.io.outputs import TRACK_KINDS
from selene.models import TrackCNN
from selene.predict import ops
from selene.sequences import Genome

SIZES = {
    "default": dict(sequence_length=1024, n_tracks=8, bin_size=32, channels=64, n_dilated=4),
    "demo": dict(sequence_length=512, n_tracks=20, bin_size=32, channels=32, n_dilated=2),
}


class _FullPasses:
    """An engine that says it is plain, so that the scorer takes whole passes (the old path)."""

    name = "plain"

    def __init__(self, engine: object) -> None:
        self._engine = engine

    def __getattr__(self, key: str) -> object:
        return getattr(self._engine, key)


def _inputs(root: Path, n: int) -> tuple[Genome, Path]:
    rng = np.random.default_rng(0)
    seq = rng.choice(list("ACGT"), 1_000_000)
    (root / "g.fa").write_text(f">chr1\n{''.join(seq)}\n")
    positions = np.sort(rng.choice(np.arange(5_000, 995_000), n, replace=False))
    other = {b: "ACGT"[("ACGT".index(b) + 1) % 4] for b in "ACGT"}
    lines = [f"chr1\t{p}\tv{i}\t{seq[p - 1]}\t{other[seq[p - 1]]}\n" for i, p in
             enumerate(positions)]  # fmt: skip
    (root / "v.vcf").write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n" + "".join(lines)
    )
    return Genome(root / "g.fa"), root / "v.vcf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = TrackCNN(**SIZES[args.size], dropout=0.0).eval()
    runners = {
        "layer_local": ops.make_runner(net, activation="exp", device="cpu", layer_local=True),
        "full (local forward)": ops.make_runner(net, activation="exp", device="cpu"),
        "full (plain)": ops.make_runner(net, activation="exp", device="cpu", layer_local=False),
    }
    runners["full (local forward)"].engine = _FullPasses(runners["full (local forward)"].engine)
    with tempfile.TemporaryDirectory() as tmp:
        genome, vcf = _inputs(Path(tmp), args.variants)

        def run(runner):
            chunks = ops.variant_effects(runner, genome, vcf, batch_size=args.batch_size)
            chunks = list(chunks)
            return {k: np.concatenate([getattr(c, k) for c in chunks]) for k in TRACK_KINDS}

        tools = {name: (lambda r=r: run(r)) for name, r in runners.items()}
        best, outputs, _ = best_of(tools, args.repeats)
    print(f"TrackCNN {SIZES[args.size]}, {args.variants} SNVs, {args.threads} thread(s)")
    print(f"{'path':<22} {'wall s':>8} {'CPU s':>8} {'variants/s':>11} {'per CPU-s':>10}")
    for name, (wall, cpu) in best.items():
        rate, per_cpu = args.variants / wall, args.variants / cpu
        print(f"{name:<22} {wall:8.2f} {cpu:8.2f} {rate:11.0f} {per_cpu:10.0f}")
    base = outputs["full (plain)"]
    for name in ("layer_local", "full (local forward)"):
        worst = max(
            float(np.abs(outputs[name][k] / base[k] - 1).max()) for k in TRACK_KINDS if "sum" in k
        )
        print(f"{name}: largest relative difference of the sums from full (plain): {worst:.2g}")


if __name__ == "__main__":
    main()
