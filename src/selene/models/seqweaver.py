"""Seqweaver (Park et al., 2021), as the Selene SDK's repository defines it."""

from __future__ import annotations

import torch
from torch import nn

from selene.models._checks import check_input, check_sequence_length, positive_int

_CONV, _POOL = 8, 4
_LAYERS = [("conv", _CONV), ("pool", _POOL), ("conv", _CONV), ("pool", _POOL), ("conv", _CONV)]


class Seqweaver(nn.Module):
    """Three convolutions (160, 320, 480 filters of width 8) and two dense layers.

    Layer names and shapes follow Selene's ``models/seqweaver.py`` (2-D convolutions over a
    ``(N, 4, 1, L)`` view, as converted from Torch7), so its state dicts load; the final
    ``Sigmoid`` is dropped and the model returns logits. Selene fixes the input at 1000 bp;
    here ``sequence_length`` sets the size of the first dense layer.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 163.
    n_targets : int
        Number of outputs (Selene's ``n_classes``: 217 for the human model, 43 for mouse).

    Attributes
    ----------
    model : torch.nn.Sequential
        The convolutions.
    fc : torch.nn.Sequential
        The dense layers.
    """

    def __init__(self, sequence_length: int = 1000, n_targets: int = 217) -> None:
        super().__init__()
        n_positions = check_sequence_length("Seqweaver", sequence_length, _LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("Seqweaver", "n_targets", n_targets)
        self.model = nn.Sequential(
            nn.Conv2d(4, 160, (1, _CONV)),
            nn.ReLU(),
            nn.MaxPool2d((1, _POOL), (1, _POOL)),
            nn.Dropout(0.1),
            nn.Conv2d(160, 320, (1, _CONV)),
            nn.ReLU(),
            nn.MaxPool2d((1, _POOL), (1, _POOL)),
            nn.Dropout(0.1),
            nn.Conv2d(320, 480, (1, _CONV)),
            nn.ReLU(),
            nn.Dropout(0.3),
        )
        # Selene's ``Lambda`` reshapes sit at fc.0, fc.1.0 and fc.3.0; they hold no weights,
        # so Flatten/Identity keep the state-dict keys (fc.1.1.*, fc.3.1.*).
        self.fc = nn.Sequential(
            nn.Flatten(),
            nn.Sequential(nn.Identity(), nn.Linear(480 * n_positions, n_targets)),
            nn.ReLU(),
            nn.Sequential(nn.Identity(), nn.Linear(n_targets, n_targets)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_targets)`` of one-hot sequences ``x`` ``(N, 4, sequence_length)``."""
        check_input("Seqweaver", x, self.sequence_length)
        return self.fc(self.model(x.unsqueeze(2)))
