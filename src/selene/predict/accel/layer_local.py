"""Layer-local evaluation of mutants (the fastISM idea) for convolutional front ends.

A mutation confined to a few positions changes only a window of each front-end layer's output.
:class:`LocalEngine` computes the reference's activations once; for each mutant it recomputes
every layer over the window the mutation can reach, reading the reference's activations around
it, and then runs the head. When the head starts with ``flatten`` + ``nn.Linear``, the linear
output is updated with the slice of weights the window touches (``y_ref + W[:, window] @
delta``), instead of a full matrix product; stride-1 convolutions likewise add the
convolution of their input's change to the reference's output (:mod:`.delta`). Mutants are
batched: each batch is a few gathers, a few matrix products per layer and, for the linear
layer, one per window offset or front-end position, with no Python loop per mutant. Results
equal a full forward pass to float tolerance; :func:`build` checks this on random inputs
(:mod:`.check`) and gives no engine when they differ.

Whole sequences (FASTA and BED predictions, references) go through the same layers; on a CPU
the front end runs in chunks of sequences whose activations fit in the cache, with prepacked
oneDNN convolutions (:mod:`.onednn`), stride-1 ones by Karatsuba blocks (:mod:`.karatsuba`:
DeepSEA's 64-sequence full pass 0.67 -> 0.44 CPU s, one thread), and the leading linear
layer runs as one convolution (DeepSEA's: 37 ms as a BLAS matrix product, 19 ms as a
prepacked oneDNN convolution per 64 sequences, on the 2-core AMD CPU we measure on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from selene.predict.accel.delta import DeltaConv, changed_output
from selene.predict.accel.graph import Layer, Split
from selene.predict.accel.karatsuba import karatsuba_conv2d
from selene.predict.accel.onednn import Conv, packed_conv2d
from selene.predict.accel.windows import (
    ReferenceRows,
    as_conv_input,
    by_position,
    overlay_mutant,
    reference_window,
)

#: Bytes of activations per front-end chunk on a CPU (about what its caches hold).
CACHE_BYTES = 16 << 20
#: Most input channels of a leading convolution whose output the reference pass does not keep
#: (one-hot letters: mutants recompute it over their window, see :meth:`LocalEngine.reference`).
RECOMPUTED_CHANNELS = 8


@dataclass
class ReferenceActivations:
    """What :meth:`LocalEngine.mutants` reads of the reference sequences.

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


