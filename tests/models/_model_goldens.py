"""Deterministic weights and inputs shared by the model tests and scripts/make_goldens_models.py.

Integer hashing, not a torch RNG, so the same numbers come out under any torch version.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from _hashing import hash_uniform

DATA = Path(__file__).resolve().parents[1] / "data"
KEYS_FILE = DATA / "models_state_dict_keys.json"
OUTPUTS_FILE = DATA / "models_outputs.json"


@torch.no_grad()
def fill_weights(model: torch.nn.Module, gain: float = 1.0) -> torch.nn.Module:
    """Overwrite every float parameter and buffer, by sorted state-dict name.

    Weight matrices are He-scaled times ``gain``.
    """
    state = model.state_dict()
    for i, name in enumerate(sorted(state)):
        t = state[name]
        if not t.is_floating_point():
            continue
        u = torch.from_numpy(hash_uniform(t.numel(), seed=i).reshape(t.shape))
        if name.endswith("running_var"):
            v = 0.5 + u.abs()
        elif name.endswith("running_mean"):
            v = 0.1 * u
        elif t.dim() > 1:
            v = u * gain * (6.0 / (t.numel() // t.shape[0])) ** 0.5
        elif name.endswith("weight"):  # batch-norm scale
            v = 1.0 + 0.2 * u
        else:
            v = 0.1 * u
        t.copy_(v)
    return model


def one_hot(sequences: list[str]) -> torch.Tensor:
    """(N, 4, L) float64 one-hot in ACGT order; N is 0.25 in every row."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = torch.full((len(sequences), 4, len(sequences[0])), 0.25, dtype=torch.float64)
    for i, seq in enumerate(sequences):
        for j, base in enumerate(seq):
            if base in index:
                out[i, :, j] = 0.0
                out[i, index[base], j] = 1.0
    return out


def make_sequences(n: int, length: int, seed: int) -> list[str]:
    """``n`` sequences over ACGT with a few N, from ``hash_uniform``."""
    u = (torch.from_numpy(hash_uniform(n * length, seed)) + 1) / 2
    codes = (u * 4.05).long().clamp(max=4).reshape(n, length)
    return ["".join("ACGTN"[c] for c in row.tolist()) for row in codes]


def load(path: Path) -> dict:
    """Read a golden JSON file."""
    return json.loads(path.read_text())
