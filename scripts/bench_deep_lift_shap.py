"""Benchmark deep_lift_shap: ours against tangermeme's deep_lift_shap, same references.

    .bench/venv/bin/python scripts/bench_deep_lift_shap.py --threads 2   # wall and CPU seconds

DeepSEA(1000, 919) with fixed random weights (``torch.manual_seed(0)``), ``--n-sequences``
random 1000 bp sequences, ``--n-shuffles`` dinucleotide shuffles each (drawn once by ours and
passed to both, tangermeme through ``references=``), target column 0, ``--batch-size``
(sequence, reference) pairs per pass for both, ``--threads`` torch threads, on the CPU.
Ours: ``selene.interpret.deep_lift_shap``; tangermeme: ``deep_lift_shap(hypothetical=True)`` on
a copy of the model with ``inplace=False`` ReLUs (its backward hooks raise on DeepSEA's in-place
ReLUs; ours switches them off itself during the call).
Runs alternate (ours, theirs, ours, ...) so that a change in machine load hits both; each keeps
its best of ``--repeats``. The hypothetical attributions and the contributions of both are
compared (max absolute difference, and that over the largest absolute value).
"""

from __future__ import annotations

import argparse
import copy

import numpy as np
import torch

from _peers import best_of
from selene.interpret import deep_lift_shap
from selene.interpret._dinuc_shuffle import dinucleotide_shuffle
from selene.models import DeepSEA

LENGTH, TARGETS = 1000, 919


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sequences", type=int, default=100)
    parser.add_argument("--n-shuffles", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = DeepSEA(LENGTH, TARGETS).eval()
    codes = np.random.default_rng(0).integers(0, 4, (args.n_sequences, LENGTH))
    x = np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy()  # (N, 4, L)
    refs = dinucleotide_shuffle(x, args.n_shuffles, 0)  # (N, K, 4, L)
    tools = {
        "ours": lambda: deep_lift_shap(
            net, x, references=refs, target=0, batch_size=args.batch_size
        )
    }
    try:
        import tangermeme
        from tangermeme.deep_lift_shap import deep_lift_shap as tm_dls
    except ImportError:
        tm_dls = None
    if tm_dls is not None:
        xt, rt = torch.from_numpy(x), torch.from_numpy(refs)
        tm_net = copy.deepcopy(net)  # same weights; its hooks reject in-place ReLUs
        for module in tm_net.modules():
            if getattr(module, "inplace", False):
                module.inplace = False
        tools["tangermeme"] = lambda: tm_dls(
            tm_net, xt, target=0, references=rt, batch_size=args.batch_size,
            hypothetical=True, device="cpu",
        )  # fmt: skip
    best, outputs, notes = best_of(tools, args.repeats)
    pairs = args.n_sequences * args.n_shuffles
    print(f"deep_lift_shap DeepSEA({LENGTH}, {TARGETS}), {args.n_sequences} sequences x "
          f"{args.n_shuffles} shuffles ({pairs:,} pairs), target 0, torch {torch.__version__}, "
          f"{args.threads} threads, batch {args.batch_size}, best of {args.repeats}")  # fmt: skip
    for name, (wall, cpu) in best.items():
        print(f"  {name:10s} {wall:7.2f} s wall  {cpu:7.2f} s CPU  ({pairs / wall:,.0f} "
              "pairs/s wall)")  # fmt: skip
        for note in notes[name]:
            print(f"    warning: {note}")
    ours = outputs["ours"]
    print(f"  ours: max |convergence delta| {np.abs(ours.delta).max():.2e}")
    if tm_dls is not None:
        o, t = best["ours"], best["tangermeme"]
        print(f"  ours faster by {t[0] / o[0]:.2f}x (wall), {t[1] / o[1]:.2f}x (CPU)  "
              f"[tangermeme {tangermeme.__version__}]")  # fmt: skip
        hyp = outputs["tangermeme"].detach().double().numpy()
        for label, a, b in (
            ("hypothetical", ours.hypothetical, hyp),
            ("contributions", ours.contributions, hyp * x),
        ):
            diff, scale = np.abs(a - b).max(), np.abs(b).max()
            print(f"  {label:13s} max |ours - tangermeme| {diff:.2e}  (max |tangermeme| "
                  f"{scale:.2e}, ratio {diff / scale:.1e})")  # fmt: skip


if __name__ == "__main__":
    main()
