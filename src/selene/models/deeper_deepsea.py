"""DeeperDeepSEA: Selene's example model, DeepSEA with two convolutions per block."""

from __future__ import annotations

from torch import nn

from selene.models._checks import ConvClassifier, check_sequence_length, positive_int

_CONV, _POOL = 8, 4
PAIRED_LAYERS = (
    [("conv", _CONV)] * 2 + [("pool", _POOL)] + [("conv", _CONV)] * 2 + [("pool", _POOL)]
)
PAIRED_LAYERS += [("conv", _CONV)] * 2


def paired_conv_net(widths: tuple[int, int, int], dropouts: tuple[float, float]) -> nn.Sequential:
    """Three blocks of two width-8 convolutions (pooled, batch-normed, dropped out as Selene).

    DeeperDeepSEA and HeartENN share this layout with other widths and dropout rates; the layer
    indices are Selene's, so its state dicts load.
    """
    c1, c2, c3 = widths
    return nn.Sequential(
        nn.Conv1d(4, c1, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.Conv1d(c1, c1, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.MaxPool1d(kernel_size=_POOL, stride=_POOL),
        nn.BatchNorm1d(c1),
        nn.Conv1d(c1, c2, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.Conv1d(c2, c2, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.MaxPool1d(kernel_size=_POOL, stride=_POOL),
        nn.BatchNorm1d(c2),
        nn.Dropout(p=dropouts[0]),
        nn.Conv1d(c2, c3, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.Conv1d(c3, c3, kernel_size=_CONV),
        nn.ReLU(inplace=True),
        nn.BatchNorm1d(c3),
        nn.Dropout(p=dropouts[1]),
    )


class DeeperDeepSEA(ConvClassifier):
    """Six convolutions (2 x 320, 2 x 480, 2 x 960 filters of width 8) and two dense layers.

    As ``selene_sdk.utils.DeeperDeepSEA`` defines it (batch norm after each block and in the
    classifier), without its final ``Sigmoid``: the model returns logits, and Selene's state
    dicts load unchanged.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 310.
    n_targets : int
        Number of outputs; the hidden dense layer has ``n_targets`` units too.

    Attributes
    ----------
    conv_net : torch.nn.Sequential
    classifier : torch.nn.Sequential
    """

    def __init__(self, sequence_length: int = 1000, n_targets: int = 919) -> None:
        super().__init__()
        self._n_channels = check_sequence_length("DeeperDeepSEA", sequence_length, PAIRED_LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("DeeperDeepSEA", "n_targets", n_targets)
        self.conv_net = paired_conv_net((320, 480, 960), (0.2, 0.2))
        self.classifier = nn.Sequential(
            nn.Linear(960 * self._n_channels, n_targets),
            nn.ReLU(inplace=True),
            nn.BatchNorm1d(n_targets),
            nn.Linear(n_targets, n_targets),
        )