class LocalEngine:
    """Whole-sequence and layer-local forward passes of a network with a convolutional front end.

    Build with :func:`selene.predict.accel.build_engine` (which checks it against the network);
    use :meth:`forward` for whole sequences, :meth:`reference` + :meth:`mutants` for variants
    of given sequences.

    Parameters
    ----------
    split : Split
        The network as front-end layers and a head (:func:`.graph.split_network`).
    sequence_length, n_letters : int
    device : torch.device
    """

    name = "layer_local"

    def __init__(
        self, split: Split, sequence_length: int, n_letters: int, device: torch.device
    ) -> None:
        self.layers = split.layers
        self.head, self.tail, self.linear = split.head, split.tail, split.linear
        self.sequence_length, self.n_letters, self.device = sequence_length, n_letters, device
        # The leading linear layer's weight as (position, channel, output), so that a window of
        # positions is a slice; None when the head has no such layer.
        self._linear_by_position: torch.Tensor | None = None
        self._linear_as_conv: Conv | None = None  # the same layer as a prepacked convolution
        shapes = self._probe_shapes()
        _, channels, _, length = shapes[-1]
        # Sequences per front-end chunk: all on a GPU; CACHE_BYTES of activations on a CPU.
        largest = max(c * w for _, c, _, w in shapes) * 4
        on_cpu = device.type == "cpu"
        self.sequences_per_chunk = max(1, CACHE_BYTES // largest) if on_cpu else 1 << 30
        # Whole-sequence passes on a CPU use prepacked oneDNN convolutions where they exist.
        self._whole_sequence_fns = [layer.fn for layer in self.layers]
        # Convolutions whose mutant outputs are the reference's plus a change (:mod:`.delta`).
        self._delta = {
            i: DeltaConv(la) for i, la in enumerate(self.layers) if DeltaConv.applies(la)
        }
        for i, layer in enumerate(self.layers):
            if layer.conv is not None and on_cpu:
                weight, bias, groups = layer.conv
                shape = (self.sequences_per_chunk, *shapes[i][1:])
                packed = packed_conv2d(weight, bias, (1, layer.stride), (1, layer.dilation),
                                       groups, shape) or layer.fn  # fmt: skip
                if layer.stride == layer.dilation == groups == 1:  # fewer products by blocks
                    packed = karatsuba_conv2d(weight, bias, shape, packed) or packed
                self._whole_sequence_fns[i] = packed
        if self.linear is not None:
            weight = self.linear.weight.detach()
            if weight.shape[1] == length * channels:  # flatten of (C, L): column c * L + t
                n_out = weight.shape[0]
                by_pos = weight.view(n_out, channels, length).permute(2, 1, 0).contiguous()
                self._linear_by_position = by_pos
                if on_cpu:  # oneDNN's convolution beats the BLAS matmul here
                    kernel = weight.view(n_out, channels, 1, length)
                    bias = self.linear.bias
                    bias = None if bias is None else bias.detach()
                    self._linear_as_conv = packed_conv2d(
                        kernel.contiguous(memory_format=torch.channels_last), bias, (1, 1),
                        (1, 1), 1, (64, channels, 1, length),
                    )  # fmt: skip
        self._recomputed = self._recomputed_prefix()

    def mutants_per_batch(self, batch_size: int) -> int:
        """Mutants to score per call: at least 512 on a GPU, 256 on a CPU.

        A layer-local batch is cheap; on a CPU, 256 keeps each layer's products in the cache
        (ISM of DeepSEA(1000, 919): 2.28 CPU s with 256, 2.45-2.64 s with 512, one thread).
        """
        return max(batch_size, 256 if self.device.type == "cpu" else 512)

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Model output for one-hot ``x`` of shape ``(N, A, L)``.

        The front end runs in chunks of sequences whose activations fit in the CPU's cache
        (conv1 of DeepSEA on 64 sequences writes 81 MB); the head runs on the whole batch, so
        that its weights are read once.
        """
        x = x.unsqueeze(2)
        step = self.sequences_per_chunk
        parts = [self._front(x[i : i + step]) for i in range(0, len(x), step)]
        front_out = parts[0] if len(parts) == 1 else torch.cat(parts)
        return self._head(by_position(front_out))

    @torch.inference_mode()
    def reference(self, x: torch.Tensor) -> ReferenceActivations:
        """Run one-hot ``x`` ``(R, A, L)`` and keep what :meth:`mutants` needs.

        The whole batch goes through each layer at once, unlike :meth:`forward`: every layer's
        output is kept, so chunks would only add copies (joining them took 0.1 of 0.6 CPU s
        for 64 DeepSEA(1000, 919) sequences); the Karatsuba convolutions cut their input in
        pieces themselves.
        """
        kept, conv_out = self._front_kept(
            x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        )
        activations = [None if h is None else by_position(h) for h in kept[:-1]]
        activations.append(by_position(kept[-1]).contiguous())
        conv_out = {i: by_position(h) for i, h in conv_out.items()}
        linear = self._linear(activations[-1]) if self._linear_by_position is not None else None
        # Heads may work in place (ReLU(inplace=True)): give them copies of what is kept.
        if linear is not None and self.tail is not None:
            output = self.tail(linear.clone())
        else:
            output = self.head(
                activations[-1].permute(0, 2, 1).clone(memory_format=torch.contiguous_format)
            )
        return ReferenceActivations(activations, linear, output, conv_out=conv_out)

    @torch.inference_mode()
    def mutants(
        self,
        ref: ReferenceActivations,
        ref_index: np.ndarray,
        starts: np.ndarray,
        window: torch.Tensor,
    ) -> torch.Tensor:
        """Model output for mutants of reference sequences.

        Parameters
        ----------
        ref : ReferenceActivations
        ref_index : numpy.ndarray, shape (M,)
            The reference each mutant derives from.
        starts : numpy.ndarray, shape (M,)
            First position of each mutant's changed span.
        window : torch.Tensor, shape (M, A, W)
            The mutant's one-hot input over ``[start, start + W)`` (may include unchanged
            positions).

        Returns
        -------
        torch.Tensor, shape (M, F)
        """
        device = window.device
        rows = ReferenceRows(np.asarray(ref_index, dtype=np.int64), len(ref.output), device)
        # The span of the current layer's input that differs from the reference: its values
        # (M, changed_width, C), first position and width. It widens by each layer's span.
        changed = window.permute(0, 2, 1)
        changed_start = np.asarray(starts, dtype=np.int64)
        changed_width, stored, begin = window.shape[2], 0, 0
        if self._recomputed is not None:  # the leading layers at once, from the kept input
            changed, changed_start = self._recompute_prefix(ref, rows, changed, changed_start)
            changed_width, stored, begin = changed.shape[1], 2, self._recomputed + 1
        for index in range(begin, len(self.layers)):
            layer = self.layers[index]
            if layer.pointwise:
                changed = by_position(layer.fn(as_conv_input(changed.contiguous())))
                continue
            n_in = ref.activations[stored].shape[1]  # type: ignore[union-attr]
            out_start, out_width, in_start, in_width = _window(layer, n_in, changed_start,
                                                               changed_width)  # fmt: skip
            if index in ref.conv_out and changed_width < out_width:  # fewer taps as a change
                changed = changed_output(self._delta[index], ref.activations[stored],
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
        if self._linear_by_position is not None and ref.linear is not None and tail is not None:
            return tail(self._update_linear(ref, rows, front_out, changed, changed_start))
        zeros = np.zeros_like(changed_start)
        full = overlay_mutant(front_out, 0, rows, zeros, front_out.shape[1], changed,
                              changed_start, changed_width)  # fmt: skip
        return self._head(full)

    def _recomputed_prefix(self) -> int | None:
        """Return the windowed layer whose input :meth:`reference` does not keep, or None.

        That input is the output of a leading convolution over at most
        :data:`RECOMPUTED_CHANNELS` channels (one-hot letters), cheap to recompute over a
        mutant's window, and read by an unpadded pooling layer. Not keeping it lets the
        reference pass run those layers in cache-sized chunks, as :meth:`forward` does, and
        spares the largest activations (DeepSEA(1000, 919): 81 MB per 64 sequences).
        """
        windowed = [i for i, layer in enumerate(self.layers) if not layer.pointwise]
        if len(windowed) < 2 or windowed[0] != 0:
            return None
        first, second = self.layers[0], self.layers[windowed[1]]
        if first.conv is None or first.conv[0].shape[1] > RECOMPUTED_CHANNELS:
            return None
        return windowed[1] if second.conv is None and second.pad == (0, 0) else None

    def _recompute_prefix(
        self,
        ref: ReferenceActivations,
        rows: ReferenceRows,
        changed: torch.Tensor,
        changed_start: np.ndarray,
    ) -> tuple[torch.Tensor, np.ndarray]:
        """Run the layers up to the recomputed one's output over the window a change reaches.

        ``changed`` ``(M, W, A)`` is each mutant's input from ``changed_start``; returns the
        output ``(M, W', C)`` of layer :attr:`_recomputed` and its first position.
        """
        assert self._recomputed is not None  # checked by the caller
        first, second = self.layers[0], self.layers[self._recomputed]
        n_in, width = ref.activations[0].shape[1], changed.shape[1]  # type: ignore[union-attr]
        conv_start, conv_width, _, _ = _window(first, n_in, changed_start, width)
        out_start, _, in_start, in_width = _window(second, first.out_length(n_in), conv_start,
                                                   conv_width)  # fmt: skip
        # The convolution over every position the second layer's window reads.
        start = in_start * first.stride - first.pad[0]
        span = (in_width - 1) * first.stride + first.span
        padded = self._padded_activations(ref, 0, first)
        h = as_conv_input(overlay_mutant(padded, first.pad[0], rows, start, span, changed,
                                         changed_start, width))  # fmt: skip
        for layer in self.layers[: self._recomputed + 1]:
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
        assert self._linear_by_position is not None and ref.linear is not None
        width = changed.shape[1]
        delta = changed - reference_window(front_out, 0, rows, changed_start, width)
        delta = delta.reshape(len(changed_start), -1)
        base = rows.take(ref.linear)
        weights = self._linear_by_position
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

    def _front_kept(self, h: torch.Tensor) -> tuple[list[torch.Tensor], dict[int, torch.Tensor]]:
        """Run the front end on channels-last ``h`` ``(N, A, 1, L)``, keeping for mutants.

        Returns the input of each windowed layer and then the front end's output, and the
        output of each convolution :mod:`.delta` updates (by layer index), all ``(N, C, 1,
        L')`` channels-last.
        """
        kept, conv_out, begin = [], {}, 0
        if self._recomputed is not None:  # in chunks, keeping only their input (see there)
            begin, step = self._recomputed + 1, self.sequences_per_chunk
            parts = [self._run(h[i : i + step], 0, begin) for i in range(0, len(h), step)]
            kept += [h, None]
            h = parts[0] if len(parts) == 1 else torch.cat(parts)
        for i in range(begin, len(self.layers)):
            layer, fn = self.layers[i], self._whole_sequence_fns[i]
            if not layer.pointwise:
                kept.append(h)
            h = fn(_pad(h, layer))
            if i in self._delta:  # kept before any (possibly in-place) activation
                in_place_next = i + 1 < len(self.layers) and self.layers[i + 1].pointwise
                conv_out[i] = h.clone() if in_place_next else h
        kept.append(h)
        return kept, conv_out

    def _front(self, x: torch.Tensor) -> torch.Tensor:
        """Front-end output ``(N, C, 1, L)`` for one-hot ``x`` ``(N, A, 1, L)``."""
        return self._run(x.contiguous(memory_format=torch.channels_last), 0, len(self.layers))

    def _run(self, h: torch.Tensor, begin: int, end: int) -> torch.Tensor:
        """Run channels-last ``h`` through the whole-sequence layers ``[begin, end)``."""
        for layer, fn in zip(self.layers[begin:end], self._whole_sequence_fns[begin:end],
                             strict=True):  # fmt: skip
            h = fn(_pad(h, layer))
        return h

    def _head(self, front_out: torch.Tensor) -> torch.Tensor:
        """Model output for the front end's output ``(N, L, C)``."""
        if self._linear_by_position is not None and self.tail is not None:
            return self.tail(self._linear(front_out))
        return self.head(front_out.permute(0, 2, 1).contiguous())

    def _linear(self, front_out: torch.Tensor) -> torch.Tensor:
        """Apply the leading linear layer to the flattened front-end output ``(N, L, C)``."""
        assert self._linear_by_position is not None  # checked by the callers
        # One sequence takes the matrix product: oneDNN reorders the weights prepacked for 64
        # at every such call (DeepSEA(1000, 919): 148 ms, against 14 ms).
        if (
            self._linear_as_conv is not None
            and front_out.dtype == torch.float32
            and len(front_out) > 1
        ):
            return self._linear_as_conv(as_conv_input(front_out)).flatten(1)
        bias = None if self.linear is None else self.linear.bias
        flat = front_out.reshape(front_out.shape[0], -1)
        out = flat @ self._linear_by_position.reshape(flat.shape[1], -1).to(flat.dtype)
        return out if bias is None else out + bias

    def _padded_activations(
        self, ref: ReferenceActivations, index: int, layer: Layer
    ) -> torch.Tensor:
        """Return reference activations ``index``, padded as ``layer`` pads its input (cached)."""
        if index not in ref.padded:
            activations = ref.activations[index]
            if layer.pad != (0, 0):
                activations = torch.nn.functional.pad(
                    activations.permute(0, 2, 1), layer.pad, value=layer.pad_value
                ).permute(0, 2, 1)
            ref.padded[index] = activations
        return ref.padded[index]

    def _probe_shapes(self) -> list[tuple[int, int, int, int]]:
        """Shapes of each layer's padded input, then the front end's output (one sequence)."""
        h, shapes = random_one_hot(1, self.sequence_length, self.n_letters, self.device), []
        h = h.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            for layer in self.layers:
                h = _pad(h, layer)
                shapes.append(tuple(h.shape))
                h = layer.fn(h)
        return [*shapes, tuple(h.shape)]


def random_one_hot(
    n: int, length: int, n_letters: int, device: torch.device, seed: int = 0
) -> torch.Tensor:
    """Return ``n`` random one-hot sequences ``(n, n_letters, length)`` (probes and checks)."""
    g = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, n_letters, (n, length), generator=g)
    x = torch.nn.functional.one_hot(codes, n_letters).permute(0, 2, 1).float()
    return x.to(device)


def _window(
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


def _pad(h: torch.Tensor, layer: Layer) -> torch.Tensor:
    """Pad ``(N, C, 1, L)`` input as ``layer`` expects (its own ``pad`` and ``pad_value``)."""
    if layer.pad == (0, 0):
        return h
    return torch.nn.functional.pad(h, layer.pad, value=layer.pad_value)
