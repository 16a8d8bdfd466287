"""Layer-local evaluation of mutants (the fastISM idea) for convolutional front ends.

A mutation confined to a few positions changes only a window of each front-end layer's output.
:class:`LocalEngine` computes the reference's activations once; for each mutant it recomputes
every layer over the window the mutation can reach, reading the reference's activations around
it, and then runs the head. When the head starts with ``flatten`` + ``nn.Linear``, the linear
output is updated with the slice of weights the window touches (``y_ref + W[:, window] @
delta``), instead of a full matrix product. Mutants are batched: each batch is a few gathers,
one small convolution per layer and one matrix product per distinct window offset, with no
Python loop per mutant. Results equal a full forward pass to float tolerance; the engine checks
this on random inputs when it is built and is not used (None) when they differ.

Whole sequences (FASTA and BED predictions, references) go through the same layers; on a CPU
the front end runs in chunks of sequences whose activations fit in the cache, with prepacked
oneDNN convolutions, and the leading linear layer runs as one convolution (DeepSEA's: 37 ms
as a BLAS matrix product, 19 ms as a prepacked oneDNN convolution per 64 sequences, on the
2-core AMD CPU we measure on).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from selene.predict._graph import Layer, Split, split_network
from selene.predict._onednn import Conv, packed_conv2d
from selene.predict._windows import Rows, blc, nchw, overlay, window_of
from selene.utils.warnings import SeleneWarning

_CACHE_BYTES = 16 << 20  # activations of one front-end chunk on a CPU


@dataclass
class Reference:
    """Activations of reference sequences: the input of each windowed layer, then the output."""

    acts: list[torch.Tensor]  # (R, L_l, C_l) each
    linear: torch.Tensor | None  # (R, F) output of the leading linear layer
    output: torch.Tensor  # (R, F) model output
    _padded: dict[int, torch.Tensor] = field(default_factory=dict)


class LocalEngine:
    """Full and layer-local forward passes of a network with a convolutional front end.

    Build with :meth:`build`; use :meth:`forward` for whole sequences, :meth:`reference` +
    :meth:`mutants` for variants of given sequences.
    """

    def __init__(
        self, split: Split, sequence_length: int, n_letters: int, device: torch.device
    ) -> None:
        self.layers = split.layers
        self.head, self.tail, self.linear = split.head, split.tail, split.linear
        self.sequence_length, self.n_letters, self.device = sequence_length, n_letters, device
        self._weight: torch.Tensor | None = None
        self._kernel: Conv | None = None
        shapes = self._probe_shapes()
        _, channels, _, length = shapes[-1]
        # Sequences per front-end chunk: all on a GPU; ~16 MB of activations on a CPU.
        largest = max(c * w for _, c, _, w in shapes) * 4
        self._chunk = max(1, _CACHE_BYTES // largest) if device.type == "cpu" else 1 << 30
        # Whole-sequence passes on a CPU use prepacked oneDNN convolutions where they exist.
        self._full_fns = [layer.fn for layer in self.layers]
        for i, layer in enumerate(self.layers):
            if layer.conv is not None and device.type == "cpu":
                weight, bias, groups = layer.conv
                shape = (self._chunk, *shapes[i][1:])
                packed = packed_conv2d(weight, bias, (1, layer.stride), (1, layer.dilation),
                                       groups, shape)  # fmt: skip
                self._full_fns[i] = packed or layer.fn
        if self.linear is not None:
            weight = self.linear.weight.detach()
            if weight.shape[1] == length * channels:  # flatten of (C, L): column c * L + t
                n_out = weight.shape[0]
                self._weight = weight.view(n_out, channels, length).permute(2, 1, 0).contiguous()
                if device.type == "cpu":  # oneDNN's convolution beats the BLAS matmul here
                    kernel = weight.view(n_out, channels, 1, length)
                    bias = self.linear.bias
                    bias = None if bias is None else bias.detach()
                    self._kernel = packed_conv2d(
                        kernel.contiguous(memory_format=torch.channels_last), bias, (1, 1),
                        (1, 1), 1, (64, channels, 1, length),
                    )  # fmt: skip

    @classmethod
    def build(cls, net: nn.Module, sequence_length: int, n_letters: int = 4) -> LocalEngine | None:
        """Return an engine for ``net`` (eval mode, on its device), or None if it has none.

        The engine is checked against ``net`` on random sequences and mutants.
        """
        split = split_network(net)
        if split is None:
            return None
        device = next((p.device for p in net.parameters()), torch.device("cpu"))
        for use_linear in (True, False):
            if not use_linear:
                split.linear = split.tail = None
            engine = cls(split, sequence_length, n_letters, device)
            try:
                if engine._agrees(net):
                    return engine
            except (RuntimeError, ValueError, IndexError) as err:
                warnings.warn(
                    f"layer-local ISM unavailable for {type(net).__name__} ({err}); "
                    "using full forward passes",
                    SeleneWarning,
                    stacklevel=2,
                )
                return None
        return None

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Model output for one-hot ``x`` of shape ``(N, A, L)``.

        The front end runs in chunks of sequences whose activations fit in the CPU's cache
        (conv1 of DeepSEA on 64 sequences writes 81 MB); the head runs on the whole batch, so
        that its weights are read once.
        """
        x = x.unsqueeze(2)
        parts = [self._front(x[i : i + self._chunk]) for i in range(0, len(x), self._chunk)]
        h = parts[0] if len(parts) == 1 else torch.cat(parts)
        return self._head(blc(h))

    def _front(self, x: torch.Tensor) -> torch.Tensor:
        """Front-end output ``(N, C, 1, L)`` for one-hot ``x`` ``(N, A, 1, L)``."""
        h = x.contiguous(memory_format=torch.channels_last)
        for layer, fn in zip(self.layers, self._full_fns, strict=True):
            h = fn(self._pad(h, layer))
        return h

    @torch.inference_mode()
    def reference(self, x: torch.Tensor) -> Reference:
        """Run one-hot ``x`` ``(R, A, L)`` and keep what :meth:`mutants` needs."""
        h = x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        acts = []
        for layer, fn in zip(self.layers, self._full_fns, strict=True):
            if not layer.pointwise:
                acts.append(blc(h))
            h = fn(self._pad(h, layer))
        acts.append(blc(h).contiguous())
        linear = self._linear(acts[-1]) if self._weight is not None else None
        # Heads may work in place (ReLU(inplace=True)): give them copies of what is kept.
        if linear is not None and self.tail is not None:
            output = self.tail(linear.clone())
        else:
            output = self.head(
                acts[-1].permute(0, 2, 1).clone(memory_format=torch.contiguous_format)
            )
        return Reference(acts, linear, output)

    @torch.inference_mode()
    def mutants(
        self, ref: Reference, ref_index: np.ndarray, starts: np.ndarray, window: torch.Tensor
    ) -> torch.Tensor:
        """Model output for mutants of reference sequences.

        Parameters
        ----------
        ref : Reference
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
        rows = Rows(np.asarray(ref_index, dtype=np.int64), len(ref.output), device)
        t, off = window.permute(0, 2, 1), np.asarray(starts, dtype=np.int64)
        width, stored = window.shape[2], 0
        for layer in self.layers:
            if layer.pointwise:
                t = blc(layer.fn(nchw(t.contiguous())))
                continue
            n_out = layer.out_length(ref.acts[stored].shape[1])
            left = layer.pad[0]
            lo = np.clip(-((layer.span - 1 - off - left) // layer.stride), 0, n_out - 1)
            hi = np.clip((off + width - 1 + left) // layer.stride, 0, n_out - 1)
            out_width = int(min(n_out, max(1, (hi - lo + 1).max())))
            out_off = np.clip(np.minimum(lo, n_out - out_width), 0, None)
            first = out_off * layer.stride - left
            in_width = (out_width - 1) * layer.stride + layer.span
            padded = self._padded_act(ref, stored, layer)
            inp = overlay(padded, left, rows, first, in_width, t, off, width)
            t = blc(layer.fn(nchw(inp)))
            off, width, stored = out_off, out_width, stored + 1
        final, tail = ref.acts[-1], self.tail
        if self._weight is not None and ref.linear is not None and tail is not None:
            delta = (t - window_of(final, 0, rows, off, width)).reshape(len(off), -1)
            base = rows.take(ref.linear)
            if (off == off[0]).all():  # one offset: one matrix product
                weight = self._weight[off[0] : off[0] + width].reshape(delta.shape[1], -1)
                return tail(torch.addmm(base, delta, weight.to(delta.dtype)))
            out = base.clone()
            for start in np.unique(off):
                which = torch.as_tensor(np.flatnonzero(off == start), device=device)
                weight = self._weight[start : start + width].reshape(delta.shape[1], -1)
                out.index_put_((which,), delta[which] @ weight.to(delta.dtype), accumulate=True)
            return tail(out)
        full = overlay(final, 0, rows, np.zeros_like(off), final.shape[1], t, off, width)
        return self._head(full)

    def _head(self, blc: torch.Tensor) -> torch.Tensor:
        if self._weight is not None and self.tail is not None:
            return self.tail(self._linear(blc))
        return self.head(blc.permute(0, 2, 1).contiguous())

    def _linear(self, blc: torch.Tensor) -> torch.Tensor:
        if self._weight is None:
            raise RuntimeError("this engine has no leading linear layer")
        if self._kernel is not None and blc.dtype == torch.float32:
            return self._kernel(nchw(blc)).flatten(1)
        bias = None if self.linear is None else self.linear.bias
        flat = blc.reshape(blc.shape[0], -1)
        out = flat @ self._weight.reshape(flat.shape[1], -1).to(flat.dtype)
        return out if bias is None else out + bias

    @staticmethod
    def _pad(h: torch.Tensor, layer: Layer) -> torch.Tensor:
        if layer.pad == (0, 0):
            return h
        return torch.nn.functional.pad(h, layer.pad, value=layer.pad_value)

    def _padded_act(self, ref: Reference, index: int, layer: Layer) -> torch.Tensor:
        if index not in ref._padded:
            acts = ref.acts[index]
            if layer.pad == (0, 0):
                ref._padded[index] = acts
            else:
                ref._padded[index] = torch.nn.functional.pad(
                    acts.permute(0, 2, 1), layer.pad, value=layer.pad_value
                ).permute(0, 2, 1)
        return ref._padded[index]

    def _probe_shapes(self) -> list[tuple[int, int, int, int]]:
        """Shapes of each layer's padded input, then the front end's output (one sequence)."""
        h, shapes = self._probe_input(1), []
        with torch.inference_mode():
            for layer in self.layers:
                h = self._pad(h, layer)
                shapes.append(tuple(h.shape))
                h = layer.fn(h)
        return [*shapes, tuple(h.shape)]

    def _probe_input(self, n: int, seed: int = 0) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        codes = torch.randint(0, self.n_letters, (n, self.sequence_length), generator=g)
        x = torch.nn.functional.one_hot(codes, self.n_letters).permute(0, 2, 1).float()
        return x.to(self.device).unsqueeze(2).contiguous(memory_format=torch.channels_last)

    def _agrees(self, net: nn.Module) -> bool:
        x = self._probe_input(2, seed=1).squeeze(2).contiguous()
        length = self.sequence_length
        starts = np.clip(np.array([0, length - 2, length // 2, length // 3, length - 3]), 0, None)
        ref_index = np.array([0, 1, 1, 0, 1])
        width = min(2, length)
        window = self._probe_input(len(starts) * width, seed=2)[:, :, 0, :1]
        window = window.reshape(len(starts), width, -1).permute(0, 2, 1).contiguous()
        mutated = x[torch.as_tensor(ref_index)].clone()
        for i, s in enumerate(starts):
            mutated[i, :, s : s + width] = window[i]
        pairs = []
        with torch.inference_mode():
            expected_ref = net(x)
            ref = self.reference(x)
            pairs += [(self.forward(x), expected_ref), (ref.output, expected_ref)]
            pairs.append((self.mutants(ref, ref_index, starts, window), net(mutated)))
            for i in (0, 1):  # mutants sharing one offset (sliced path), at each end
                edge = x[torch.as_tensor(ref_index[:2])].clone()
                edge[:, :, starts[i] : starts[i] + width] = window[:2]
                got = self.mutants(ref, ref_index[:2], starts[[i, i]], window[:2])
                pairs.append((got, net(edge)))
        scale = 1e-4 * (1.0 + float(expected_ref.abs().max()))
        return all(
            got.shape == want.shape and float((got - want).abs().max()) <= scale
            for got, want in pairs
        )
