"""Run a network on ``uint8`` codes: batching, one-hot on the device, strands, precision.

The predict functions hand :class:`ModelRunner` codes and get :class:`Outputs` back: the
network's probabilities (or values, for regression) and, when the network ends in logits, the
logits themselves, so ``logits`` scores are exact differences rather than ``logit`` of rounded
probabilities. A ``NonStrandSpecific`` wrapper is unwrapped so that both strands go through
the fast paths.

The runner is the one interface the operations use: :meth:`ModelRunner.outputs` for whole
sequences, :meth:`ModelRunner.reference` + :meth:`ModelRunner.mutants` for mutants of given
sequences. How the network runs (plain PyTorch, or layer-local recomputation of a mutation's
receptive field) is the engine's business (:mod:`selene.predict.accel`), chosen here once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from selene.models._track_step import track_prediction
from selene.models.probability import warn_if_probabilities
from selene.models.strand import NonStrandSpecific, mean_probability_logit
from selene.predict.accel import (
    Engine,
    LayerLocal,
    PlainReference,
    ReferenceActivations,
    build_engine,
)
from selene.sequences.encoding import codes_to_one_hot

Activation = Literal["sigmoid", "identity", "exp", "bpnet"]
_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
    "exp": torch.exp,
    "bpnet": lambda x: track_prediction("bpnet", x),  # (profile logits, log counts) -> coverage
}
_PRECISIONS = {"32": None, "bf16": torch.bfloat16, "16": torch.float16}


def resolve_device(device: str | torch.device | None, use_cuda: bool = False) -> torch.device:
    """Return the device to run on.

    ``"auto"`` is the GPU when there is one, else the CPU; None is the GPU if ``use_cuda``
    (the Selene SDK's switch), else the CPU; anything else is taken as given.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device or ("cuda" if use_cuda else "cpu"))


@dataclass
class Outputs:
    """What a network says about a batch: ``predictions`` and, when exact, ``logits``."""

    predictions: torch.Tensor  # (N, F) float32
    logits: torch.Tensor | None  # (N, F) float32, or None


@dataclass
class StrandReference:
    """Engine references for a batch of sequences and, if averaged, their complements."""

    forward: ReferenceActivations | PlainReference
    reverse: ReferenceActivations | PlainReference | None


class ModelRunner:
    """Evaluate ``net`` on codes.

    Parameters
    ----------
    net : torch.nn.Module
        Takes one-hot ``(N, A, L)``; returns ``(N, F)``.
    sequence_length : int
    n_letters : int
    complement : numpy.ndarray, optional
        Code -> complementary code (length ``n_letters + 1``); needed for strand averaging.
    activation : {"sigmoid", "identity", "exp", "bpnet"}
        Maps the network's output to predictions (``identity`` for a network that already ends
        in a sigmoid; ``exp`` for a track model trained with the Poisson loss; ``bpnet`` for
        BPNet's pair, see :func:`selene.models.track_prediction`).
    average_reverse_complement : bool
        Average predictions over each sequence and its reverse complement.
    device : torch.device
    precision : {"32", "bf16", "16"}
        Autocast dtype for the forward passes; ``"32"`` (default) is plain float32.
    layer_local : {"auto", True, False}
        ``"auto"``: recompute only a mutation's receptive field (and use the CPU's prepacked
        convolutions) where the network's layer-local engine passed its self-check against the
        plain forward pass; True: require it (ValueError if the network has none); False:
        plain PyTorch forward passes.

    Attributes
    ----------
    engine : LocalEngine or PlainEngine
        What runs the network (see :func:`selene.predict.accel.build_engine`).
    """

    def __init__(
        self,
        net: nn.Module,
        sequence_length: int,
        n_letters: int = 4,
        complement: np.ndarray | None = None,
        activation: Activation = "sigmoid",
        average_reverse_complement: bool = False,
        device: torch.device | str = "cpu",
        precision: str = "32",
        layer_local: LayerLocal = "auto",
    ) -> None:
        if precision not in _PRECISIONS:
            raise ValueError(f"precision must be one of {list(_PRECISIONS)}, got {precision!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(_ACTIVATIONS)}, got {activation!r}")
        self.device = torch.device(device)
        self.mode: str | None = "mean" if average_reverse_complement else None
        if isinstance(net, NonStrandSpecific) and n_letters == 4:
            self.mode = net.mode if net.link == "logit" or net.mode == "max" else "mean_raw"
            net = net.model
        if self.mode is not None and complement is None:
            raise ValueError("averaging over strands needs the alphabet's complement")
        self.net = net.to(self.device).eval()
        self.sequence_length, self.n_letters = sequence_length, n_letters
        self.complement = None if complement is None else torch.as_tensor(complement)
        self.activation = activation
        self._probed = activation != "sigmoid"  # logits that look like probabilities: warn
        self.precision = precision
        with self._float32():  # the engine is checked in float32
            self.engine: Engine = build_engine(self.net, sequence_length, n_letters, layer_local)

    def one_hot(self, codes: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Codes ``(N, L)`` -> one-hot ``(N, A, L)`` float32 on the device.

        :func:`selene.sequences.codes_to_one_hot` (unknown: ``1 / A`` in every row) with
        ``channels_last=True``: one table lookup into a channels-last layout, which the
        layer-local engine takes without a copy.
        """
        tensor = torch.as_tensor(codes).to(self.device, non_blocking=True)
        return codes_to_one_hot(tensor, self.n_letters, channels_last=True)

    def reverse_complement(self, codes: torch.Tensor) -> torch.Tensor:
        """Reverse-complement codes ``(N, L)`` (on their device)."""
        assert self.complement is not None  # checked in __init__
        return self.complement.to(codes.device)[codes.long()].flip(-1)

    def outputs(self, codes: np.ndarray | torch.Tensor) -> Outputs:
        """Full forward passes for codes ``(N, L)``."""
        codes = torch.as_tensor(codes).to(self.device)
        raw = self._raw(codes)
        raw_rc = self._raw(self.reverse_complement(codes)) if self.mode else None
        return self._combine(raw, raw_rc)

    def mutants_per_batch(self, batch_size: int) -> int:
        """How many mutants one :meth:`mutants` call should score, for a ``batch_size``."""
        return self.engine.mutants_per_batch(batch_size)

    def reference(self, codes: np.ndarray | torch.Tensor) -> StrandReference:
        """Return references for codes ``(R, L)``: what :meth:`mutants` derives mutants from."""
        codes = torch.as_tensor(codes).to(self.device)
        with self._precision():
            fwd = self.engine.reference(self.one_hot(codes))
            rev = None
            if self.mode:
                rev = self.engine.reference(self.one_hot(self.reverse_complement(codes)))
        return StrandReference(fwd, rev)

    def reference_outputs(self, ref: StrandReference) -> Outputs:
        """Return the references' own outputs."""
        rev = None if ref.reverse is None else ref.reverse.output
        return self._combine(ref.forward.output, rev)

    def mutants(
        self, ref: StrandReference, ref_index: np.ndarray, starts: np.ndarray, window: np.ndarray
    ) -> Outputs:
        """Return outputs for mutants.

        Mutant ``i`` is reference ``ref_index[i]`` with codes ``window[i]`` over
        ``[starts[i], starts[i] + W)``.
        """
        codes = torch.as_tensor(window).to(self.device)
        raw, raw_rc = self.raw_mutants(ref, ref_index, starts, codes), None
        if ref.reverse is not None:
            mirrored = self.sequence_length - starts - codes.shape[1]
            with self._precision():
                rc_window = self.one_hot(self.reverse_complement(codes))
                raw_rc = self.engine.mutants(ref.reverse, ref_index, mirrored, rc_window)
        return self._combine(raw, raw_rc)

    @property
    def local_mutants(self) -> bool:
        """Whether :meth:`mutants` derives mutants from their references' activations.

        True for the layer-local engine, where a mutant costs less than a full pass.
        """
        return self.engine.name == "layer_local"

    def raw_mutants(
        self,
        ref: StrandReference,
        ref_index: np.ndarray,
        starts: np.ndarray,
        window: np.ndarray | torch.Tensor,
    ) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """Return the network's raw outputs for mutants of the forward strand.

        As :meth:`mutants`, without the activation: what track models turn into coverage.
        """
        codes = torch.as_tensor(window).to(self.device)
        with self._precision():  # the engines run mutants in inference mode
            return self.engine.mutants(ref.forward, ref_index, starts, self.one_hot(codes))

    def _raw(self, codes: torch.Tensor) -> torch.Tensor:
        x = self.one_hot(codes)
        with torch.inference_mode(), self._precision():
            return self.engine.forward(x)

    def _precision(self) -> contextlib.AbstractContextManager:
        dtype = _PRECISIONS[self.precision]
        if dtype is not None:
            return torch.autocast(self.device.type, dtype=dtype)
        return self._float32()

    def _float32(self) -> contextlib.AbstractContextManager:
        # No TF32 in CUDA convolutions: float32 results as on the CPU (and the engine's check
        # against full passes holds).
        if self.device.type == "cuda":
            return torch.backends.cudnn.flags(enabled=True, allow_tf32=False)
        return contextlib.nullcontext()

    def _combine(self, raw: torch.Tensor, raw_rc: torch.Tensor | None) -> Outputs:
        act = _ACTIVATIONS[self.activation]
        if isinstance(raw, tuple) or raw.dim() == 3:  # tracks (N, T, L'), or BPNet's pair
            return Outputs(act(_tracks(raw, raw_rc)), None)
        raw = raw.float()
        exact = self.activation == "sigmoid"
        if not self._probed:
            self._probed = True
            warn_if_probabilities(raw, f"predicting with {type(self.net).__name__}")
        if raw_rc is not None and self.mode == "max":
            raw, raw_rc = torch.maximum(raw, raw_rc.float()), None
        elif raw_rc is not None and self.mode == "mean_raw":
            raw, raw_rc = (raw + raw_rc.float()) / 2, None
        if raw_rc is None:
            return Outputs(act(raw), raw if exact else None)
        if not exact:
            return Outputs((act(raw) + act(raw_rc.float())) / 2, None)
        logits = mean_probability_logit(raw, raw_rc.float())
        return Outputs(torch.sigmoid(logits), logits)


def _tracks(raw, raw_rc):
    """Track outputs as float32; strand averaging is refused (it needs outputs flipped back)."""
    if raw_rc is not None:
        raise ValueError(
            "average_reverse_complement (or a NonStrandSpecific wrapper) is not supported for "
            "track models: their outputs run along the sequence; predict each strand and flip"
        )
    return tuple(t.float() for t in raw) if isinstance(raw, tuple) else raw.float()
