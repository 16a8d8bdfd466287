"""Basset (Kelley et al., 2016)."""

from __future__ import annotations

from torch import nn

from selene.models._checks import ConvClassifier, check_sequence_length, positive_int

_LAYERS = [("conv", 19), ("pool", 3), ("conv", 11), ("pool", 4), ("conv", 7), ("pool", 4)]


class Basset(ConvClassifier):
    """Three convolutions (300 x 19, 200 x 11, 200 x 7) and two dense layers of 1000 units.

    Each convolution is followed by batch norm, ReLU and max pooling (widths 3, 4, 4); each
    hidden dense layer by batch norm, ReLU and dropout 0.3, as in the published model
    (at 600 bp the convolutions leave 10 positions, so the first dense layer takes 2000
    inputs). Returns logits. Layer names follow Selene's convention (``conv_net``,
    ``classifier``).

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 168.
    n_targets : int
        Number of outputs (164 DNase-seq cell types in the paper).

    Attributes
    ----------
    conv_net : torch.nn.Sequential
    classifier : torch.nn.Sequential
    """

    def __init__(self, sequence_length: int = 600, n_targets: int = 164) -> None:
        super().__init__()
        n_positions = check_sequence_length("Basset", sequence_length, _LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("Basset", "n_targets", n_targets)
        self.conv_net = nn.Sequential(
            nn.Conv1d(4, 300, kernel_size=19),
            nn.BatchNorm1d(300),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=3, stride=3),
            nn.Conv1d(300, 200, kernel_size=11),
            nn.BatchNorm1d(200),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=4, stride=4),
            nn.Conv1d(200, 200, kernel_size=7),
            nn.BatchNorm1d(200),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=4, stride=4),
        )
        self.classifier = nn.Sequential(
            nn.Linear(200 * n_positions, 1000),
            nn.BatchNorm1d(1000),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(1000, 1000),
            nn.BatchNorm1d(1000),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(1000, n_targets),
        )
