"""DanQ (Quang & Xie, 2016), as the Selene SDK's repository defines it."""

from __future__ import annotations

import torch
from torch import nn

from selene.models._checks import check_input, check_sequence_length, positive_int

_LAYERS = [("conv", 26), ("pool", 13)]


class DanQ(nn.Module):
    """DanQ: a convolution, a bidirectional LSTM and two dense layers.

    320 filters of width 26 with max pool 13, 320 LSTM units each way, 925 hidden units.

    Layer names and shapes follow Selene's ``models/danQ.py``, so its state dicts load; the
    final ``Sigmoid`` is dropped and the model returns logits.

    Selene's forward pass hands the LSTM a ``(positions, batch, channels)`` tensor although
    the LSTM is ``batch_first``, so it recurs over the samples of a batch rather than along the
    sequence, and each prediction depends on the rest of its batch. This model recurs along the
    sequence, as the paper describes. ``legacy_batch_lstm=True`` reproduces Selene's
    computation exactly, e.g. to check weights trained there against its outputs.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 38.
    n_targets : int
        Number of outputs.
    legacy_batch_lstm : bool
        Recur over the batch axis as Selene does (see above).

    Attributes
    ----------
    nnet : torch.nn.Sequential
    bdlstm : torch.nn.Sequential
    classifier : torch.nn.Sequential
    """

    def __init__(
        self, sequence_length: int = 1000, n_targets: int = 919, legacy_batch_lstm: bool = False
    ) -> None:
        super().__init__()
        self._n_channels = check_sequence_length("DanQ", sequence_length, _LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("DanQ", "n_targets", n_targets)
        self.legacy_batch_lstm = legacy_batch_lstm
        self.nnet = nn.Sequential(
            nn.Conv1d(4, 320, kernel_size=26),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=13, stride=13),
            nn.Dropout(0.2),
        )
        self.bdlstm = nn.Sequential(
            nn.LSTM(320, 320, num_layers=1, batch_first=True, bidirectional=True)
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(self._n_channels * 640, 925),
            nn.ReLU(inplace=True),
            nn.Linear(925, n_targets),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_targets)`` of one-hot sequences ``x`` ``(N, 4, sequence_length)``."""
        check_input("DanQ", x, self.sequence_length)
        out = self.nnet(x)  # (N, 320, T)
        if self.legacy_batch_lstm:
            out, _ = self.bdlstm(out.permute(2, 0, 1))  # (T, N, 640)
            out = out.transpose(0, 1)
        else:
            out, _ = self.bdlstm(out.transpose(1, 2))  # (N, T, 640)
        return self.classifier(out.flatten(1))
