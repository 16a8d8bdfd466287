"""Losses for quantitative tracks: MSE, Poisson, and BPNet's profile + counts loss.

Each takes model outputs and targets of the same layout (``(N, T, L)`` tracks or ``(N, T)``
per-window values) and returns the mean over every element by default (``reduction="none"``
keeps one value per element, or per distribution for the multinomial).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F

__all__ = ["BPNetLoss", "bpnet_loss", "log_count_mse", "mse", "multinomial_nll", "poisson"]

Reduction = Literal["mean", "none"]


def _reduce(values: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "none":
        return values
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def _check_same_shape(name: str, output: torch.Tensor, target: torch.Tensor) -> None:
    if output.shape != target.shape:
        raise ValueError(
            f"{name}: model output {tuple(output.shape)} and targets {tuple(target.shape)} "
            "differ in shape; the model must predict one value per target (check n_tracks, "
            "bin_size and the targets' center crop)"
        )


def mse(output: torch.Tensor, target: torch.Tensor, reduction: Reduction = "mean") -> torch.Tensor:
    """Mean squared error, ``(output - target) ** 2``.

    Parameters
    ----------
    output, target : torch.Tensor, same shape
    reduction : {"mean", "none"}

    Raises
    ------
    ValueError
        If the shapes differ (no broadcasting: it would hide a wrong output shape).
    """
    _check_same_shape("mse", output, target)
    return _reduce(F.mse_loss(output, target, reduction="none"), reduction)


def poisson(
    output: torch.Tensor,
    target: torch.Tensor,
    log_input: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Poisson negative log likelihood of the targets, without the ``log(target!)`` term.

    ``rate - target * log(rate)`` per element, with ``rate = exp(output)`` when ``log_input``
    (raw outputs are log rates; the usual choice, stable for any output) or ``rate = output``
    otherwise (``output`` must then be >= 0; ``1e-8`` is added inside the log). The dropped
    term does not depend on the model, so gradients are those of the full likelihood.

    Parameters
    ----------
    output, target : torch.Tensor, same shape
        Targets are counts or coverage (>= 0; need not be integers).
    log_input : bool
    reduction : {"mean", "none"}
    """
    _check_same_shape("poisson", output, target)
    # torch's poisson_nll_loss, written for every element (reduction chosen here)
    values = F.poisson_nll_loss(output, target, log_input=log_input, full=False, reduction="none")
    return _reduce(values, reduction)


def multinomial_nll(
    logits: torch.Tensor, counts: torch.Tensor, reduction: Reduction = "mean"
) -> torch.Tensor:
    """Negative log likelihood of the counts under a multinomial over the last axis.

    The profile loss of BPNet: the logits are softmax-normalised over the last axis (they need
    not be normalised), and the counts' total is the number of draws, so only the *shape* of
    the profile is scored. Includes the multinomial coefficient, so the value equals
    ``-torch.distributions.Multinomial(total, logits=logits).log_prob(counts)``; non-integer
    counts (coverage) use the same formula with ``lgamma``.

    Parameters
    ----------
    logits, counts : torch.Tensor, shape (..., L), same shape
    reduction : {"mean", "none"}
        ``"none"`` gives one value per distribution, shape ``logits.shape[:-1]``.
    """
    _check_same_shape("multinomial_nll", logits, counts)
    log_probs = torch.log_softmax(logits, dim=-1)
    log_coefficient = torch.lgamma(counts.sum(dim=-1) + 1) - torch.lgamma(counts + 1).sum(dim=-1)
    return _reduce(-(log_coefficient + (counts * log_probs).sum(dim=-1)), reduction)


def log_count_mse(
    log_counts: torch.Tensor, total_counts: torch.Tensor, reduction: Reduction = "mean"
) -> torch.Tensor:
    """Squared error between predicted log counts and ``log(1 + total_counts)``.

    BPNet's counts loss; the predictions are already in log space, the targets are not.

    Parameters
    ----------
    log_counts, total_counts : torch.Tensor, same shape
    reduction : {"mean", "none"}
    """
    _check_same_shape("log_count_mse", log_counts, total_counts)
    return _reduce((log_counts - torch.log1p(total_counts)).square(), reduction)


class BPNetLoss(NamedTuple):
    """The BPNet loss and its two parts (for logging), each a scalar tensor."""

    loss: torch.Tensor
    profile: torch.Tensor
    counts: torch.Tensor


def bpnet_loss(
    profile_logits: torch.Tensor,
    log_counts: torch.Tensor,
    targets: torch.Tensor,
    count_weight: float = 1.0,
) -> BPNetLoss:
    """BPNet's loss: profile multinomial NLL plus ``count_weight`` times the log-count MSE.

    With one predicted total per window (``log_counts`` of shape ``(N, 1)``, as
    :class:`selene.models.BPNet` and bpnet-lite give), the tracks form one multinomial over
    ``T * L`` positions and the total is taken over every track (bpnet-lite's loss, where the
    two strands share one distribution). With one total per track (``(N, T)``), each track is
    its own multinomial and has its own total.

    Parameters
    ----------
    profile_logits : torch.Tensor, shape (N, T, L)
    log_counts : torch.Tensor, shape (N, 1) or (N, T)
    targets : torch.Tensor, shape (N, T, L)
        Observed reads (or coverage) per position, >= 0.
    count_weight : float
        Weight of the counts loss (lambda in the paper; bpnet-lite defaults to 1; Avsec et
        al. suggest half the mean total counts to balance the two parts).

    Returns
    -------
    BPNetLoss
        ``loss = profile + count_weight * counts``, each averaged over windows (and tracks).

    Raises
    ------
    ValueError
        If the shapes disagree.
    """
    _check_same_shape("bpnet_loss", profile_logits, targets)
    n, t = targets.shape[:2] if targets.dim() == 3 else (None, None)
    if targets.dim() != 3 or tuple(log_counts.shape) not in ((n, 1), (n, t)):
        raise ValueError(
            f"bpnet_loss: expected profile logits and targets of shape (N, T, L) and log counts "
            f"of shape (N, 1) or (N, T); got {tuple(profile_logits.shape)} and "
            f"{tuple(log_counts.shape)}"
        )
    if log_counts.shape[1] == 1:  # one distribution and one total over all tracks
        profile_logits, targets = profile_logits.flatten(1), targets.flatten(1)
    profile = multinomial_nll(profile_logits, targets)
    counts = log_count_mse(log_counts, targets.sum(dim=-1).reshape(log_counts.shape))
    return BPNetLoss(profile + count_weight * counts, profile, counts)
