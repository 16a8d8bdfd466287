"""BPNet (Avsec et al., 2021): base-resolution profiles and total counts from sequence."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral

import torch
from torch import nn

from selene.models._checks import check_input, positive_int

__all__ = ["BPNet"]

_ICONV_WIDTH = 21  # the first convolution
_FCONV_WIDTH = 75  # the profile head's convolution


class BPNet(nn.Module):
    """Dilated residual convolutions with a profile head and a total-counts head.

    The layers are bpnet-lite's (``bpnetlite.BPNet``, the reference PyTorch port of the
    official BPNet / ChromBPNet code), with the same names and shapes, so a bpnet-lite
    ``state_dict`` loads with :meth:`torch.nn.Module.load_state_dict` and gives the same
    outputs:

    - ``iconv``: convolution of width 21 over the one-hot input, then ReLU (``irelu``);
    - ``rconvs[i]``: ``n_layers`` convolutions of width 3 and dilation ``2 ** (i + 1)``, each
      added to its input after a ReLU (``rrelus[i]``);
    - ``fconv``: the profile head, a convolution of width 75 over the trunk (and the control
      tracks, when there are any), cropped by ``trimming`` on each side;
    - ``linear``: the counts head, a dense layer over the trunk averaged across the output
      window widened by the profile head's reach (37 bases each side), and
      ``log(1 + total control counts)`` when there are control tracks.

    The counts head predicts one total over all ``n_outputs`` tracks (typically both strands),
    as in bpnet-lite: the profile logits of all tracks form one multinomial (see
    :func:`selene.models.track_losses.bpnet_loss`).

    Parameters
    ----------
    n_filters : int
        Channels of every convolution of the trunk.
    n_layers : int
        Number of dilated residual convolutions (0 is allowed).
    n_outputs : int
        Profile tracks predicted (1 unstranded, 2 for both strands).
    n_control_tracks : int
        Control tracks (e.g. input reads per strand) taken by the heads beside the sequence; 0
        removes that input. bpnet-lite defaults to 2; Selene's samplers carry no control, so
        the default here is 0. A model built with controls and called without them gets
        all-zero controls (as bpnet-lite's ``ControlWrapper`` does).
    profile_output_bias, count_output_bias : bool
        Whether the profile convolution and the counts layer have a bias.
    trimming : int, optional
        Bases cropped from each end of the input to give the profile window. By default the
        trunk's and profile head's reach, ``47 + sum(2 ** i for i in 1..n_layers)`` (557 for
        8 layers: 2114 bp in, 1000 bp out), so that no output sees zero padding.
    sequence_length : int, optional
        Input length. When given, it is checked here (it must leave an output window) and on
        every forward pass; when None, any length longer than ``2 * trimming`` is taken.

    Attributes
    ----------
    iconv : torch.nn.Conv1d
    rconvs : torch.nn.ModuleList of torch.nn.Conv1d
    fconv : torch.nn.Conv1d
    linear : torch.nn.Linear
    trimming : int
    output_length : int or None
        ``sequence_length - 2 * trimming``, the length of the profile output (None when
        ``sequence_length`` is None).
    """

    def __init__(
        self,
        n_filters: int = 64,
        n_layers: int = 8,
        n_outputs: int = 2,
        n_control_tracks: int = 0,
        profile_output_bias: bool = True,
        count_output_bias: bool = True,
        trimming: int | None = None,
        sequence_length: int | None = None,
    ) -> None:
        super().__init__()
        self.n_filters = positive_int("BPNet", "n_filters", n_filters)
        self.n_layers = _non_negative_int("n_layers", n_layers)
        self.n_outputs = positive_int("BPNet", "n_outputs", n_outputs)
        self.n_control_tracks = _non_negative_int("n_control_tracks", n_control_tracks)
        self.profile_output_bias = bool(profile_output_bias)
        self.count_output_bias = bool(count_output_bias)
        if trimming is None:
            trimming = _ICONV_WIDTH // 2 + _FCONV_WIDTH // 2
            trimming += sum(2**i for i in range(1, self.n_layers + 1))
        self.trimming = _non_negative_int("trimming", trimming)
        self.sequence_length = None
        self.output_length = None
        if sequence_length is not None:
            self.sequence_length = positive_int("BPNet", "sequence_length", sequence_length)
            self.output_length = self._output_length(self.sequence_length)

        self.iconv = nn.Conv1d(4, n_filters, kernel_size=_ICONV_WIDTH, padding=_ICONV_WIDTH // 2)
        self.irelu = nn.ReLU()
        self.rconvs = nn.ModuleList(
            nn.Conv1d(n_filters, n_filters, kernel_size=3, padding=2**i, dilation=2**i)
            for i in range(1, self.n_layers + 1)
        )
        self.rrelus = nn.ModuleList(nn.ReLU() for _ in range(self.n_layers))
        self.fconv = nn.Conv1d(
            n_filters + self.n_control_tracks,
            n_outputs,
            kernel_size=_FCONV_WIDTH,
            padding=_FCONV_WIDTH // 2,
            bias=self.profile_output_bias,
        )
        n_count_control = 1 if self.n_control_tracks else 0
        self.linear = nn.Linear(n_filters + n_count_control, 1, bias=self.count_output_bias)

    @classmethod
    def from_state_dict(
        cls,
        state_dict: Mapping[str, torch.Tensor],
        trimming: int | None = None,
        sequence_length: int | None = None,
    ) -> BPNet:
        """Build the BPNet a ``state_dict`` (ours or bpnet-lite's) describes, with its weights.

        The sizes (filters, layers, outputs, control tracks, biases) are read from the weights'
        names and shapes. ``trimming`` is not stored in weights: pass it if the model was built
        with other than the default.

        Raises
        ------
        ValueError
            If the weights are not a BPNet's (a missing layer, or shapes that disagree).
        """
        missing = [
            k for k in ("iconv.weight", "fconv.weight", "linear.weight") if k not in state_dict
        ]
        if missing:
            raise ValueError(
                f"BPNet.from_state_dict: the weights have no {', '.join(missing)}: not a "
                f"(bpnet-lite) BPNet's; their first keys: {list(state_dict)[:5]}"
            )
        n_filters, n_outputs = (
            state_dict["iconv.weight"].shape[0],
            state_dict["fconv.weight"].shape[0],
        )
        n_layers = sum(1 for k in state_dict if k.startswith("rconvs.") and k.endswith(".weight"))
        model = cls(
            n_filters=n_filters,
            n_layers=n_layers,
            n_outputs=n_outputs,
            n_control_tracks=state_dict["fconv.weight"].shape[1] - n_filters,
            profile_output_bias="fconv.bias" in state_dict,
            count_output_bias="linear.bias" in state_dict,
            trimming=trimming,
            sequence_length=sequence_length,
        )
        try:
            model.load_state_dict(state_dict)
        except RuntimeError as err:  # torch's message lists every misfit, over several lines
            details = " ".join(str(err).split())
            raise ValueError(
                f"BPNet.from_state_dict: the weights do not fit a BPNet: {details}"
            ) from err
        return model

    def forward(
        self, x: torch.Tensor, x_ctl: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Profile logits and log total counts for a batch.

        Parameters
        ----------
        x : torch.Tensor, shape (N, 4, L)
            One-hot sequences.
        x_ctl : torch.Tensor, shape (N, n_control_tracks, L), optional
            Control tracks at base resolution; all zeros when omitted.

        Returns
        -------
        profile_logits : torch.Tensor, shape (N, n_outputs, L - 2 * trimming)
            Unnormalised log probabilities of where the reads fall (softmax over the window,
            jointly over all tracks, gives the predicted profile).
        log_counts : torch.Tensor, shape (N, 1)
            Predicted ``log(1 + total reads)`` over all tracks and the output window.
        """
        self._check_inputs(x, x_ctl)
        start, end = self.trimming, x.shape[-1] - self.trimming
        h = self.irelu(self.iconv(x))
        for conv, relu in zip(self.rconvs, self.rrelus, strict=True):
            h = h + relu(conv(h))
        if self.n_control_tracks and x_ctl is None:
            x_ctl = h.new_zeros(x.shape[0], self.n_control_tracks, x.shape[-1])
        profile_in = h if x_ctl is None else torch.cat([h, x_ctl], dim=1)
        profile_logits = self.fconv(profile_in)[:, :, start:end]

        # the trunk positions the profile head reads: the output window plus its reach
        lo, hi = max(start - _FCONV_WIDTH // 2, 0), end + _FCONV_WIDTH // 2
        pooled = h[:, :, lo:hi].mean(dim=-1)
        if x_ctl is not None:
            total = x_ctl[:, :, lo:hi].sum(dim=(1, 2))
            pooled = torch.cat([pooled, torch.log1p(total).unsqueeze(-1)], dim=-1)
        return profile_logits, self.linear(pooled).reshape(x.shape[0], 1)

    def _output_length(self, length: int) -> int:
        out = length - 2 * self.trimming
        if out < 1:
            raise ValueError(
                f"BPNet: an input of {length} bases leaves no output with trimming="
                f"{self.trimming} on each side; give sequences longer than "
                f"{2 * self.trimming} bases or a smaller trimming"
            )
        return out

    def _check_inputs(self, x: torch.Tensor, x_ctl: torch.Tensor | None) -> None:
        if self.sequence_length is not None:
            check_input("BPNet", x, self.sequence_length)
        elif x.dim() != 3 or x.shape[1] != 4:
            raise ValueError(
                f"BPNet expects one-hot input of shape (N, 4, L), got {tuple(x.shape)}"
            )
        self._output_length(x.shape[-1])
        if x_ctl is None:
            return
        if not self.n_control_tracks:
            raise ValueError(
                "BPNet: control tracks given to a model built with n_control_tracks=0; build "
                "it with n_control_tracks=<tracks> or call it without x_ctl"
            )
        wanted = (x.shape[0], self.n_control_tracks, x.shape[-1])
        if tuple(x_ctl.shape) != wanted:
            raise ValueError(
                f"BPNet: x_ctl must have shape (N, n_control_tracks, L) = {wanted}, "
                f"got {tuple(x_ctl.shape)}"
            )


def _non_negative_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"BPNet: {name} must be a non-negative int, got {value!r}")
    return int(value)
