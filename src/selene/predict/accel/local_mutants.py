"""The mutant pass of the layer-local engine: each layer over the window a mutation reaches.

:class:`MutantPass` computes, for each mutant, every front-end layer's output over the window
its mutation can change, reading the reference's activations around it
(:class:`ReferenceActivations`, kept by :meth:`.LocalEngine.reference`), then the head: the
leading linear layer as the reference's output plus the slice of weights the window touches,
stride-1 convolutions as the reference's output plus the change (:mod:`.delta`), and a leading
one-hot convolution, whose output the reference pass does not keep, recomputed with the
pooling that reads it (:func:`recomputed_prefix`). See :mod:`.layer_local` for the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from selene.predict.accel.delta import DeltaConv, changed_output
from selene.predict.accel.graph import Layer
from selene.predict.accel.windows import (
    ReferenceRows,
    as_conv_input,
    by_position,
    overlay_mutant,
    reference_window,
)

#: Most input channels of a leading convolution whose output the reference pass does not keep
#: (one-hot letters: mutants recompute it over their window, see :func:`recomputed_prefix`).
RECOMPUTED_CHANNELS = 8


@dataclass
class ReferenceActivations:
    """What :meth:`.LocalEngine.mutants` reads of the reference sequences.

    Attributes
    ----------
    activations : list of torch.Tensor or None, each shape (R, L_l, C_l)
        The input of each windowed (non-pointwise) front-end layer, then the front end's output,
        one row of channels per position; None for the one input mutants recompute (the output
        of a leading convolution over one-hot letters).
    linear : torch.Tensor, shape (R, F'), or None
        The output of the head's leading linear layer, when the engine updates it by slices.
    output : torch.Tensor, shape (R, F)
        The model's output.
    """

    activations: list[torch.Tensor | None]
    linear: torch.Tensor | None
    output: torch.Tensor
    padded: dict[int, torch.Tensor] = field(default_factory=dict)  # padded activations, by index
    conv_out: dict[int, torch.Tensor] = field(default_factory=dict)  # (R, L', C') by layer index


class MutantPass:
    """Model output for mutants of references, layer by layer over their windows.

    Parameters
    ----------
    layers : list of Layer
        The front end.
    delta : dict of int to DeltaConv
        The convolutions updated as a change, by layer index.
    recomputed : int or None
        The windowed layer whose input the reference pass does not keep
        (:func:`recomputed_prefix`).
    linear_by_position : torch.Tensor, shape (L, C, F'), or None
        The head's leading linear layer's weight by front-end position, when it is updated
        by slices; ``tail`` then runs the rest of the head.
    tail : callable or None
    head : callable
        The model output for the front end's output ``(N, L, C)``.
    """

    def __init__(
        self,
        layers: list[Layer],
        delta: dict[int, DeltaConv],
        recomputed: int | None,
        linear_by_position: torch.Tensor | None,
        tail: Callable[[torch.Tensor], torch.Tensor] | None,
        head: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        self.layers, self.delta, self.recomputed = layers, delta, recomputed
        self.linear_by_position, self.tail, self.head = linear_by_position, tail, head

    def __call__(
        self,
        ref: ReferenceActivations,
        ref_index: np.ndarray,
        starts: np.ndarray,
        window: torch.Tensor,
    ) -> torch.Tensor:
        """Return the output ``(M, F)`` of mutants (see :meth:`.LocalEngine.mutants`)."""
        device = window.device
        rows = ReferenceRows(np.asarray(ref_index, dtype=np.int64), len(ref.output), device)
        # The span of the current layer's input that differs from the reference: its values
        # (M, changed_width, C), first position and width. It widens by each layer's span.
        changed = window.permute(0, 2, 1)
        changed_start = np.asarray(starts, dtype=np.int64)
        changed_width, stored, begin = window.shape[2], 0, 0
        if self.recomputed is not None:  # the leading layers at once, from the kept input
            changed, changed_start = self._recompute_prefix(ref, rows, changed, changed_start)
            changed_width, stored, begin = changed.shape[1], 2, self.recomputed + 1
        for index in range(begin, len(self.layers)):
            layer = self.layers[index]
            if layer.pointwise:
                changed = by_position(layer.fn(as_conv_input(changed.contiguous())))
                continue
            n_in = ref.activations[stored].shape[1]  # type: ignore[union-attr]
            reached = window_reached(layer, n_in, changed_start, changed_width)
            out_start, out_width, in_start, in_width = reached
            if index in ref.conv_out and changed_width < out_width:  # fewer taps as a change
                changed = changed_output(self.delta[index], ref.activations[stored],
                                         ref.conv_out[index], rows, changed, changed_start,
                                         out_start, out_width)  # fmt: skip
                changed_start, changed_width, stored = out_start, out_width, stored + 1
                continue
            padded = self._padded_activations(ref, stored, layer)
            layer_input = overlay_mutant(padded, layer.pad[0], rows, in_start, in_width, changed,
                                         changed_start, changed_width)  # fmt: skip
            changed = by_position(layer.fn(as_conv_input(layer_input)))
            changed_start, changed_width, stored = out_start, out_width, stored + 1
        front_out, tail = ref.activations[-1], self.tail
        if self.linear_by_position is not None and ref.linear is not None and tail is not None:
            return tail(self._update_linear(ref, rows, front_out, changed, changed_start))
        zeros = np.zeros_like(changed_start)
        full = overlay_mutant(front_out, 0, rows, zeros, front_out.shape[1], changed,
                              changed_start, changed_width)  # fmt: skip
        return self.head(full)

    def _recompute_prefix(
        self,
        ref: ReferenceActivations,
        rows: ReferenceRows,
        changed: torch.Tensor,
        changed_start: np.ndarray,
    ) -> tuple[torch.Tensor, np.ndarray]:
        """Run the layers up to the recomputed one's output over the window a change reaches.

        ``changed`` ``(M, W, A)`` is each mutant's input from ``changed_start``; returns the
        output ``(M, W', C)`` of layer :attr:`recomputed` and its first position.
        """
        assert self.recomputed is not None  # checked by the caller
        first, second = self.layers[0], self.layers[self.recomputed]
        n_in, width = ref.activations[0].shape[1], changed.shape[1]  # type: ignore[union-attr]
        conv_start, conv_width, _, _ = window_reached(first, n_in, changed_start, width)
        n_conv = first.out_length(n_in)
        out_start, _, in_start, in_width = window_reached(second, n_conv, conv_start, conv_width)
        # The convolution over every position the second layer's window reads.
        start = in_start * first.stride - first.pad[0]
        span = (in_width - 1) * first.stride + first.span
        padded = self._padded_activations(ref, 0, first)
        h = overlay_mutant(padded, first.pad[0], rows, start, span, changed, changed_start, width)
        h = as_conv_input(_conv_by_rows(first, h))
        for layer in self.layers[1 : self.recomputed + 1]:
            h = layer.fn(h)
        return by_position(h), out_start

    def _update_linear(
        self,
        ref: ReferenceActivations,
        rows: ReferenceRows,
        front_out: torch.Tensor,
        changed: torch.Tensor,
        changed_start: np.ndarray,
    ) -> torch.Tensor:
        """Return the leading linear layer's output, the reference's + ``W[:, window] @ delta``."""
        assert self.linear_by_position is not None and ref.linear is not None
        width = changed.shape[1]
        delta = changed - reference_window(front_out, 0, rows, changed_start, width)
        delta = delta.reshape(len(changed_start), -1)
        base = rows.take(ref.linear)
        weights = self.linear_by_position
        if (changed_start == changed_start[0]).all():  # one offset: one matrix product
            start = int(changed_start[0])
            weight = weights[start : start + width].reshape(delta.shape[1], -1)
            return torch.addmm(base, delta, weight.to(delta.dtype))
        # Several offsets: one product per front-end position P, of the rows of every mutant
        # whose window holds P with P's weights, so each position's weights are read once
        # (one product per offset read a window of weights per offset: 2.3x the bytes in ISM).
        delta = delta.view(len(changed_start), width, -1)
        positions = changed_start[:, None] + np.arange(width)
        out = base.clone()
        for position in np.unique(positions):
            mutant, column = np.nonzero(positions == position)
            which = torch.as_tensor(mutant, device=delta.device)
            rows_p = delta[which, torch.as_tensor(column, device=delta.device)]
            out.index_add_(0, which, rows_p @ weights[position].to(delta.dtype))
        return out

    @staticmethod
    def _padded_activations(ref: ReferenceActivations, index: int, layer: Layer) -> torch.Tensor:
        """Return reference activations ``index``, padded as ``layer`` pads its input (cached)."""
        if index not in ref.padded:
            activations = ref.activations[index]
            if layer.pad != (0, 0):
                activations = torch.nn.functional.pad(
                    activations.permute(0, 2, 1), layer.pad, value=layer.pad_value
                ).permute(0, 2, 1)
            ref.padded[index] = activations
        return ref.padded[index]


def recomputed_prefix(layers: list[Layer]) -> int | None:
    """Return the windowed layer whose input :meth:`.LocalEngine.reference` does not keep, or None.

    That input is the output of a leading convolution over at most
    :data:`RECOMPUTED_CHANNELS` channels (one-hot letters), cheap to recompute over a
    mutant's window, and read by an unpadded pooling layer. Not keeping it lets the
    reference pass run those layers in cache-sized chunks, as :meth:`.LocalEngine.forward`
    does, and spares the largest activations (DeepSEA(1000, 919): 81 MB per 64 sequences).
    """
    windowed = [i for i, layer in enumerate(layers) if not layer.pointwise]
    if len(windowed) < 2 or windowed[0] != 0:
        return None
    first, second = layers[0], layers[windowed[1]]
    if first.conv is None or first.conv[2] != 1 or first.conv[0].shape[1] > RECOMPUTED_CHANNELS:
        return None
    return windowed[1] if second.conv is None and second.pad == (0, 0) else None


def window_reached(
    layer: Layer, n_in: int, changed_start: np.ndarray, changed_width: int
) -> tuple[np.ndarray, int, np.ndarray, int]:
    """Return the outputs of ``layer`` a change of its input reaches, and the input they read.

    ``n_in`` is the (unpadded) input length, the change ``[changed_start, + changed_width)``
    per mutant. Returns ``(out_start, out_width, in_start, in_width)``: one width for all
    mutants, windows inside the output; ``in_start`` in unpadded coordinates.
    """
    n_out = layer.out_length(n_in)
    left = layer.pad[0]
    # The first and last output positions whose receptive field meets the change.
    reach = changed_start + left
    first_out = np.clip(-((layer.span - 1 - reach) // layer.stride), 0, n_out - 1)
    last_out = np.clip((reach + changed_width - 1) // layer.stride, 0, n_out - 1)
    out_width = int(min(n_out, max(1, (last_out - first_out + 1).max())))
    out_start = np.clip(np.minimum(first_out, n_out - out_width), 0, None)
    in_start = out_start * layer.stride - left  # the input window those outputs read
    return out_start, out_width, in_start, (out_width - 1) * layer.stride + layer.span


def _conv_by_rows(layer: Layer, x: torch.Tensor) -> torch.Tensor:
    """Return ungrouped convolution ``layer`` of padded rows ``x`` ``(M, W, C_in)``, by rows.

    One matrix product of each output position's receptive field, ``(M * W', C_in * k)`` by
    ``(C_in * k, C_out)``: each row sums in the same order whatever the batch holds, where
    ``F.conv2d`` picks its kernel by the input's shape, so a mutant's score would depend on
    the other mutants scored with it (and sharded runs would not equal one process).
    """
    assert layer.conv is not None  # checked by recomputed_prefix
    weight, bias, _ = layer.conv
    c_out, c_in, _, k = weight.shape
    fields = x.unfold(1, layer.span, layer.stride)[..., :: layer.dilation]  # (M, W', C_in, k)
    m, n_out = fields.shape[:2]
    flat = fields.reshape(m * n_out, c_in * k)
    out = flat @ weight.reshape(c_out, c_in * k).T.to(flat.dtype)
    if bias is not None:
        out = out + bias.to(out.dtype)
    return out.view(m, n_out, c_out)
