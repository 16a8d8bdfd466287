"""What a resumed training run needs besides Lightning's own state.

:class:`~selene.models.lit_module.SequenceLitModule` saves, with every checkpoint, the random
states (dropout masks continue as they would have), the metrics logged so far (a plateau
scheduler reads them right after the validation that saved the checkpoint), the best
validation score, and the train scores not yet reported (a checkpoint saved between two
reports). A resumed run restores them once training starts, after the loaders drew their seeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from selene.utils.random_state import random_states, set_random_states

if TYPE_CHECKING:
    from selene.models.lit_module import SequenceLitModule

#: The checkpoint keys this module writes and restores.
RESUME_KEYS = ("random_states", "callback_metrics", "val_best", "train_scores")


def save_resume_state(module: SequenceLitModule, checkpoint: dict[str, Any]) -> None:
    """Add the module's resume state to ``checkpoint`` (:data:`RESUME_KEYS`)."""
    checkpoint["random_states"] = random_states()
    checkpoint["val_best"] = module.val_best.max_value.detach().cpu()
    pending = pending_train_scores(module)
    if pending is not None:  # saved between reports: a resumed run reports the same scores
        checkpoint["train_scores"] = pending
    if module._trainer is not None:
        metrics = module._trainer.callback_metrics.items()
        checkpoint["callback_metrics"] = {k: torch.as_tensor(v).cpu() for k, v in metrics}


def restore_resume_state(module: SequenceLitModule, state: Mapping[str, Any]) -> None:
    """Restore what :func:`save_resume_state` saved (at ``on_train_start``)."""
    if "val_best" in state:  # the fresh metric holds -inf: its maximum becomes the saved one
        module.val_best.update(state["val_best"].to(module.device))
    saved = state.get("train_scores")
    if isinstance(saved, Mapping):  # TrackMetrics' running state, merged over the ranks
        n_tracks = saved["squared_error"].numel()  # every rank: the samples' key streams
        metric = module._stage_metrics("train", n_tracks, tracks=True)
        metric.restore(saved, scores=module.global_rank == 0)
    elif saved is not None and module.global_rank == 0:  # gathered from every rank
        preds, targets = saved
        module._stage_metrics("train", preds.shape[1]).restore(preds, targets)
    if "callback_metrics" in state:
        module.trainer.callback_metrics.update(state["callback_metrics"])
    if "random_states" in state:
        set_random_states(state["random_states"])


def pending_train_scores(module: SequenceLitModule) -> list[Tensor] | dict[str, Tensor] | None:
    """Return the train scores' state not yet reported, from every rank.

    Binary and quantitative features: the predictions and targets; tracks: the running state
    of :class:`~selene.models.track_metrics.TrackMetrics` (gathered and merged by the metric).
    """
    metrics = module.metrics
    metric = metrics["train_metrics"] if "train_metrics" in metrics else None
    pending = metric.pending() if metric is not None else None
    if pending is None:
        return None
    if isinstance(pending, Mapping):
        return {name: t.cpu() for name, t in pending.items()}
    if module._trainer is not None and module._trainer.world_size > 1:
        pending = tuple(module.all_gather(t).flatten(0, 1) for t in pending)
    return [t.cpu() for t in pending]
