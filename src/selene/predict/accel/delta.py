"""A convolution's output for a mutant as the reference's output plus the change (linearity).

A convolution is linear in its input, so a mutant's pre-activation output is the reference's
plus the convolution of the change: ``y_alt = y_ref + W * (x_alt - x_ref)``. When ``n``
positions of the input changed, that costs ``n * k`` kernel taps per channel pair, where
recomputing the ``n + (k - 1) * d`` output positions they reach costs ``(n + (k - 1) * d) *
k``: for a single-base change in DeepSEA's third convolution (4 changed inputs, kernel 8),
32 taps instead of 88. :class:`DeltaConv` computes the change tap by tap: the changed rows
times the tap's ``(C_in, C_out)`` matrix, added at the tap's shift (overlap-add). One product
per tap keeps each product's output in the cache (one product of all taps side by side, ``(M *
n, C_in) @ (C_in, k * C_out)``, took 216 ms against 171 ms for DeepSEA's third convolution and
512 single-base mutants, on one thread of the 2-core AMD CPU we measure on). Used by
:meth:`~selene.predict.accel.layer_local.LocalEngine.mutants` for stride-1, ungrouped
convolutions whose reference output it kept.
"""

from __future__ import annotations

import numpy as np
import torch

from selene.predict.accel.graph import Layer
from selene.predict.accel.windows import ReferenceRows, reference_window


class DeltaConv:
    """The change in a stride-1, ungrouped convolution's output from a change in its input.

    Parameters
    ----------
    layer : Layer
        A convolution (``layer.conv`` set, ``stride == 1``, one group).
    """

    def __init__(self, layer: Layer) -> None:
        assert layer.conv is not None and layer.stride == 1 and layer.conv[2] == 1
        weight = layer.conv[0].squeeze(2)  # (C_out, C_in, k)
        c_out, c_in, k = weight.shape
        self.taps = [weight[:, :, t].T.contiguous() for t in range(k)]  # (C_in, C_out) each
        self.kernel, self.dilation, self.c_out = k, layer.dilation, c_out
        self.left = layer.pad[0]

    @staticmethod
    def applies(layer: Layer) -> bool:
        """Whether ``layer`` is a convolution this class handles."""
        return layer.conv is not None and layer.stride == 1 and layer.conv[2] == 1

    def reach(self, width: int) -> int:
        """Output positions a change of ``width`` input positions reaches."""
        return width + (self.kernel - 1) * self.dilation

    def __call__(self, delta: torch.Tensor) -> torch.Tensor:
        """Return the output change ``(M, reach(n), C_out)`` for input change ``(M, n, C_in)``.

        Row ``j`` is the output position ``input_start + left - (k - 1) * dilation + j``.
        """
        m, n, c_in = delta.shape
        k, d, reach = self.kernel, self.dilation, self.reach(n)
        flat = delta.reshape(m * n, c_in)
        # Rows that did not change (a window wider than this mutant's change, a max-pool
        # whose maximum stayed: 24% of the rows into DeepSEA's third convolution in ISM) are
        # left out of the products.
        kept = torch.nonzero((flat != 0).any(1)).squeeze(1)
        if len(kept) == m * n:
            out = None
            for t, tap in enumerate(self.taps):  # input i feeds output i + (k - 1 - t) * d
                product = (flat @ tap.to(flat.dtype)).view(m, n, self.c_out)
                if out is None:
                    out = product.new_zeros(m, reach, self.c_out)
                shift = (k - 1 - t) * d
                out[:, shift : shift + n] += product
            assert out is not None  # a kernel has at least one tap
            return out
        rows, target = flat[kept], kept // n * reach + kept % n  # row of output tap k - 1
        out = None
        for t, tap in enumerate(self.taps):
            product = rows @ tap.to(rows.dtype)
            if out is None:
                out = product.new_zeros(m * reach, self.c_out)
            out.index_add_(0, target + (k - 1 - t) * d, product)
        assert out is not None
        return out.view(m, reach, self.c_out)


def changed_output(
    conv: DeltaConv,
    ref_input: torch.Tensor,
    ref_output: torch.Tensor,
    rows: ReferenceRows,
    changed: torch.Tensor,
    changed_start: np.ndarray,
    out_start: np.ndarray,
    out_width: int,
) -> torch.Tensor:
    """Return each mutant's pre-activation output over ``[out_start, out_start + out_width)``.

    Parameters
    ----------
    conv : DeltaConv
    ref_input : torch.Tensor, shape (R, L_in, C_in)
        The references' (unpadded) input of the convolution.
    ref_output : torch.Tensor, shape (R, L_out, C_out)
        Their output (before any activation).
    rows : ReferenceRows
    changed : torch.Tensor, shape (M, n, C_in)
        Each mutant's input over ``[changed_start, changed_start + n)``.
    changed_start : numpy.ndarray, shape (M,)
    out_start : numpy.ndarray, shape (M,)
        First output position to return (the window must hold every output the change reaches).
    out_width : int

    Returns
    -------
    torch.Tensor, shape (M, out_width, C_out)
    """
    width = changed.shape[1]
    before = reference_window(ref_input, 0, rows, changed_start, width)
    step = conv(changed.to(before.dtype) - before)  # rows from `first` on
    first = changed_start + conv.left - (conv.kernel - 1) * conv.dilation
    base = reference_window(ref_output, 0, rows, out_start, out_width)
    offset = out_start - first
    if (offset == 0).all() and step.shape[1] == out_width:
        return base + step.to(base.dtype)
    source = offset[:, None] + np.arange(out_width)
    device = step.device
    inside = torch.as_tensor((source >= 0) & (source < step.shape[1]), device=device)
    index = torch.as_tensor(np.clip(source, 0, step.shape[1] - 1), device=device)
    moved = torch.gather(step, 1, index[..., None].expand(-1, -1, step.shape[2]))
    return base + torch.where(inside[..., None], moved, 0.0).to(base.dtype)
