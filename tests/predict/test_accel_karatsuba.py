"""Karatsuba block convolutions (selene.predict.accel.karatsuba) against the direct ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _tolerances import EVAL
from selene.predict.accel.karatsuba import (
    KaratsubaConv,
    karatsuba_conv2d,
    karatsuba_matrices,
    worthwhile,
)


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_the_matrices_multiply_polynomials(levels) -> None:
    evaluate_a, evaluate_b, interpolate = karatsuba_matrices(levels)
    n = 2**levels
    assert evaluate_a.shape == evaluate_b.shape == (3**levels, n)
    assert interpolate.shape == (2 * n - 1, 3**levels)
    rng = np.random.default_rng(levels)
    for _ in range(3):
        p, q = rng.integers(-9, 10, n), rng.integers(-9, 10, n)
        product = interpolate @ ((evaluate_a @ p) * (evaluate_b @ q))
        np.testing.assert_array_equal(product, np.convolve(p, q))  # integers: exact


def _conv_input(n: int, channels: int, length: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.relu(torch.randn(n, channels, 1, length, generator=g))  # as after a ReLU
    return x.contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize(
    ("kernel", "length", "bias"),
    [(8, 64, True), (8, 61, False), (7, 30, True), (4, 13, True), (6, 9, False)],
)
def test_equals_the_convolution_to_float_rounding(kernel, length, bias) -> None:
    g = torch.Generator().manual_seed(kernel)
    weight = torch.randn(96, 64, 1, kernel, generator=g) / (64 * kernel) ** 0.5
    weight = weight.contiguous(memory_format=torch.channels_last)
    b = torch.randn(96, generator=g) if bias else None
    conv = karatsuba_conv2d(weight, b, (3, 64, 1, length))
    assert isinstance(conv, KaratsubaConv)
    # 3: the prepacked shape; 2: padded to it; 1: the direct path; 7: pieces of 3, 3 and 1.
    for n, seed in ((3, 1), (2, 2), (1, 3), (7, 4)):
        x = _conv_input(n, 64, length, seed)
        with torch.inference_mode():
            got = conv(x)
            exact = F.conv2d(x.double(), weight.double(), None if b is None else b.double())
        assert got.shape == exact.shape == (n, 96, 1, length - kernel + 1)
        assert got.is_contiguous(memory_format=torch.channels_last)  # as the next layer takes
        scale = 1.0 + float(exact.abs().max())
        assert float((got.double() - exact).abs().max()) <= EVAL * scale


def test_only_shapes_that_gain() -> None:
    assert worthwhile(8, 320, 480)  # 27 products per 8 positions: 0.42 of the direct ones
    assert worthwhile(4, 64, 64)  # 9 per 4: 0.56
    assert not worthwhile(5, 320, 480)  # padded to 8: 0.68
    assert not worthwhile(8, 4, 320)  # one-hot input: too few channels to pay off
    assert not worthwhile(1, 320, 480)
    weight = torch.randn(96, 64, 1, 5).contiguous(memory_format=torch.channels_last)
    assert karatsuba_conv2d(weight, None, (2, 64, 1, 40)) is None


def test_deepsea_full_passes_use_it(analysis) -> None:
    # test_float_tolerances.py checks these passes against float64 (the golden DeepSEA(200, 4)).
    engine = analysis._runner.engine
    kinds = [type(fn).__name__ for fn in engine._whole_sequence_fns]
    assert kinds.count("KaratsubaConv") == 2  # the 2nd and 3rd convolutions; the 1st reads 4
