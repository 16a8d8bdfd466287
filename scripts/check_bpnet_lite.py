"""Check selene's BPNet against bpnet-lite's: weights load, outputs and losses agree.

bpnet-lite is a peer, never a dependency of ours: run this in its own venv, which holds torch,
bpnet-lite, tangermeme (which bpnet-lite imports) and selene::

    python3 -m venv .bench/bpnet-venv
    .bench/bpnet-venv/bin/pip install torch==2.13.0
    .bench/bpnet-venv/bin/pip install -e .
    .bench/bpnet-venv/bin/pip install --no-deps bpnet-lite==1.1.0 tangermeme==1.6.0
    .bench/bpnet-venv/bin/python scripts/check_bpnet_lite.py

For each configuration, bpnet-lite's ``BPNet`` is built with random weights, its
``state_dict`` is loaded into ours with ``strict=True`` (and ``BPNet.from_state_dict`` must read
the same sizes and trimming from it), and both run on the same random one-hot
sequences (and random control counts): the largest absolute differences of the profile logits
and log counts are printed, in float32 and float64, along with those of the losses
(bpnet-lite's ``MNLLLoss``, ``log1pMSELoss`` and ``_mixture_loss`` against ours). Exits 1 if a
difference passes the tolerance. ``--keys`` prints the layer names and shapes of a small model
(the list ``tests/models/test_bpnet.py`` keeps).
"""

from __future__ import annotations

import argparse
import sys

import bpnetlite
import torch
from bpnetlite.losses import MNLLLoss, _mixture_loss, log1pMSELoss

from selene.models import BPNet
from selene.models.track_losses import bpnet_loss, log_count_mse, multinomial_nll

# (n_filters, n_layers, n_outputs, n_control_tracks, biases, input length)
CONFIGS = [
    (64, 8, 2, 2, True, 2114),  # bpnet-lite's defaults: 2114 bp in, 1000 bp out
    (64, 8, 1, 0, True, 2114),  # ChromBPNet-like accessibility: no control, one track
    (32, 4, 2, 2, False, 600),  # no output biases, a shorter window
    (8, 2, 3, 1, True, 300),
]
BATCH = 8
# Both run the same torch operations in the same order, so the outputs agree exactly (measured:
# 0 for every row with torch 2.13 on CPU); the tolerances leave room for another summation order
# only (a float32 sum of ~66 * 75 products of O(1) terms moves by ~1e-6), while a weight loaded
# into the wrong place moves the outputs by far more (one weight off by 1e-3 moves them 2.6e-5).
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}


def _inputs(n_controls: int, length: int, dtype: torch.dtype, seed: int):
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 4, (BATCH, length), generator=gen)
    x = torch.nn.functional.one_hot(codes, 4).transpose(1, 2).to(dtype)
    ctl = torch.poisson(torch.full((BATCH, n_controls, length), 0.5), generator=gen).to(dtype)
    return x, (ctl if n_controls else None)


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


def check(config: tuple, seed: int) -> list[tuple[str, float, float]]:
    """Return ``(what, max abs difference, tolerance)`` rows for one configuration."""
    n_filters, n_layers, n_outputs, n_controls, bias, length = config
    torch.manual_seed(seed)
    theirs = bpnetlite.BPNet(
        n_filters=n_filters,
        n_layers=n_layers,
        n_outputs=n_outputs,
        n_control_tracks=n_controls,
        profile_output_bias=bias,
        count_output_bias=bias,
        verbose=False,
    )
    ours = BPNet(n_filters, n_layers, n_outputs, n_controls, bias, bias)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    rebuilt = BPNet.from_state_dict(theirs.state_dict())  # the sizes read from the weights
    sizes = (rebuilt.n_filters, rebuilt.n_layers, rebuilt.n_outputs, rebuilt.n_control_tracks)
    assert sizes == (n_filters, n_layers, n_outputs, n_controls), sizes
    assert (rebuilt.profile_output_bias, rebuilt.count_output_bias) == (bias, bias)
    assert rebuilt.trimming == theirs.trimming, (rebuilt.trimming, theirs.trimming)
    rows = []
    for dtype in (torch.float32, torch.float64):
        theirs.to(dtype).eval()
        ours.to(dtype).eval()
        x, ctl = _inputs(n_controls, length, dtype, seed)
        with torch.no_grad():
            their_profile, their_counts = theirs(x, ctl)
            our_profile, our_counts = ours(x, ctl)
        name = str(dtype).removeprefix("torch.")
        tol = TOLERANCE[dtype]
        assert our_profile.shape == their_profile.shape, (our_profile.shape, their_profile.shape)
        assert our_counts.shape == their_counts.shape, (our_counts.shape, their_counts.shape)
        rows.append((f"profile logits {name}", _max_diff(our_profile, their_profile), tol))
        rows.append((f"log counts {name}", _max_diff(our_counts, their_counts), tol))

        gen = torch.Generator().manual_seed(seed + 1)
        y = torch.poisson(torch.full(their_profile.shape, 0.3, dtype=dtype), generator=gen)
        flat = their_profile.reshape(BATCH, -1)
        their_mnll = MNLLLoss(torch.log_softmax(flat, dim=-1), y.reshape(BATCH, -1))
        our_mnll = multinomial_nll(flat, y.reshape(BATCH, -1), reduction="none")
        their_mse = log1pMSELoss(their_counts, y.sum(dim=(1, 2)).reshape(BATCH, 1))
        our_mse = log_count_mse(their_counts, y.sum(dim=(1, 2)).reshape(BATCH, 1), "none")
        their_total = _mixture_loss(y, their_profile, their_counts, 0.7)[2]
        our_total = bpnet_loss(their_profile, their_counts, y, count_weight=0.7).loss
        scale = their_mnll.abs().max().item()  # NLLs of hundreds: compare relative to them
        rows.append((f"MNLL / max|MNLL| {name}", _max_diff(our_mnll, their_mnll) / scale, tol))
        rows.append((f"log1p MSE {name}", _max_diff(our_mse, their_mse.reshape(BATCH, 1)), tol))
        rows.append((f"mixture loss (rel) {name}", _max_diff(our_total, their_total) / scale, tol))
    return rows


def print_keys() -> None:
    """Print bpnet-lite's layer names and shapes for the small model the unit test keeps."""
    model = bpnetlite.BPNet(
        n_filters=8, n_layers=3, n_outputs=2, n_control_tracks=2, verbose=False
    )
    for key, value in model.state_dict().items():
        print(f'    ("{key}", {tuple(value.shape)}),')


def main() -> int:
    """Run every configuration; print a table; return 1 if any difference is too large."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keys", action="store_true", help="print the small model's layers")
    args = parser.parse_args()
    if args.keys:
        print_keys()
        return 0
    print(f"bpnet-lite {bpnetlite.__version__}, torch {torch.__version__}")
    failed = False
    for config in CONFIGS:
        filters, layers, outputs, controls, bias, length = config
        print(
            f"\nn_filters={filters} n_layers={layers} n_outputs={outputs} "
            f"n_control_tracks={controls} biases={bias} input {BATCH} x 4 x {length}"
        )
        for what, diff, tol in check(config, args.seed):
            ok = diff <= tol
            failed |= not ok
            print(f"  {what:<28} max |diff| {diff:.2e}  (tol {tol:.0e}) {'ok' if ok else 'FAIL'}")
    print("\nall within tolerance" if not failed else "\nSOME DIFFERENCES PASS THE TOLERANCE")
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
