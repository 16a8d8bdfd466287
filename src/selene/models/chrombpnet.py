"""ChromBPNet (Pampari et al., 2024): a frozen enzyme-bias BPNet plus an accessibility BPNet."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from selene.models._checks import check_input, positive_int
from selene.models.bpnet import BPNet

__all__ = ["ChromBPNet"]

#: Where each format keeps the accessibility model's weights, beside ``bias.``: bpnet-lite's
#: ``ChromBPNet`` (and ours), then chrombpnet-pytorch's.
_ACCESSIBILITY_KEYS = ("accessibility.", "chrombpnet_wo_bias.")


class ChromBPNet(nn.Module):
    """Accessibility (ATAC-/DNase-seq) profiles as an enzyme-bias model plus a sequence model.

    Both parts are :class:`BPNet` s over the same one-hot input. The bias model, trained
    beforehand on background regions, predicts the cuts the enzyme's (Tn5's or DNase I's)
    sequence preference alone explains, and is frozen; the accessibility model learns the rest.
    Their outputs combine as in bpnet-lite's and chrombpnet-pytorch's ``ChromBPNet``:

    - profile logits add: the accessibility model's, plus the bias model's cropped to the same
      central window (the bias model has fewer layers, so a longer output);
    - log counts combine as ``logsumexp``: the predicted totals add.

    The output is BPNet's pair, so ``loss=bpnet``, :func:`selene.models.track_prediction`,
    track predictions and track variant effects take it as they take BPNet. The layer names
    are bpnet-lite's (``bias.*``, ``accessibility.*``), so a bpnet-lite ``ChromBPNet``
    ``state_dict`` loads with :meth:`torch.nn.Module.load_state_dict`; :meth:`from_state_dict`
    also reads chrombpnet-pytorch's (``chrombpnet_wo_bias.*``, possibly under ``model.``).

    Parameters
    ----------
    bias : BPNet, optional
        Default: ChromBPNet's bias model, 128 filters, 4 dilated layers, one output.
    accessibility : BPNet, optional
        Default: ChromBPNet's accessibility model, 512 filters, 8 dilated layers, one output.
    freeze_bias : bool
        Stop gradients into the bias model (``requires_grad=False``), as ChromBPNet trains.
    sequence_length : int, optional
        Input length, given to the default models (checked against given ones). The output
        window is the accessibility model's: ``sequence_length - 2 * accessibility.trimming``.

    Raises
    ------
    TypeError
        If a part is not a :class:`BPNet`.
    ValueError
        If the parts predict different numbers of tracks, take control tracks (ChromBPNet
        reads sequence only), the bias model's output is shorter than the accessibility
        model's, or their ``sequence_length`` disagree.

    Attributes
    ----------
    n_outputs, trimming, output_length : int
        The accessibility model's (``output_length`` None without a ``sequence_length``).
    """

    def __init__(
        self,
        bias: BPNet | None = None,
        accessibility: BPNet | None = None,
        freeze_bias: bool = True,
        sequence_length: int | None = None,
    ) -> None:
        super().__init__()
        if sequence_length is not None:
            sequence_length = positive_int("ChromBPNet", "sequence_length", sequence_length)
        if bias is None:
            bias = BPNet(128, 4, n_outputs=1, sequence_length=sequence_length)
        if accessibility is None:
            accessibility = BPNet(512, 8, n_outputs=1, sequence_length=sequence_length)
        _check_parts(bias, accessibility, sequence_length)
        self.bias, self.accessibility = bias, accessibility
        self.freeze_bias = bool(freeze_bias)
        if self.freeze_bias:
            bias.requires_grad_(False)
        self.sequence_length = (
            sequence_length or accessibility.sequence_length or bias.sequence_length
        )
        self.n_outputs, self.trimming = accessibility.n_outputs, accessibility.trimming
        self.output_length = None
        if self.sequence_length is not None:  # refuses a window with no output
            self.output_length = accessibility._output_length(self.sequence_length)

    @classmethod
    def from_state_dict(
        cls,
        state_dict: Mapping[str, torch.Tensor],
        trimming: int | None = None,
        sequence_length: int | None = None,
        freeze_bias: bool = True,
    ) -> ChromBPNet:
        """Build the ChromBPNet a ``state_dict`` describes (bpnet-lite's, chrombpnet-pytorch's).

        The bias model's weights are under ``bias.``, the accessibility model's under
        ``accessibility.`` (bpnet-lite, ours) or ``chrombpnet_wo_bias.`` (chrombpnet-pytorch),
        all possibly under one common prefix (``model.``, a Lightning module's). The sizes of
        each part are read from its weights (:meth:`BPNet.from_state_dict`).

        Parameters
        ----------
        state_dict : Mapping
        trimming : int, optional
            The accessibility model's, when not the default of its layers (the bias model's is
            always its default).
        sequence_length : int, optional
        freeze_bias : bool

        Raises
        ------
        ValueError
            If the weights hold no ``bias.`` and accessibility model, or do not fit a BPNet.
        """
        anchors = [
            k[: -len("bias.iconv.weight")] for k in state_dict if k.endswith("bias.iconv.weight")
        ]
        for prefix in anchors:
            for name in _ACCESSIBILITY_KEYS:
                if f"{prefix}{name}iconv.weight" in state_dict:
                    parts = [_under(state_dict, prefix + p) for p in ("bias.", name)]
                    bias = BPNet.from_state_dict(parts[0], sequence_length=sequence_length)
                    accessibility = BPNet.from_state_dict(parts[1], trimming, sequence_length)
                    return cls(bias, accessibility, freeze_bias, sequence_length)
        raise ValueError(
            "ChromBPNet.from_state_dict: the weights hold no bias model ('bias.iconv.weight') "
            f"beside an accessibility model ({' or '.join(_ACCESSIBILITY_KEYS)}); their first "
            f"keys: {list(state_dict)[:5]}. Two separate BPNet state dicts: build "
            "ChromBPNet(BPNet.from_state_dict(bias), BPNet.from_state_dict(accessibility))"
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Profile logits and log total counts of one-hot ``x`` ``(N, 4, L)``.

        Returns
        -------
        profile_logits : torch.Tensor, shape (N, n_outputs, L - 2 * trimming)
            The accessibility model's plus the bias model's over the same bases.
        log_counts : torch.Tensor, shape (N, 1)
            ``logsumexp`` of the two models' log counts.
        """
        if self.sequence_length is not None:
            check_input("ChromBPNet", x, self.sequence_length)
        profile, counts = self.accessibility(x)
        bias_profile, bias_counts = self.bias(x)
        crop = (bias_profile.shape[-1] - profile.shape[-1]) // 2
        profile = profile + bias_profile[:, :, crop : crop + profile.shape[-1]]
        return profile, torch.logaddexp(counts, bias_counts)


