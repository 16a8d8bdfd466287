"""Stride-1 convolutions in fewer multiplications: Karatsuba's algorithm over blocks of positions.

A convolution's full passes are matrix products at the CPU's peak rate already (DeepSEA's
second and third convolutions run at about 57 G multiply-adds per second on one thread of the
2-core AMD CPU we measure on), so only fewer multiplications make them faster. A 1-D
convolution with a kernel of ``k <= 2**p`` taps is a polynomial product: the input, cut in
blocks of ``b = 2**p`` positions, times the kernel, added block by block (overlap-add).
Karatsuba's rule multiplies two polynomials of ``b`` terms with ``3**p`` products of
coefficients instead of ``b**2``; here each coefficient is a vector of channels and each
product a ``(C_in, C_out)`` matrix product, so a block of ``b`` outputs costs ``3**p`` matrix
products instead of ``b * k``: 27 instead of 64 per 8 positions for DeepSEA's kernels of 8
taps, 0.42 times the multiply-adds. The ``3**p`` products run as one grouped, prepacked oneDNN
convolution (:mod:`.onednn`). On 13 sequences of DeepSEA(1000, 919), one thread: its second
convolution 67 -> 40 ms, its third 47-56 -> 29 ms (the transforms take 7 ms of the 40).

Each level uses the subtractive form, ``P0 Q1 + P1 Q0 = P0 Q0 + P1 Q1 - (P0 - P1)(Q0 - Q1)``:
the differences of neighbouring activations stay as small as the activations, where sums of
non-negative inputs (after a ReLU) would grow with each level, and rounding errors with them.
On DeepSEA's second and third convolutions (ReLU'd Gaussian inputs) the largest differences
from float64 were 4.0e-6 and 4.6e-6, the direct convolution's 3.9e-6 and 2.4e-6, the additive
form's 1.5e-5; :func:`karatsuba_conv2d` checks each layer on a probe before it is used.
Written by hand because neither PyTorch nor oneDNN offers a fast algorithm for 1-D kernels
(oneDNN's Winograd convolutions are 3x3 only); torch.jit.freeze and optimize_for_inference of
the plain DeepSEA gave nothing (0.87 and 0.88 CPU s per 64 sequences, against 0.83 eager).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch

from selene.predict.accel.onednn import Conv, packed_conv2d

#: Fewest input and output channels for which the block products pay off (a first
#: convolution over 4 one-hot letters is cheap as it is).
MIN_CHANNELS = 64
#: Largest ratio of Karatsuba's multiply-adds to the direct convolution's for which it is used.
MAX_RATIO = 0.6


def karatsuba_matrices(levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return Karatsuba's bilinear algorithm for two polynomials of ``2**levels`` terms.

    Returns
    -------
    evaluate_a, evaluate_b : numpy.ndarray, shape (3**levels, 2**levels)
        Entries 0 or +-1: the factors of each product, from the coefficients of each operand.
    interpolate : numpy.ndarray, shape (2 * 2**levels - 1, 3**levels)
        The product's coefficients from the products: ``p * q == interpolate @ ((evaluate_a
        @ p) * (evaluate_b @ q))`` (``*`` the polynomial product, ``np.convolve``).
    """
    a, b, c = np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1))
    for _ in range(levels):
        h, m = a.shape[1], a.shape[0]
        zero = np.zeros_like(a)
        a = np.block([[a, zero], [a, -a], [zero, a]])  # P0, P0 - P1, P1
        b = np.block([[b, zero], [b, -b], [zero, b]])
        width = 2 * h - 1  # terms of each half-size product
        out = np.zeros((4 * h - 1, 3 * m))
        out[:width, :m] += c  # P0 Q0
        out[2 * h : 2 * h + width, 2 * m :] += c  # P1 Q1 at x**(2h)
        out[h : h + width, :m] += c  # P0 Q1 + P1 Q0 = P0 Q0 + P1 Q1 - (P0 - P1)(Q0 - Q1)
        out[h : h + width, 2 * m :] += c
        out[h : h + width, m : 2 * m] -= c
        a, b, c = a, b, out
    return a, b, c


def levels_for(kernel: int) -> int:
    """Karatsuba levels for a kernel of ``kernel`` taps: blocks of ``2**levels >= kernel``."""
    return max(1, math.ceil(math.log2(kernel)))


