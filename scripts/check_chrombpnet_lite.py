"""Check selene's ChromBPNet against bpnet-lite's: its state_dict loads and the outputs agree.

bpnet-lite is a peer, never a dependency of ours: run this in the venv of
``scripts/check_bpnet_lite.py`` (torch, bpnet-lite 1.1.0, tangermeme, selene)::

    .bench/bpnet-venv/bin/python scripts/check_chrombpnet_lite.py

For each configuration, bpnet-lite's ``ChromBPNet(bias, accessibility)`` is built from two of
its ``BPNet`` s with random weights (biases of the output layers made non-zero, so the counts
of both parts matter), its ``state_dict`` is read by ``ChromBPNet.from_state_dict`` (and
loaded with ``strict=True``), and both run on the same random one-hot sequences: the largest
absolute differences of the profile logits and the log counts are printed, in float32 and
float64. Exits 1 if a difference passes the tolerance.
"""

from __future__ import annotations

import sys

import torch
from bpnetlite import BPNet as LiteBPNet
from bpnetlite.chrombpnet import ChromBPNet as LiteChromBPNet

from selene.models import ChromBPNet

# (bias filters, bias layers, accessibility filters, accessibility layers, input length)
CONFIGS = [
    (128, 4, 512, 8, 2114),  # ChromBPNet's sizes: 2114 bp in, 1000 bp out
    (16, 2, 32, 4, 600),
    (8, 3, 8, 3, 300),  # parts of one size: nothing cropped from the bias profile
]
BATCH = 4
# The same torch operations in the same order, but for the counts: bpnet-lite takes
# log(exp(a) + exp(b)), we take logaddexp (its stable form); they differ by float rounding.
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}


def main() -> int:
    failed = False
    for bias_f, bias_l, acc_f, acc_l, length in CONFIGS:
        torch.manual_seed(0)
        bias = LiteBPNet(bias_f, bias_l, n_outputs=1, n_control_tracks=0)
        accessibility = LiteBPNet(acc_f, acc_l, n_outputs=1, n_control_tracks=0)
        for part in (bias, accessibility):
            torch.nn.init.normal_(part.linear.bias, std=0.5)
        theirs = LiteChromBPNet(bias, accessibility).eval()
        ours = ChromBPNet.from_state_dict(theirs.state_dict(), sequence_length=length).eval()
        ours.load_state_dict(theirs.state_dict(), strict=True)
        for dtype in (torch.float32, torch.float64):
            codes = torch.randint(
                0, 4, (BATCH, length), generator=torch.Generator().manual_seed(1)
            )
            x = torch.nn.functional.one_hot(codes, 4).transpose(1, 2).to(dtype)
            with torch.no_grad():
                a, b = theirs.to(dtype)(x), ours.to(dtype)(x)
            diffs = [(p - q).abs().max().item() for p, q in zip(a, b, strict=True)]
            ok = max(diffs) <= TOLERANCE[dtype] and a[0].shape == b[0].shape
            failed |= not ok
            print(
                f"bias {bias_f}x{bias_l}, accessibility {acc_f}x{acc_l}, {length} bp, {dtype}: "
                f"profile {tuple(b[0].shape)} max |diff| {diffs[0]:.3g}, log counts "
                f"{diffs[1]:.3g} {'ok' if ok else 'FAIL'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
