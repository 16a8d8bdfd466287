"""Layer-local evaluation of mutants (the fastISM idea) for convolutional front ends.

A mutation confined to a few positions changes only a window of each front-end layer's output.
:class:`LocalEngine` computes the reference's activations once; for each mutant it recomputes
every layer over the window the mutation can reach, reading the reference's activations around
it, and then runs the head (:mod:`.local_mutants`). When the head starts with ``flatten`` +
``nn.Linear``, the linear output is updated with the slice of weights the window touches
(``y_ref + W[:, window] @ delta``), instead of a full matrix product; stride-1 convolutions
likewise add the convolution of their input's change to the reference's output (:mod:`.delta`).
Mutants are batched: each batch is a few gathers, a few matrix products per layer and, for the
linear layer, one per window offset or front-end position, with no Python loop per mutant.
Results equal a full forward pass to float tolerance; :func:`build` checks this on random
inputs (:mod:`.check`) and gives no engine when they differ.

Whole sequences (FASTA and BED predictions, references) go through the same layers; on a CPU
the front end runs in chunks of sequences whose activations fit in the cache, with prepacked
oneDNN convolutions (:mod:`.onednn`), stride-1 ones by Karatsuba blocks (:mod:`.karatsuba`:
DeepSEA's 64-sequence full pass 0.67 -> 0.44 CPU s, one thread), and the leading linear
layer runs as one convolution (DeepSEA's: 37 ms as a BLAS matrix product, 19 ms as a
prepacked oneDNN convolution per 64 sequences, on the 2-core AMD CPU we measure on).
"""

from __future__ import annotations

import numpy as np
import torch

from selene.predict.accel.delta import DeltaConv
from selene.predict.accel.graph import Layer, Split
from selene.predict.accel.karatsuba import karatsuba_conv2d
from selene.predict.accel.local_mutants import (
    MutantPass,
    ReferenceActivations,
    recomputed_prefix,
)
from selene.predict.accel.onednn import Conv, packed_conv2d
from selene.predict.accel.windows import as_conv_input, by_position

#: Bytes of activations per front-end chunk on a CPU (about what its caches hold).
CACHE_BYTES = 16 << 20


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
        self._recomputed = recomputed_prefix(self.layers)
        self._mutant_pass = MutantPass(
            self.layers, self._delta, self._recomputed, self._linear_by_position, self.tail,
            self._head,
        )  # fmt: skip

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

        The front end runs in chunks, as in :meth:`forward` (see :meth:`_front_kept`); the
        head on the whole batch.
        """
        kept, conv_out = self._front_kept(
            x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        )
        activations = [None if h is None else by_position(h) for h in kept[:-1]]
        assert kept[-1] is not None  # the front end's output is always kept
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
        """Model output for mutants of reference sequences (:class:`.local_mutants.MutantPass`).

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
        return self._mutant_pass(ref, ref_index, starts, window)

    def _front_kept(
        self, h: torch.Tensor
    ) -> tuple[list[torch.Tensor | None], dict[int, torch.Tensor]]:
        """Run the front end on channels-last ``h`` ``(N, A, 1, L)``, keeping for mutants.

        Returns the input of each windowed layer (None for the one mutants recompute) and then
        the front end's output, and the output of each convolution :mod:`.delta` updates (by
        layer index), all ``(N, C, 1, L')`` channels-last. Runs in chunks of
        :attr:`sequences_per_chunk` sequences, as :meth:`forward` does, each chunk's results
        copied into one tensor per layer (DeepSEA(1000, 919), 74 sequences, one thread: 535
        against 560 CPU ms for the whole batch at once; the same values to the bit).
        """
        n, step = len(h), self.sequences_per_chunk
        if n <= step:
            return self._front_kept_chunk(h)
        kept: list[torch.Tensor | None] = []
        conv_out: dict[int, torch.Tensor] = {}
        for i in range(0, n, step):
            part_kept, part_out = self._front_kept_chunk(h[i : i + step])
            if not kept:  # one tensor per distinct output (a convolution's may be kept twice)
                full: dict[int, torch.Tensor] = {}
                for t in [*part_kept, *part_out.values()]:
                    if t is not None and id(t) not in full:
                        shape = (n, *t.shape[1:])
                        full[id(t)] = torch.empty(shape, dtype=t.dtype, device=t.device,
                                                  memory_format=torch.channels_last)  # fmt: skip
                kept = [None if t is None else full[id(t)] for t in part_kept]
                conv_out = {j: full[id(t)] for j, t in part_out.items()}
            written = set()
            pairs = zip([*part_kept, *part_out.values()], [*kept, *conv_out.values()], strict=True)
            for part, whole in pairs:
                if part is not None and whole is not None and id(whole) not in written:
                    written.add(id(whole))
                    whole[i : i + step] = part
        return kept, conv_out

    def _front_kept_chunk(
        self, h: torch.Tensor
    ) -> tuple[list[torch.Tensor | None], dict[int, torch.Tensor]]:
        """:meth:`_front_kept` on one chunk of sequences, each layer's output as it comes."""
        kept: list[torch.Tensor | None] = []
        conv_out, begin = {}, 0
        if self._recomputed is not None:  # keeping only their input (see local_mutants)
            begin = self._recomputed + 1
            kept += [h, None]
            h = self._run(h, 0, begin)
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


def _pad(h: torch.Tensor, layer: Layer) -> torch.Tensor:
    """Pad ``(N, C, 1, L)`` input as ``layer`` expects (its own ``pad`` and ``pad_value``)."""
    if layer.pad == (0, 0):
        return h
    return torch.nn.functional.pad(h, layer.pad, value=layer.pad_value)
