"""The process's random states (torch, CUDA, numpy, Python) as tensors and numbers.

Checkpoints keep them so that a resumed run draws the dropout masks the uninterrupted run drew.
They hold only tensors, ints, floats, strings and ``None``, so the checkpoint stays loadable with
``torch.load(weights_only=True)`` (``np.random.get_state()`` and ``random.getstate()`` are
tuples with a numpy array and a tuple of ints, which are converted).
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import numpy as np
import torch

from selene.utils.warnings import SeleneWarning

__all__ = ["random_states", "set_random_states"]


def random_states() -> dict[str, Any]:
    """Collect the global random states of torch, CUDA (every device), numpy and Python.

    Returns
    -------
    dict
        ``torch``: uint8 tensor; ``cuda``: list of uint8 tensors (empty without CUDA);
        ``numpy``: dict of ``keys`` (int64 tensor, 624), ``pos``, ``has_gauss``, ``gauss``;
        ``python``: dict of ``version``, ``state`` (int64 tensor, 625), ``gauss``.
    """
    _, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)  # noqa: NPY002 (global)
    version, state, python_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": {
            "version": int(version),
            "state": torch.tensor(state, dtype=torch.int64),
            "gauss": python_gauss,
        },
    }


def set_random_states(states: dict[str, Any]) -> None:
    """Restore the states :func:`random_states` collected.

    CUDA states are restored when this process has as many CUDA devices as the saving one had;
    otherwise a ``SeleneWarning`` says that the GPU random draws will differ.
    """
    torch.set_rng_state(states["torch"].cpu())
    cuda = states.get("cuda") or []
    if cuda and torch.cuda.is_available() and torch.cuda.device_count() == len(cuda):
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])
    elif cuda:
        n_now = torch.cuda.device_count() if torch.cuda.is_available() else 0
        warnings.warn(
            f"the checkpoint holds the random states of {len(cuda)} CUDA device(s) but this "
            f"process has {n_now}: GPU random draws (dropout) will differ from the "
            "uninterrupted run; resume on the same devices for an identical run",
            SeleneWarning,
            stacklevel=2,
        )
    numpy = states["numpy"]
    keys = numpy["keys"].cpu().numpy().astype(np.uint32)
    legacy = ("MT19937", keys, numpy["pos"], numpy["has_gauss"], numpy["gauss"])
    np.random.set_state(legacy)  # noqa: NPY002 (the global state is what there is to restore)
    python = states["python"]
    state = tuple(int(v) for v in python["state"].tolist())
    random.setstate((python["version"], state, python["gauss"]))
