"""DeepSEA (Zhou & Troyanskaya, 2015), as the Selene SDK's repository defines it."""

from __future__ import annotations

from torch import nn

from selene.models._checks import ConvClassifier, check_sequence_length, positive_int

_CONV, _POOL = 8, 4
_LAYERS = [("conv", _CONV), ("pool", _POOL), ("conv", _CONV), ("pool", _POOL), ("conv", _CONV)]


class DeepSEA(ConvClassifier):
    """DeepSEA: three convolutions (320, 480, 960 filters of width 8) and two dense layers.

    Layer names and shapes follow Selene's ``models/deepsea.py``, so its state dicts load;
    Selene's final ``Sigmoid`` is dropped and the model returns logits.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 163.
    n_targets : int
        Number of outputs. As in Selene, the hidden dense layer has ``n_targets`` units too.

    Attributes
    ----------
    conv_net : torch.nn.Sequential
    classifier : torch.nn.Sequential
    n_channels : int
        Positions left after the convolution stack (Selene's name).
    """

    def __init__(self, sequence_length: int = 1000, n_targets: int = 919) -> None:
        super().__init__()
        self.n_channels = check_sequence_length("DeepSEA", sequence_length, _LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("DeepSEA", "n_targets", n_targets)
        self.conv_net = nn.Sequential(
            nn.Conv1d(4, 320, kernel_size=_CONV),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=_POOL, stride=_POOL),
            nn.Dropout(p=0.2),
            nn.Conv1d(320, 480, kernel_size=_CONV),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=_POOL, stride=_POOL),
            nn.Dropout(p=0.2),
            nn.Conv1d(480, 960, kernel_size=_CONV),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
        )
        self.classifier = nn.Sequential(
            nn.Linear(960 * self.n_channels, n_targets),
            nn.ReLU(inplace=True),
            nn.Linear(n_targets, n_targets),
        )
