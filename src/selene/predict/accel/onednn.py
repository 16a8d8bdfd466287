"""Convolutions with weights prepacked for oneDNN, for full-length passes on the CPU.

``F.conv2d`` on the CPU reorders its weights into oneDNN's blocked layout on every call; for
DeepSEA's first dense layer (a 187 MB weight, run as a convolution) prepacking once takes a
64-sequence batch from 22 to 19 ms on the 2-core CPU we measure on. PyTorch's own CPU
compiler prepacks weights through two ``torch.ops.mkldnn`` operators; :func:`packed_conv2d`
uses them when this build has them and they agree with ``F.conv2d``, and returns None
otherwise (the caller keeps ``F.conv2d``). Written by hand because PyTorch exposes prepacking
only through its compiler (``torch.compile`` needs a C++ toolchain at run time).

Those operators are private: a future PyTorch may rename or drop them. Every way that can show
(the name missing, a lookup or call that raises, results that differ) makes
:func:`packed_conv2d` return None, so the engine keeps the plain convolution and gives the same
results; ``tests/predict/test_accel_onednn.py`` simulates each.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Conv = Callable[[torch.Tensor], torch.Tensor]


def packed_conv2d(
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    input_shape: tuple[int, int, int, int],
) -> Conv | None:
    """Return ``F.conv2d(x, weight, bias, stride, 0, dilation, groups)`` with prepacked weights.

    ``x`` is a float32 channels-last CPU tensor; ``input_shape`` is the typical input's (it
    picks the layout; other shapes still work). None when prepacking is unavailable or does
    not reproduce ``F.conv2d`` on a probe of that shape.
    """
    if (
        weight.device.type != "cpu"
        or weight.dtype != torch.float32
        or not torch.backends.mkldnn.is_available()
    ):
        return None
    reorder = _private_op("_reorder_convolution_weight")
    convolution = _private_op("_convolution_pointwise")
    if reorder is None or convolution is None:
        return None
    padding, stride_, dilation_ = [0, 0], list(stride), list(dilation)
    try:
        packed = reorder(weight, padding, stride_, dilation_, groups, list(input_shape))

        def conv(x: torch.Tensor) -> torch.Tensor:
            if x.dtype != torch.float32 or torch.is_autocast_enabled("cpu"):  # the plain path
                return F.conv2d(x, weight, bias, stride, 0, dilation, groups)
            return convolution(
                x, packed, bias, padding, stride_, dilation_, groups, "none", [], ""
            )

        probe = torch.randn(1, *input_shape[1:], generator=torch.Generator().manual_seed(0))
        probe = probe.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            want = F.conv2d(probe, weight, bias, stride, 0, dilation, groups)
            got = conv(probe)
        if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
            return None
    except (AttributeError, NotImplementedError, RuntimeError, TypeError, ValueError):
        return None
    return conv


def _private_op(name: str) -> Callable[..., torch.Tensor] | None:
    """Return ``torch.ops.mkldnn.<name>``, or None where this PyTorch lacks it."""
    try:
        return getattr(torch.ops.mkldnn, name)
    except (AttributeError, RuntimeError):  # a missing op raises either, by PyTorch version
        return None
