"""Engines that run a network for :class:`~selene.predict.ModelRunner`: plain or layer-local.

The operations (predictions, ISM, VEP) never see an engine: they call the runner, and the
runner calls the engine :func:`build_engine` chose. Every engine has the same four members:

- ``forward(x)``: model output for one-hot ``x`` ``(N, A, L)``;
- ``reference(x)``: the same, kept (as ``.output`` and whatever ``mutants`` reads);
- ``mutants(reference, ref_index, starts, window)``: output for each reference
  ``ref_index[i]`` with the one-hot ``window[i]`` written in from ``starts[i]``;
- ``mutants_per_batch(batch_size)``: how many mutants a call should hold.

:class:`PlainEngine` is the network's own forward pass: it works for every model.
:class:`LocalEngine` recomputes only the receptive field of a mutation (:mod:`.layer_local`);
it exists for networks with a convolutional front end, and is used only once its
:mod:`self-check <.check>` has passed.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, Protocol

import numpy as np
import torch
from torch import nn

from selene.predict.accel import check
from selene.predict.accel.graph import split_network
from selene.predict.accel.layer_local import LocalEngine, ReferenceActivations
from selene.predict.accel.plain import PlainEngine, PlainReference
from selene.utils.warnings import SeleneWarning

__all__ = [
    "Engine",
    "LayerLocal",
    "LocalEngine",
    "PlainEngine",
    "PlainReference",
    "ReferenceActivations",
    "build_engine",
    "build_local_engine",
]

LayerLocal = bool | Literal["auto"]


class Engine(Protocol):
    """What runs a network for the runner (see the module's docstring)."""

    name: str  # "plain" or "layer_local"

    def mutants_per_batch(self, batch_size: int) -> int:
        """Return how many mutants one :meth:`mutants` call should hold."""
        ...

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the model output ``(N, F)`` for one-hot ``x`` ``(N, A, L)``."""
        ...

    def reference(self, x: torch.Tensor) -> Any:
        """Run one-hot references ``x``; the result has ``.output`` ``(R, F)``."""
        ...

    def mutants(
        self, ref: Any, ref_index: np.ndarray, starts: np.ndarray, window: torch.Tensor
    ) -> torch.Tensor:
        """Return the output ``(M, F)`` of references ``ref_index`` with ``window`` written in."""
        ...


def build_engine(
    net: nn.Module, sequence_length: int, n_letters: int = 4, layer_local: LayerLocal = "auto"
) -> Engine:
    """Return the engine to run ``net`` (in eval mode, on its device) with.

    Parameters
    ----------
    net : torch.nn.Module
    sequence_length, n_letters : int
    layer_local : {"auto", True, False}
        ``"auto"``: the layer-local engine where the network has one and its self-check passed,
        else the plain one; True: the layer-local engine or an error; False: the plain one.

    Raises
    ------
    ValueError
        If ``layer_local`` is not one of those, or is True and the network has no layer-local
        engine (saying why).
    """
    if not (isinstance(layer_local, bool) or layer_local == "auto"):
        raise ValueError(
            f"layer_local must be 'auto', True or False, got {layer_local!r}; 'auto' uses the "
            "layer-local engine where its self-check passes"
        )
    if layer_local is False:
        return PlainEngine(net)
    engine, why_not = build_local_engine(net, sequence_length, n_letters)
    if engine is not None:
        return engine
    if layer_local is True:
        raise ValueError(
            f"layer_local=True but {type(net).__name__} has no layer-local engine: {why_not}; "
            "pass layer_local='auto' (uses it where it can) or False (plain PyTorch)"
        )
    return PlainEngine(net)


def build_local_engine(
    net: nn.Module, sequence_length: int, n_letters: int = 4
) -> tuple[LocalEngine | None, str]:
    """Return a checked layer-local engine for ``net``, or None and the reason there is none.

    The engine is tried with the head's leading linear layer updated by slices, then without;
    the first that agrees with ``net`` (:func:`.check.differences`) is returned. An engine that
    cannot run on the check's input warns (:class:`~selene.utils.warnings.SeleneWarning`).
    """
    split = split_network(net)
    if split is None:
        return None, "it does not start with a chain of convolutions, pooling and activations"
    device = next((p.device for p in net.parameters()), torch.device("cpu"))
    why_not = ""
    for use_linear in (True, False):
        if not use_linear:
            split.linear = split.tail = None
        try:
            engine = LocalEngine(split, sequence_length, n_letters, device)
            worst, bound = check.differences(engine, net)
        except (RuntimeError, ValueError, IndexError) as err:
            warnings.warn(
                f"layer-local passes unavailable for {type(net).__name__} ({err}); "
                "using full forward passes",
                SeleneWarning,
                stacklevel=3,
            )
            return None, f"its layer-local passes fail on a probe ({err})"
        if worst <= bound:
            return engine, ""
        why_not = f"its self-check differs from the model's output by {worst:.3g} > {bound:.3g}"
    return None, why_not
