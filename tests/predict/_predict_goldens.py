"""Deterministic weights and file locations shared by tests/predict and make_goldens_predict.py.

Weights come from an integer hash (not a torch or NumPy RNG), so both venvs build the same
model under any library version.
"""

from __future__ import annotations

from pathlib import Path

import torch

from _hashing import hash_uniform

DATA = Path(__file__).resolve().parents[1] / "data" / "predict"
GOLDENS = DATA / "goldens.npz"
SEQUENCE_LENGTH = 200
N_FEATURES = 4
FEATURES = [f"feature_{i}" for i in range(N_FEATURES)]
GAIN = 1.0
VEP_STRAND_INDEX = 7
ISM_RANGE = (0, SEQUENCE_LENGTH)
ISM2_RANGE = (95, 101)  # mutate_n_bases=2 over a small range


@torch.no_grad()
def fill_weights(model: torch.nn.Module, gain: float = GAIN) -> torch.nn.Module:
    """Overwrite every float parameter, by sorted state-dict name (He-scaled x ``gain``)."""
    state = model.state_dict()
    for i, name in enumerate(sorted(state)):
        t = state[name]
        if not t.is_floating_point():
            continue
        u = torch.from_numpy(hash_uniform(t.numel(), seed=i).reshape(t.shape))
        if name.endswith("running_var"):
            t.copy_(0.5 + u.abs())
        elif t.dim() > 1:
            t.copy_(u * gain * (6.0 / (t.numel() // t.shape[0])) ** 0.5)
        else:
            t.copy_(0.1 * u)
    return model.eval()


def random_bases(n: int, seed: int) -> str:
    """``n`` bases drawn from the hash."""
    idx = ((hash_uniform(n, seed) + 1) * 2).astype(int).clip(0, 3)
    return "".join("ACGT"[i] for i in idx)
