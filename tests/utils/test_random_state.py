"""Random states survive a checkpoint loaded with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from selene.utils.random_state import random_states, set_random_states
from selene.utils.warnings import SeleneWarning


def _draws() -> tuple[list[float], list[float], float, float]:
    return (
        torch.rand(3).tolist(),
        np.random.rand(3).tolist(),  # noqa: NPY002 (the global state is under test)
        np.random.standard_normal(),  # noqa: NPY002 (leaves a cached Gaussian)
        random.gauss(0.0, 1.0),  # leaves Python's cached Gaussian
    )


def test_states_restore_every_generator_through_a_safe_load(tmp_path) -> None:
    _draws()
    torch.save({"random_states": random_states()}, tmp_path / "states.ckpt")
    expected = _draws()
    _draws()
    loaded = torch.load(tmp_path / "states.ckpt", weights_only=True)
    set_random_states(loaded["random_states"])
    assert _draws() == expected


def test_cuda_states_of_other_devices_warn() -> None:
    states = random_states()
    n_devices = torch.cuda.device_count() if torch.cuda.is_available() else 0
    states["cuda"] = [torch.zeros(16, dtype=torch.uint8)] * (n_devices + 1)
    with pytest.warns(SeleneWarning, match=rf"{n_devices + 1} CUDA device\(s\) but this process"):
        set_random_states(states)
