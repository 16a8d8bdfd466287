"""Benchmark ISM: ours (the layer-local engine) against tangermeme's saturation_mutagenesis.

    .bench/venv/bin/python scripts/bench_ism.py --threads 2          # wall and CPU seconds

DeepSEA(1000, 919) with fixed random weights (``torch.manual_seed(0)``), one random 1000 bp
sequence, every position and its 3 alternatives (3,000 mutants), ``--threads`` torch threads.
Ours: ``in_silico_mutagenesis`` on a runner built once (as ``AnalyzeSequences`` holds one);
tangermeme: ``saturation_mutagenesis(fast=True, raw_outputs=True)``, which captures the model
with ``torch.export`` on each call (its API has no way to keep it). tangermeme skips its fast
path for jobs it expects to finish in 30 s; ``--tangermeme-always-fast`` (default on) sets that
threshold to 0, so that its fastest path is what is timed, and the script says which path ran.
Runs alternate (ours, theirs, ours, ...) so that a change in machine load hits both; each keeps
its best of ``--repeats``. The predictions of both are compared (sigmoid of logits).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from _peers import best_of, timed
from selene.models import DeepSEA
from selene.predict import in_silico_mutagenesis, make_runner

LENGTH, TARGETS = 1000, 919


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-tangermeme-always-fast", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = DeepSEA(LENGTH, TARGETS).eval()
    sequence = "".join(np.random.default_rng(0).choice(list("ACGT"), LENGTH))
    build_wall, build_cpu, runner = timed(lambda: make_runner(net, device="cpu"))
    tools = {"ours": lambda: in_silico_mutagenesis(runner, sequence, batch_size=args.batch_size)}
    try:
        import tangermeme
        from tangermeme import saturation_mutagenesis as tm_ism
    except ImportError:
        tm_ism = None
    if tm_ism is not None:
        if not args.no_tangermeme_always_fast:
            tm_ism._FAST_MIN_SECONDS = 0.0
        codes = torch.as_tensor(np.array(["ACGT".index(c) for c in sequence]))
        x = torch.nn.functional.one_hot(codes, 4).T.float()[None]
        tools["tangermeme"] = lambda: tm_ism.saturation_mutagenesis(
            net, x, batch_size=args.batch_size, raw_outputs=True, fast=True, device="cpu"
        )
    best, outputs, notes = best_of(tools, args.repeats, lambda message: "fast" in message)
    print(f"ISM DeepSEA({LENGTH}, {TARGETS}), one {LENGTH} bp sequence, 3,000 mutants, "
          f"torch {torch.__version__}, {args.threads} threads, batch {args.batch_size}, "
          f"best of {args.repeats}")  # fmt: skip
    print(f"  ours: engine {runner.engine.name}; runner build + self-check {build_wall:.2f} s "
          "wall (once per model)")  # fmt: skip
    for name, (wall, cpu) in best.items():
        print(f"  {name:10s} {wall:6.2f} s wall  {cpu:6.2f} s CPU  ({3 * LENGTH / wall:,.0f} "
              "mutants/s wall)")  # fmt: skip
        for note in notes[name]:
            print(f"    warning: {note}")
    if tm_ism is not None:
        ours, theirs = best["ours"], best["tangermeme"]
        version = tangermeme.__version__
        print(f"  ours faster by {theirs[0] / ours[0]:.2f}x (wall), "
              f"{theirs[1] / ours[1]:.2f}x (CPU)  [tangermeme {version}]")  # fmt: skip
        compare(outputs["ours"], outputs["tangermeme"], sequence)


def compare(ours, theirs, sequence: str) -> None:
    """Print the largest difference between the two tools' mutant probabilities."""
    y_hat = theirs.y_hat.float()  # (1, 4, L, F): letter, position
    if y_hat.dim() != 4:
        print(f"  (tangermeme y_hat has shape {tuple(y_hat.shape)}: not compared)")
        return
    letters = np.array(["ACGT".index(a[0]) for a in ours.alt_alleles])
    positions = ours.positions[:, 0]
    theirs_p = torch.sigmoid(y_hat[0, letters, positions]).numpy()
    print(f"  max |ours - tangermeme| over the mutants' probabilities: "
          f"{np.abs(theirs_p - ours.predictions).max():.2e}")  # fmt: skip


if __name__ == "__main__":
    main()
