"""The plain engine: the network's own forward pass, for every model and every device."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class PlainReference:
    """Reference sequences kept for :meth:`PlainEngine.mutants`.

    Attributes
    ----------
    inputs : torch.Tensor, shape (R, A, L)
        The references' one-hot input.
    output : torch.Tensor, shape (R, F)
        The model's output for them.
    """

    inputs: torch.Tensor
    output: torch.Tensor


class PlainEngine:
    """Run ``net`` as it is: whole forward passes, mutants as whole mutated sequences.

    Parameters
    ----------
    net : torch.nn.Module
        In eval mode, on its device; takes one-hot ``(N, A, L)``.
    """

    name = "plain"

    def __init__(self, net: nn.Module) -> None:
        self.net = net

    def mutants_per_batch(self, batch_size: int) -> int:
        """Mutants to score per call: ``batch_size`` (each is a whole forward pass)."""
        return batch_size

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Model output for one-hot ``x`` ``(N, A, L)``."""
        return self.net(x.contiguous())

    @torch.inference_mode()
    def reference(self, x: torch.Tensor) -> PlainReference:
        """Run one-hot ``x`` ``(R, A, L)`` and keep it for :meth:`mutants`."""
        return PlainReference(x, self.forward(x))

    @torch.inference_mode()
    def mutants(
        self, ref: PlainReference, ref_index: np.ndarray, starts: np.ndarray, window: torch.Tensor
    ) -> torch.Tensor:
        """Model output for mutants: reference ``ref_index[i]`` with ``window[i]`` written in.

        Parameters
        ----------
        ref : PlainReference
        ref_index, starts : numpy.ndarray, shape (M,)
        window : torch.Tensor, shape (M, A, W)
            One-hot input over ``[starts[i], starts[i] + W)``.

        Returns
        -------
        torch.Tensor, shape (M, F)
        """
        device = ref.inputs.device
        mutated = ref.inputs[torch.as_tensor(ref_index, device=device)].contiguous()
        columns = torch.as_tensor(starts[:, None] + np.arange(window.shape[2]), device=device)
        rows = torch.arange(len(starts), device=device)[:, None]
        mutated[rows, :, columns] = window.permute(0, 2, 1).to(mutated.dtype)
        return self.forward(mutated)
