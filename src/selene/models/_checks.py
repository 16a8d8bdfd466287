"""Argument and input checks shared by the architectures."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import torch
from torch import nn

#: One layer of a conv/pool stack, as it changes the length: ``("conv", kernel_size)`` (no
#: padding, stride 1) or ``("pool", kernel_size)`` (stride = kernel size, floor).
Layer = tuple[str, int]


def positive_int(model: str, name: str, value: object) -> int:
    """Return ``value`` as an int if it is a positive integer, else raise a ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{model}: {name} must be a positive int, got {value!r}")
    return int(value)


def stack_length(length: int, layers: Sequence[Layer]) -> int:
    """Length left after ``layers`` (negative or zero when the input is too short)."""
    for kind, size in layers:
        length = length - size + 1 if kind == "conv" else length // size
        if length < 1:
            return 0
    return length


def minimum_length(layers: Sequence[Layer], min_out: int = 1) -> int:
    """Return the shortest input that leaves at least ``min_out`` positions after ``layers``."""
    length = min_out
    for kind, size in reversed(layers):
        length = length + size - 1 if kind == "conv" else length * size
    return length


def check_sequence_length(
    model: str, sequence_length: object, layers: Sequence[Layer], min_out: int = 1
) -> int:
    """Validate ``sequence_length`` for a conv/pool stack and return the length it leaves.

    Raises
    ------
    ValueError
        If ``sequence_length`` is not a positive int, or too short for the stack; the message
        gives the minimum.
    """
    length = positive_int(model, "sequence_length", sequence_length)
    out = stack_length(length, layers)
    if out < min_out:
        raise ValueError(
            f"{model}: sequence_length={length} is too short for its convolution/pooling "
            f"stack; the minimum is {minimum_length(layers, min_out)}"
        )
    return out


def check_input(model: str, x: torch.Tensor, sequence_length: int, n_letters: int = 4) -> None:
    """Raise a ValueError unless ``x`` has shape ``(N, n_letters, sequence_length)``."""
    if x.dim() == 3 and x.shape[1] == n_letters and x.shape[2] == sequence_length:
        return
    hint = ""
    if x.dim() == 3 and x.shape[1] == n_letters:
        hint = f"; build the model with sequence_length={x.shape[2]} to take this length"
    elif x.dim() == 3 and x.shape[2] == n_letters:
        hint = "; the input looks like (N, L, 4): transpose it with x.transpose(1, 2)"
    raise ValueError(
        f"{model} expects one-hot input of shape (N, {n_letters}, {sequence_length}), "
        f"got {tuple(x.shape)}{hint}"
    )


class ConvClassifier(nn.Module):
    """Base of the architectures that are a ``conv_net`` followed by a dense ``classifier``.

    Subclasses build ``conv_net`` and ``classifier`` (Selene's submodule names) and set
    ``sequence_length``; the forward pass checks the input and flattens between the two.
    """

    sequence_length: int
    conv_net: nn.Module
    classifier: nn.Module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_targets)`` of one-hot sequences ``x`` ``(N, 4, sequence_length)``."""
        check_input(type(self).__name__, x, self.sequence_length)
        return self.classifier(self.conv_net(x).flatten(1))
