"""Strand-symmetric predictions: average (or max) over a sequence and its reverse complement."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn


class NonStrandSpecific(nn.Module):
    """Wrap a model so that it predicts the same for a sequence and its reverse complement.

    As Selene's ``NonStrandSpecific``, the wrapped model sees the input and its reverse
    complement (both axes flipped: for ``ACGT`` one-hot, reversing the alphabet axis
    complements the bases), and the two outputs are combined.

    Selene's models end in a sigmoid and it averages probabilities; ours return logits. With
    ``link="logit"`` (the default) the mean is still taken over probabilities and returned as
    a logit, ``logit((sigmoid(fwd) + sigmoid(rc)) / 2)`` (computed in log space, so it stays
    finite for large logits): ``sigmoid`` of this output equals Selene's output. ``"max"``
    is the same either way, since ``sigmoid`` is monotonic. ``link="identity"`` averages the
    raw outputs, for regression models (MSE / Poisson losses).

    Parameters
    ----------
    model : torch.nn.Module
        Takes ``(N, 4, L)`` one-hot in ``ACGT`` order.
    mode : {"mean", "max"}
    link : {"logit", "identity"}
        What the model outputs: logits of independent binary targets, or plain values.

    Attributes
    ----------
    model : torch.nn.Module
        The wrapped model; its state-dict keys gain a ``model.`` prefix, as in Selene.
    """

    def __init__(
        self,
        model: nn.Module,
        mode: Literal["mean", "max"] = "mean",
        link: Literal["logit", "identity"] = "logit",
    ) -> None:
        super().__init__()
        if mode not in ("mean", "max"):
            raise ValueError(f"NonStrandSpecific: mode must be 'mean' or 'max', got {mode!r}")
        if link not in ("logit", "identity"):
            raise ValueError(
                f"NonStrandSpecific: link must be 'logit' or 'identity', got {link!r}"
            )
        self.model = model
        self.mode = mode
        self.link = link

    @property
    def sequence_length(self) -> int:
        """The wrapped model's window length (AttributeError if it records none)."""
        return self.model.sequence_length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Combine the outputs for ``x`` and its reverse complement.

        Parameters
        ----------
        x : torch.Tensor, shape (N, 4, L)

        Returns
        -------
        torch.Tensor
            Same shape as the wrapped model's output.
        """
        out = self.model(x)
        out_rc = self.model(x.flip(1, 2))
        if self.mode == "max":
            return torch.maximum(out, out_rc)
        if self.link == "identity":
            return (out + out_rc) / 2
        return mean_probability_logit(out, out_rc)


def mean_probability_logit(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``logit((sigmoid(a) + sigmoid(b)) / 2)``, stable for logits of any size."""
    log_p = torch.logaddexp(F.logsigmoid(a), F.logsigmoid(b))
    log_q = torch.logaddexp(F.logsigmoid(-a), F.logsigmoid(-b))
    return log_p - log_q