def worthwhile(kernel: int, c_in: int, c_out: int) -> bool:
    """Whether a stride-1 convolution of this shape is faster by blocks (see the module)."""
    p = levels_for(kernel)
    ratio = (3**p / 2**p) / kernel
    return kernel > 1 and min(c_in, c_out) >= MIN_CHANNELS and ratio <= MAX_RATIO


class KaratsubaConv:
    """``F.conv2d(x, weight, bias)`` for a stride-1, undilated, ungrouped ``(1, k)`` kernel.

    Build with :func:`karatsuba_conv2d` (which checks it against the direct convolution).
    The block products run on exactly ``sequences`` sequences of ``length`` positions at a
    time, the shape they were prepacked for: oneDNN reorders prepacked weights at every call
    of some other widths (DeepSEA's third convolution: 0.6 s instead of 4 ms for one
    sequence, and for 18 or 20 of 13). Larger batches run in pieces of that many, a last
    piece of at least 3/5 of it is padded with zero sequences, a smaller one (and any other
    length or dtype) takes ``direct``.

    Parameters
    ----------
    weight : torch.Tensor, shape (C_out, C_in, 1, k)
    bias : torch.Tensor, shape (C_out,), or None
    levels : int
        Blocks of ``2**levels`` positions.
    products : Conv
        The ``3**p`` block products, a grouped 1x1 convolution taking ``(1, 3**p * C_in, 1,
        sequences * J)`` channels-last input (``J`` blocks per sequence).
    direct : Conv
        The same convolution computed directly.
    shape : tuple of int
        ``(sequences, C_in, 1, length)``: the input the products were prepacked for.
    """

    def __init__(
        self, weight: torch.Tensor, bias: torch.Tensor | None, levels: int, products: Conv,
        direct: Conv, shape: tuple[int, int, int, int],
    ) -> None:  # fmt: skip
        evaluate, _, interpolate = karatsuba_matrices(levels)
        self.kernel, self.block, self.c_out = weight.shape[3], 2**levels, weight.shape[0]
        self.weight, self.bias, self.products, self.direct = weight, bias, products, direct
        self.sequences, self.length = shape[0], shape[3]
        self.evaluate = torch.as_tensor(evaluate, dtype=weight.dtype, device=weight.device)
        block = self.block
        # Rows of the block product that land in this block's positions, and in the next's.
        low = torch.as_tensor(interpolate[:block], dtype=weight.dtype)
        high = torch.as_tensor(interpolate[block:], dtype=weight.dtype)
        self.interpolate = torch.cat([low, torch.nn.functional.pad(high, (0, 0, 0, 1))])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Return the convolution of channels-last ``x`` ``(N, C_in, 1, L)``.

        The result is ``(N, C_out, 1, L - k + 1)``, channels-last.
        """
        n, step = x.shape[0], self.sequences
        if (
            x.dtype != self.weight.dtype
            or torch.is_autocast_enabled("cpu")
            or x.shape[3] != self.length
            or 5 * n < 3 * step
        ):
            return self.direct(x)
        if n == step:
            return self.blocks(x)
        if n < step:
            zeros = x.new_zeros(step - n, *x.shape[1:])
            return self.blocks(
                torch.cat([x, zeros.contiguous(memory_format=torch.channels_last)])
            )[:n]
        # Pieces written into one output (N, L', C') rows: no concatenation afterwards.
        shape = (n, self.c_out, 1, x.shape[3] - self.kernel + 1)
        out = x.new_empty(shape).contiguous(memory_format=torch.channels_last)
        rows = out.squeeze(2).permute(0, 2, 1)
        for i in range(0, n, step):
            piece = x[i : i + step]
            if len(piece) == step:
                self.blocks(piece, rows[i : i + step])
            else:
                rows[i:] = self(piece).squeeze(2).permute(0, 2, 1)
        return out

    def blocks(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """Return the convolution of ``x`` by Karatsuba blocks, at any shape (see the class).

        ``out``: (N, L - k + 1, C_out) rows to write it to (then returned as they are).
        """
        n, c_in, _, length = x.shape
        k, b = self.kernel, self.block
        blocks = -(-length // b)
        rows = x.squeeze(2).permute(0, 2, 1)  # (N, L, C_in), a view of channels-last memory
        if blocks * b != length:
            rows = torch.nn.functional.pad(rows, (0, 0, 0, blocks * b - length))
        rows = rows.reshape(n * blocks, b, c_in)
        factors = torch.matmul(self.evaluate, rows)  # (N * J, 3**p, C_in)
        inputs = factors.view(1, n * blocks, -1).permute(0, 2, 1).unsqueeze(2)
        products = self.products(inputs).squeeze(2).permute(0, 2, 1)  # channels-last: a view
        products = products.reshape(n * blocks, -1, self.c_out)  # (N * J, 3**p, C_out)
        parts = torch.matmul(self.interpolate, products).view(n, blocks, 2, b, self.c_out)
        # Overlap-add: block j's own positions plus the spill-over of block j - 1.
        full = parts[:, :, 0].clone()
        full[:, 1:] += parts[:, :-1, 1]
        # The correlation's output t is the convolution's (flipped kernel) position t + k - 1;
        # the last block's spill-over lies past the input and is not needed.
        result = full.view(n, blocks * b, self.c_out)[:, k - 1 : length]
        if out is not None:
            return (
                out.copy_(result) if self.bias is None else torch.add(result, self.bias, out=out)
            )
        result = result.contiguous() if self.bias is None else result + self.bias
        return result.permute(0, 2, 1).unsqueeze(2)


def karatsuba_conv2d(
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    input_shape: tuple[int, int, int, int],
    direct: Conv | None = None,
) -> KaratsubaConv | None:
    """Return ``F.conv2d(x, weight, bias)`` by Karatsuba blocks, or None where it does not apply.

    ``weight`` is ``(C_out, C_in, 1, k)`` (stride 1, no dilation, one group; the caller
    checks); ``x`` a float32 channels-last CPU tensor, ``input_shape`` the typical input's
    (its batches run in pieces of that many sequences); ``direct`` computes the inputs that
    the blocks do not (see :class:`KaratsubaConv`; None: ``F.conv2d``). None when the shape
    gains too little (:func:`worthwhile`), when the grouped products cannot be prepacked
    (:func:`.onednn.packed_conv2d`), or when the result differs from ``F.conv2d`` on a probe
    by more than float32 rounding.
    """
    c_out, c_in, height, kernel = weight.shape
    if height != 1 or weight.device.type != "cpu" or not worthwhile(kernel, c_in, c_out):
        return None
    levels = levels_for(kernel)
    block = 2**levels
    _, evaluate_b, _ = karatsuba_matrices(levels)
    # Kernel taps as a convolution's (flipped) polynomial, padded to a block.
    taps = weight.squeeze(2).flip(-1).double()
    taps = torch.nn.functional.pad(taps, (0, block - kernel))
    factors = torch.einsum("eb,oib->eoi", torch.as_tensor(evaluate_b), taps)  # (3**p, C_out, C_in)
    grouped = factors.reshape(-1, c_in, 1, 1).to(weight.dtype)
    n, _, _, length = input_shape
    shape = (1, len(evaluate_b) * c_in, 1, n * -(-length // block))
    products = packed_conv2d(
        grouped.contiguous(memory_format=torch.channels_last), None, (1, 1), (1, 1),
        len(evaluate_b), shape,
    )  # fmt: skip
    if products is None:
        return None
    if direct is None:
        direct = partial(torch.nn.functional.conv2d, weight=weight, bias=bias)
    conv = KaratsubaConv(weight, bias, levels, products, direct, input_shape)
    if not _agrees(conv, weight, bias, input_shape):
        return None
    return conv


def _agrees(
    conv: KaratsubaConv,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    input_shape: tuple[int, int, int, int],
) -> bool:
    """Whether ``conv`` equals float64's convolution as closely as ``F.conv2d`` does (x2).

    Two random sequences, padded with zeros to the prepacked shape (only that takes the blocks).
    """
    generator = torch.Generator().manual_seed(0)
    probe = torch.rand(2, *input_shape[1:], generator=generator)
    probe = probe.contiguous(memory_format=torch.channels_last)
    padded = torch.zeros(input_shape).contiguous(memory_format=torch.channels_last)
    padded[:2] = probe
    with torch.inference_mode():
        exact = torch.nn.functional.conv2d(
            probe.double(), weight.double(), None if bias is None else bias.double()
        )
        direct = torch.nn.functional.conv2d(probe, weight, bias)
        got = conv.blocks(padded)[:2]
    if got.shape != exact.shape:
        return False
    rounding = float((direct.double() - exact).abs().max())
    scale = float(exact.abs().max())
    return float((got.double() - exact).abs().max()) <= 2 * rounding + 1e-6 * scale
