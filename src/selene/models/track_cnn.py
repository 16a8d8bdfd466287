"""TrackCNN: a Basenji-style model of binned coverage tracks."""

from __future__ import annotations

import torch
from torch import nn

from selene.models._checks import check_input, positive_int

__all__ = ["TrackCNN"]


def _pool_factors(bin_size: int) -> list[int]:
    """Pool widths whose product is ``bin_size``: halvings, then one pool for what is left."""
    factors = []
    while bin_size % 2 == 0:
        factors.append(2)
        bin_size //= 2
    return factors + ([bin_size] if bin_size > 1 else [])


class _ConvBlock(nn.Sequential):
    """Batch norm, GELU, convolution ('same' length), as Basenji orders them."""

    def __init__(self, c_in: int, c_out: int, width: int, dilation: int = 1) -> None:
        super().__init__(
            nn.BatchNorm1d(c_in),
            nn.GELU(),
            nn.Conv1d(c_in, c_out, width, padding=dilation * (width // 2), dilation=dilation),
        )


class _DilatedResidual(nn.Module):
    """A dilated convolution block, a 1x1 convolution block and dropout, added to the input."""

    def __init__(self, channels: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.block = nn.Sequential(
            _ConvBlock(channels, channels // 2, 3, dilation),
            _ConvBlock(channels // 2, channels, 1),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class TrackCNN(nn.Module):
    """A convolution tower pooled to the bin size, dilated residual blocks, a per-bin head.

    After Basenji (Kelley et al., 2018), at a size that trains on a CPU: a stem convolution
    (width 15), one block per pooling step (batch norm, GELU, convolution of width 5, max
    pooling; halvings while ``bin_size`` is even, then one pool for the odd factor left),
    ``n_dilated`` residual blocks with dilations 2, 4, 8, ... (their reach doubles each block,
    so the last ones see across many bins), and a 1x1 convolution per bin to ``n_tracks``
    outputs. Every convolution keeps the length ('same' padding); only the pools shorten it.

    The output is raw, one value per track and bin: the loss says what it means (the rate
    itself for ``mse``, the log rate for ``poisson``), so no activation is built in.

    Parameters
    ----------
    sequence_length : int
        Input length in bases; a multiple of ``bin_size``.
    n_tracks : int
        Tracks predicted (output channels).
    bin_size : int
        Bases per output bin (1 for base resolution).
    channels : int
        Width of every convolution (even; the residual blocks narrow to half inside).
    n_dilated : int
        Dilated residual blocks (0 is allowed).
    dropout : float
        Dropout at the end of each residual block.
    crop_bins : int
        Bins dropped from each end of the output (Basenji's cropping: edge bins see the zero
        padding); match the targets' centre crop.

    Attributes
    ----------
    stem : torch.nn.Conv1d
    tower : torch.nn.Sequential
        The pooling blocks.
    dilated : torch.nn.Sequential
        The residual blocks.
    head : torch.nn.Sequential
    n_bins : int
        ``sequence_length // bin_size - 2 * crop_bins``, the output length.
    """

    def __init__(
        self,
        sequence_length: int = 1024,
        n_tracks: int = 1,
        bin_size: int = 32,
        channels: int = 64,
        n_dilated: int = 4,
        dropout: float = 0.1,
        crop_bins: int = 0,
    ) -> None:
        super().__init__()
        self.sequence_length = positive_int("TrackCNN", "sequence_length", sequence_length)
        self.n_tracks = positive_int("TrackCNN", "n_tracks", n_tracks)
        self.bin_size = positive_int("TrackCNN", "bin_size", bin_size)
        self.channels = positive_int("TrackCNN", "channels", channels)
        if isinstance(n_dilated, bool) or not isinstance(n_dilated, int) or n_dilated < 0:
            raise ValueError(f"TrackCNN: n_dilated must be a non-negative int, got {n_dilated!r}")
        self.n_dilated = n_dilated
        if self.sequence_length % self.bin_size:
            raise ValueError(
                f"TrackCNN: sequence_length={sequence_length} is not a multiple of "
                f"bin_size={bin_size}; pick a window of a whole number of bins"
            )
        if self.channels % 2:
            raise ValueError(
                f"TrackCNN: channels must be even (residual blocks use channels // 2), "
                f"got {channels}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"TrackCNN: dropout must be in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        if isinstance(crop_bins, bool) or not isinstance(crop_bins, int) or crop_bins < 0:
            raise ValueError(f"TrackCNN: crop_bins must be a non-negative int, got {crop_bins!r}")
        self.crop_bins = crop_bins
        self.n_bins = self.sequence_length // self.bin_size - 2 * crop_bins
        if self.n_bins < 1:
            raise ValueError(
                f"TrackCNN: crop_bins={crop_bins} leaves no bins of the "
                f"{self.sequence_length // self.bin_size} in the window; crop fewer"
            )

        self.stem = nn.Conv1d(4, channels, 15, padding=7)
        self.tower = nn.Sequential(
            *(
                nn.Sequential(_ConvBlock(channels, channels, 5), nn.MaxPool1d(width))
                for width in _pool_factors(self.bin_size)
            )
        )
        self.dilated = nn.Sequential(
            *(_DilatedResidual(channels, 2 ** (i + 1), self.dropout) for i in range(n_dilated))
        )
        self.head = nn.Sequential(
            nn.BatchNorm1d(channels), nn.GELU(), nn.Conv1d(channels, self.n_tracks, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw tracks ``(N, n_tracks, n_bins)`` of one-hot ``x`` ``(N, 4, sequence_length)``.

        Values for ``mse``, log rates for ``poisson``; ``n_bins`` is
        ``sequence_length // bin_size - 2 * crop_bins``.
        """
        check_input("TrackCNN", x, self.sequence_length)
        h = self.dilated(self.tower(self.stem(x)))
        if self.crop_bins:
            h = h[:, :, self.crop_bins : -self.crop_bins]
        return self.head(h)