def _check_parts(bias: nn.Module, accessibility: nn.Module, sequence_length: int | None) -> None:
    for name, part in (("bias", bias), ("accessibility", accessibility)):
        if not isinstance(part, BPNet):
            raise TypeError(
                f"ChromBPNet: {name} must be a selene.models.BPNet, got {type(part).__name__}; "
                "load bpnet-lite weights with BPNet.from_state_dict"
            )
        if part.n_control_tracks:
            raise ValueError(
                f"ChromBPNet: the {name} model takes {part.n_control_tracks} control tracks; "
                "ChromBPNet reads sequence only: build it with n_control_tracks=0"
            )
        if None not in (sequence_length, part.sequence_length) and (
            part.sequence_length != sequence_length
        ):
            raise ValueError(
                f"ChromBPNet: sequence_length={sequence_length} but the {name} model was "
                f"built for {part.sequence_length}; give one length"
            )
    lengths = {p.sequence_length for p in (bias, accessibility)} - {None}
    if len(lengths) > 1:
        raise ValueError(
            f"ChromBPNet: the parts were built for inputs of {sorted(lengths)} bases; give both "
            "one sequence_length"
        )
    if bias.n_outputs != accessibility.n_outputs:
        raise ValueError(
            f"ChromBPNet: the bias model predicts {bias.n_outputs} tracks and the "
            f"accessibility model {accessibility.n_outputs}; their profiles add: make them agree"
        )
    if bias.trimming > accessibility.trimming:
        raise ValueError(
            f"ChromBPNet: the bias model trims {bias.trimming} bases each side, more than the "
            f"accessibility model's {accessibility.trimming}: its profile would not cover the "
            "output window; give the bias model fewer layers or a smaller trimming"
        )


def _under(state_dict: Mapping[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
