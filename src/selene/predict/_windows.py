"""Windows of reference activations with a mutant's own values written in (for ``local``).

Activations are kept ``(N, L, C)`` (positions, then channels); layers run on the
``(N, C, 1, L)`` channels-last view of the same memory.
"""

from __future__ import annotations

import numpy as np
import torch


def blc(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, 1, L)`` -> ``(N, L, C)`` (a view for channels-last input)."""
    return x.squeeze(2).permute(0, 2, 1)


def nchw(x: torch.Tensor) -> torch.Tensor:
    """``(N, L, C)`` -> ``(N, C, 1, L)`` channels-last view."""
    return x.permute(0, 2, 1).unsqueeze(2)


class Rows:
    """Which reference each mutant reads; skips the gather when it is each reference once."""

    def __init__(self, index: np.ndarray, n_refs: int, device: torch.device) -> None:
        self.identity = len(index) == n_refs and bool((index == np.arange(n_refs)).all())
        self.tensor = torch.as_tensor(index, device=device)

    def take(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.identity else x[self.tensor]


def window_of(
    acts: torch.Tensor, left: int, rows: Rows, first: np.ndarray, width: int
) -> torch.Tensor:
    """Return the reference activations over ``[first, first + width)`` of each mutant."""
    if (first == first[0]).all():  # a slice, then the rows: no gather over whole sequences
        start = int(first[0]) + left
        return rows.take(acts[:, start : start + width])
    columns = torch.as_tensor(first[:, None] + left + np.arange(width), device=acts.device)
    return acts[rows.tensor[:, None], columns]


def overlay(
    acts: torch.Tensor, left: int, rows: Rows, first: np.ndarray, width: int,
    t: torch.Tensor, off: np.ndarray, t_width: int,
) -> torch.Tensor:  # fmt: skip
    """Return each mutant's layer input over ``[first, first + width)``.

    That is the reference's activations with the mutant's own values ``t`` (which cover
    ``[off, off + t_width)``) written in.
    """
    base = window_of(acts, left, rows, first, width)
    if (first == first[0]).all() and (off == off[0]).all():  # slices and one concatenation
        a = int(max(off[0] - first[0], 0))
        b = int(min(off[0] + t_width - first[0], width))
        c = a + int(first[0] - off[0])
        if b <= a:  # the mutant's values lie outside this window
            return base.clone()
        return torch.cat([base[:, :a], t[:, c : c + b - a].to(base.dtype), base[:, b:]], dim=1)
    src = first[:, None] + np.arange(width) - off[:, None]
    inside = torch.as_tensor((src >= 0) & (src < t_width), device=acts.device)
    src_t = torch.as_tensor(np.clip(src, 0, t_width - 1), device=acts.device)
    moved = torch.gather(t, 1, src_t[..., None].expand(-1, -1, t.shape[2]))
    return torch.where(inside[..., None], moved.to(base.dtype), base)
