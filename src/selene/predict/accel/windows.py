"""Windows of reference activations with a mutant's own values written in (for the local engine).

The layer-local engine keeps activations as ``(N, L, C)`` tensors, one row of channels per
position, so that a window of positions is a slice; the layers themselves run on the
``(N, C, 1, L)`` channels-last view of the same memory (2-D kernels in that layout are the
fast ones on a CPU). :func:`by_position` and :func:`as_conv_input` switch between the two views
without copying.
"""

from __future__ import annotations

import numpy as np
import torch


def by_position(x: torch.Tensor) -> torch.Tensor:
    """View a layer's ``(N, C, 1, L)`` output as ``(N, L, C)``: one row of channels per position.

    A view (no copy) when ``x`` is channels-last.
    """
    return x.squeeze(2).permute(0, 2, 1)


def as_conv_input(x: torch.Tensor) -> torch.Tensor:
    """View ``(N, L, C)`` activations as the ``(N, C, 1, L)`` channels-last input of a layer."""
    return x.permute(0, 2, 1).unsqueeze(2)


class ReferenceRows:
    """Which reference sequence each mutant reads its unchanged activations from.

    Parameters
    ----------
    index : numpy.ndarray, shape (M,)
        The reference of each mutant.
    n_references : int
    device : torch.device

    Attributes
    ----------
    identity : bool
        Whether mutant ``i`` reads reference ``i`` (then :meth:`take` skips the gather).
    index : torch.Tensor, shape (M,)
    """

    def __init__(self, index: np.ndarray, n_references: int, device: torch.device) -> None:
        self.identity = len(index) == n_references and bool(
            (index == np.arange(n_references)).all()
        )
        self.index = torch.as_tensor(index, device=device)

    def take(self, x: torch.Tensor) -> torch.Tensor:
        """Return the row of ``x`` (one per reference) that each mutant reads."""
        return x if self.identity else x[self.index]


def reference_window(
    activations: torch.Tensor,
    left_pad: int,
    rows: ReferenceRows,
    window_start: np.ndarray,
    window_width: int,
) -> torch.Tensor:
    """Return each mutant's reference activations over ``[window_start, + window_width)``.

    Parameters
    ----------
    activations : torch.Tensor, shape (R, L + padding, C)
        Reference activations, padded by ``left_pad`` positions on the left.
    left_pad : int
    rows : ReferenceRows
    window_start : numpy.ndarray, shape (M,)
        Each mutant's first position (unpadded coordinates).
    window_width : int

    Returns
    -------
    torch.Tensor, shape (M, window_width, C)
    """
    if (window_start == window_start[0]).all():  # a slice, then the rows: no gather per position
        start = int(window_start[0]) + left_pad
        return rows.take(activations[:, start : start + window_width])
    positions = window_start[:, None] + left_pad + np.arange(window_width)
    columns = torch.as_tensor(positions, device=activations.device)
    return activations[rows.index[:, None], columns]


def overlay_mutant(
    activations: torch.Tensor,
    left_pad: int,
    rows: ReferenceRows,
    window_start: np.ndarray,
    window_width: int,
    changed: torch.Tensor,
    changed_start: np.ndarray,
    changed_width: int,
) -> torch.Tensor:
    """Return each mutant's layer input over ``[window_start, window_start + window_width)``.

    That is the reference's activations (:func:`reference_window`) with the mutant's own values
    written in where they differ.

    Parameters
    ----------
    activations, left_pad, rows, window_start, window_width
        As in :func:`reference_window`.
    changed : torch.Tensor, shape (M, changed_width, C)
        The mutant's activations over the span a mutation can change.
    changed_start : numpy.ndarray, shape (M,)
        First position of that span.
    changed_width : int

    Returns
    -------
    torch.Tensor, shape (M, window_width, C)
    """
    base = reference_window(activations, left_pad, rows, window_start, window_width)
    if (window_start == window_start[0]).all() and (changed_start == changed_start[0]).all():
        # One offset for every mutant: slices and one concatenation.
        begin = int(max(changed_start[0] - window_start[0], 0))
        end = int(min(changed_start[0] + changed_width - window_start[0], window_width))
        source = begin + int(window_start[0] - changed_start[0])
        if end <= begin:  # the mutant's values lie outside this window
            return base.clone()
        written = changed[:, source : source + end - begin].to(base.dtype)
        return torch.cat([base[:, :begin], written, base[:, end:]], dim=1)
    source = window_start[:, None] + np.arange(window_width) - changed_start[:, None]
    inside = torch.as_tensor((source >= 0) & (source < changed_width), device=activations.device)
    source_t = torch.as_tensor(np.clip(source, 0, changed_width - 1), device=activations.device)
    moved = torch.gather(changed, 1, source_t[..., None].expand(-1, -1, changed.shape[2]))
    return torch.where(inside[..., None], moved.to(base.dtype), base)
