"""Sei (Chen et al., 2022), as FunctionLab's sei-framework defines it."""

from __future__ import annotations

import torch
from torch import nn

from selene.models._bspline import BSplineTransformation
from selene.models._checks import check_input, check_sequence_length, positive_int

_SPLINE_DF = 16


def _conv(c_in: int, c_out: int, kernel_size: int = 9, dilation: int = 1) -> nn.Conv1d:
    # "Same" padding: every convolution keeps the length.
    padding = dilation * (kernel_size - 1) // 2
    return nn.Conv1d(c_in, c_out, kernel_size, dilation=dilation, padding=padding)


def _stage(c_in: int, c_out: int) -> tuple[nn.Sequential, nn.Sequential]:
    """Build the pooled linear ``lconv`` and the ReLU ``conv`` of the second and third stages."""
    lconv = nn.Sequential(
        nn.MaxPool1d(kernel_size=4, stride=4),
        nn.Dropout(p=0.2),
        _conv(c_in, c_out),
        _conv(c_out, c_out),
    )
    conv = nn.Sequential(
        nn.Dropout(p=0.2),
        _conv(c_out, c_out),
        nn.ReLU(inplace=True),
        _conv(c_out, c_out),
        nn.ReLU(inplace=True),
    )
    return lconv, conv


def _dconv(dilation: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(p=0.10),
        _conv(960, 960, kernel_size=5, dilation=dilation),
        nn.ReLU(inplace=True),
    )


class Sei(nn.Module):
    """Sei: residual and dilated convolutions, a B-spline summary and two dense layers.

    Three residual convolution stages (480, 640, 960 filters of width 9; max pool 4 between
    stages), five dilated residual convolutions, 16 B-splines over the positions.

    Layer names and shapes follow sei-framework's ``model/sei.py``, so its state dict loads;
    the final ``Sigmoid`` is dropped and the model returns logits. The B-spline basis (16
    cubic splines over the ``sequence_length // 16`` positions left after pooling) is built in
    torch at construction and kept as a non-persistent buffer, as sei-framework keeps it out
    of the state dict.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 32.
    n_genomic_features : int
        Number of outputs; the hidden dense layer has as many units.

    Attributes
    ----------
    lconv1, conv1, lconv2, conv2, lconv3, conv3 : torch.nn.Sequential
    dconv1, dconv2, dconv3, dconv4, dconv5 : torch.nn.Sequential
    spline_tr : torch.nn.Sequential
    classifier : torch.nn.Sequential
    """

    def __init__(self, sequence_length: int = 4096, n_genomic_features: int = 21907) -> None:
        super().__init__()
        layers = [("pool", 4), ("pool", 4)]
        n_positions = check_sequence_length("Sei", sequence_length, layers, min_out=2)
        self.sequence_length = int(sequence_length)
        self.n_genomic_features = n_genomic_features = positive_int(
            "Sei", "n_genomic_features", n_genomic_features
        )
        self.lconv1 = nn.Sequential(_conv(4, 480), _conv(480, 480))
        self.conv1 = nn.Sequential(
            _conv(480, 480), nn.ReLU(inplace=True), _conv(480, 480), nn.ReLU(inplace=True)
        )
        self.lconv2, self.conv2 = _stage(480, 640)
        self.lconv3, self.conv3 = _stage(640, 960)
        self.dconv1 = _dconv(2)
        self.dconv2 = _dconv(4)
        self.dconv3 = _dconv(8)
        self.dconv4 = _dconv(16)
        self.dconv5 = _dconv(25)
        self._spline_df = _SPLINE_DF
        self.spline_tr = nn.Sequential(
            nn.Dropout(p=0.5), BSplineTransformation(_SPLINE_DF, n_positions, scaled=False)
        )
        self.classifier = nn.Sequential(
            nn.Linear(960 * _SPLINE_DF, n_genomic_features),
            nn.ReLU(inplace=True),
            nn.Linear(n_genomic_features, n_genomic_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_targets)`` of one-hot sequences ``x`` ``(N, 4, sequence_length)``."""
        check_input("Sei", x, self.sequence_length)
        lout1 = self.lconv1(x)
        out1 = self.conv1(lout1)
        lout2 = self.lconv2(out1 + lout1)
        out2 = self.conv2(lout2)
        lout3 = self.lconv3(out2 + lout2)
        out3 = self.conv3(lout3)
        out = out3 + self.dconv1(out3 + lout3)
        for dconv in (self.dconv2, self.dconv3, self.dconv4, self.dconv5):
            out = out + dconv(out)
        return self.classifier(self.spline_tr(out).flatten(1))
