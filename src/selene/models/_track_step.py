"""The track half of ``SequenceLitModule``'s step: losses and predictions of ``(N, T, L)`` tracks.

A track model returns one tensor ``(N, T, L)`` (e.g. :class:`selene.models.TrackCNN`) or BPNet's
pair ``(profile_logits (N, T, L), log_counts (N, 1) or (N, T))``. The loss says what the raw
outputs mean: ``mse`` reads them as values, ``poisson`` as log rates, ``bpnet`` as a profile
(softmax over the window) and a log total.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from selene.models import track_losses

__all__ = ["TRACK_LOSSES", "is_track_step", "track_loss", "track_prediction"]

TRACK_LOSSES = ("mse", "poisson", "bpnet")


def is_track_step(loss: str, output: Any, targets: Tensor) -> bool:
    """Whether a step scores tracks: tuple outputs, 3-D targets, or the ``bpnet`` loss."""
    return loss == "bpnet" or isinstance(output, tuple) or targets.dim() == 3


def track_loss(loss: str, output: Any, targets: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Return the loss of a batch of tracks and its named parts (``profile_nll``, ``count_mse``).

    Parameters
    ----------
    loss : {"mse", "poisson", "bpnet"}
    output : Tensor, shape (N, T, L), or tuple (profile_logits, log_counts)
    targets : Tensor, shape (N, T, L)

    Raises
    ------
    ValueError
        If the loss cannot score this output (a pair needs ``bpnet``, ``bpnet`` needs a pair),
        or the shapes disagree.
    """
    targets = targets.to(torch.float32)
    if loss == "bpnet":
        profile_logits, log_counts = _pair(output)
        parts = track_losses.bpnet_loss(profile_logits, log_counts, targets)
        return parts.loss, {"profile_nll": parts.profile, "count_mse": parts.counts}
    if isinstance(output, tuple):
        raise ValueError(
            f"the model returns {len(output)} outputs (BPNet's profile logits and log counts); "
            f"loss={loss!r} scores one tensor: set model.loss=bpnet"
        )
    if loss not in TRACK_LOSSES:
        raise ValueError(f"loss={loss!r} cannot score tracks; use one of {list(TRACK_LOSSES)}")
    _check(output, targets)
    return getattr(track_losses, loss)(output, targets), {}


def track_prediction(loss: str, output: Any) -> Tensor:
    """Return predicted tracks ``(N, T, L)`` in the targets' units, from raw outputs.

    ``mse``: the outputs; ``poisson``: ``exp(outputs)``; ``bpnet``: the profile
    ``softmax(profile_logits) * (exp(log_counts) - 1)``, the softmax taken jointly over the
    tracks when there is one total per window (``log_counts`` of shape ``(N, 1)``, as BPNet's
    counts head predicts ``log(1 + total)``), per track otherwise. Negative totals (a log
    count below 0) are taken as 0.
    """
    if loss != "bpnet":
        if isinstance(output, tuple):
            raise ValueError(
                f"the model returns {len(output)} outputs; loss={loss!r} takes one tensor "
                "(set model.loss=bpnet for BPNet)"
            )
        return torch.exp(output) if loss == "poisson" else output
    profile_logits, log_counts = _pair(output)
    if log_counts.shape[1] == 1:  # one multinomial over every track
        probs = torch.softmax(profile_logits.flatten(1), -1).reshape(profile_logits.shape)
    else:
        probs = torch.softmax(profile_logits, -1)
    total = torch.expm1(log_counts).clamp(min=0)
    return probs * total.unsqueeze(-1)


def _pair(output: Any) -> tuple[Tensor, Tensor]:
    if not (isinstance(output, tuple) and len(output) == 2):
        got = f"a tensor of shape {tuple(output.shape)}" if torch.is_tensor(output) else "that"
        raise ValueError(
            "loss='bpnet' takes a model returning (profile_logits, log_counts), as BPNet does; "
            f"got {got}: use loss=poisson or mse for a single output"
        )
    return output


def _check(output: Tensor, targets: Tensor) -> None:
    if output.shape != targets.shape:
        raise ValueError(
            f"the model predicts tracks of shape {tuple(output.shape)[1:]} but the data has "
            f"{tuple(targets.shape)[1:]} (tracks, bins); match n_tracks, bin_size and the "
            "targets' centre crop (crop_bins) to the data"
        )
