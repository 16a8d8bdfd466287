"""The self-check an engine passes before it is used: its outputs against the network's own.

:func:`agrees` runs the engine and the plain forward pass on two random sequences and on
mutants of them (at both ends, in the middle, several offsets in one batch and one offset
alone), in float32, and compares them within :data:`TOLERANCE`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from selene.predict.accel.layer_local import LocalEngine, random_one_hot

#: Largest difference allowed between the engine and the network, relative to
#: ``1 + max|output|``. Each float32 evaluation of a logit is within ``EVAL`` = 1.5e-5 of the
#: exact value (``tests/_tolerances.py`` says why and checks it on the CPU it runs on), so two
#: evaluations differ by at most ``2 * EVAL`` (its ``LOGIT``); outputs grow the error with
#: their size, hence the relative scale.
TOLERANCE = 2 * 1.5e-5


def differences(engine: LocalEngine, net: nn.Module) -> tuple[float, float]:
    """Return the engine's largest difference from ``net`` and the bound it must stay within.

    Raises
    ------
    RuntimeError, ValueError, IndexError
        If the engine cannot run on the probe (a layer it reads wrongly).
    """
    length, n_letters, device = engine.sequence_length, engine.n_letters, engine.device
    x = random_one_hot(2, length, n_letters, device, seed=1).contiguous()
    starts = np.clip(np.array([0, length - 2, length // 2, length // 3, length - 3]), 0, None)
    ref_index = np.array([0, 1, 1, 0, 1])
    width = min(2, length)
    letters = random_one_hot(len(starts) * width, length, n_letters, device, seed=2)[:, :, :1]
    window = letters.reshape(len(starts), width, -1).permute(0, 2, 1).contiguous()
    mutated = x[torch.as_tensor(ref_index)].clone()
    for i, start in enumerate(starts):
        mutated[i, :, start : start + width] = window[i]
    pairs = []
    with torch.inference_mode():
        expected_ref = net(x)
        ref = engine.reference(x)
        pairs += [(engine.forward(x), expected_ref), (ref.output, expected_ref)]
        pairs.append((engine.mutants(ref, ref_index, starts, window), net(mutated)))
        for i in (0, 1):  # mutants sharing one offset (the sliced path), at each end
            edge = x[torch.as_tensor(ref_index[:2])].clone()
            edge[:, :, starts[i] : starts[i] + width] = window[:2]
            got = engine.mutants(ref, ref_index[:2], starts[[i, i]], window[:2])
            pairs.append((got, net(edge)))
    bound = TOLERANCE * (1.0 + float(expected_ref.abs().max()))
    worst = 0.0
    for got, want in pairs:
        if got.shape != want.shape:
            return float("inf"), bound
        difference = float((got - want).abs().max())
        if math.isnan(difference):
            return float("inf"), bound
        worst = max(worst, difference)
    return worst, bound
