"""Lightning callbacks of ``conf/callbacks``."""

from __future__ import annotations

from collections import deque
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.callbacks import ModelCheckpoint as _LightningModelCheckpoint
from torch import nn

__all__ = ["BatchNormStatistics", "ModelCheckpoint"]


class ModelCheckpoint(_LightningModelCheckpoint):
    """Lightning's ``ModelCheckpoint`` that resumes anywhere and, unmonitored, saves at the end.

    ``python -m selene.train ckpt_path=...`` resumes into a new run directory. Lightning's
    callback then forgets the best score and checkpoints of the run it resumes (it reloads them
    only into the same directory), so that the first validation after resuming becomes "best"
    and the run tests a model the uninterrupted run would not have picked. This one reloads
    them wherever it writes: a better model is saved in the new directory, and the earlier
    files are left where they are (Lightning deletes only files in its own directory).

    With ``monitor=None`` (``callbacks.last_checkpoint``, which writes ``last.ckpt``) it also
    saves when training ends. Lightning saves only after a validation, so a run whose
    ``trainer.max_steps`` is below ``trainer.val_check_interval``, or not a multiple of it,
    would otherwise end without its last steps in ``last.ckpt`` (or without the file).
    """

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Save the final state if unmonitored and the last step was not saved yet."""
        super().on_train_end(trainer, pl_module)
        # skipped with fast_dev_run, outside fit, or when the last validation saved this step
        if self.monitor is None and not self._should_skip_saving_checkpoint(trainer):
            self._save_none_monitor_checkpoint(trainer, self._monitor_candidates(trainer))

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the best scores and paths, whatever directory the checkpoint was saved to."""
        super().load_state_dict({**state_dict, "dirpath": self.dirpath})


class BatchNormStatistics(Callback):
    """Recompute batch-norm running statistics from recent training batches before validating.

    Batch norm's running mean and variance follow the weights with momentum, so while the
    weights still move fast (Adam at a constant rate) they lag behind: in eval mode every
    prediction carries a per-feature offset. Per-feature AUROC hardly sees a constant offset,
    but absolute scores do (the demo's background sequences scored 0.4-0.7 for one feature).
    This callback keeps the inputs of the last ``n_batches`` training batches and, before each
    validation while fitting, recomputes the statistics of every batch-norm layer as their exact
    average over those batches with the current weights (as ``torch.optim.swa_utils.update_bn``
    does, over stored batches so that no sample is drawn from the training stream). Validation,
    the checkpoints written after it and the test of the best checkpoint all see them. A net
    without batch norm is left alone. The kept inputs go into checkpoints (``n_batches`` batches
    of one-hot sequences: 9.8 MB for the demo's 32 x 64 windows of 300 bp), so a resumed run
    recomputes exactly what the uninterrupted run would; dropout draws made here do not move
    the training's random state.

    Parameters
    ----------
    n_batches : int
        Training batches kept (their one-hot inputs, on the device).
    """

    def __init__(self, n_batches: int = 32) -> None:
        if n_batches < 1:
            raise ValueError(
                f"callbacks.batch_norm_statistics.n_batches={n_batches}: keep at least one "
                "training batch, or remove the callback (callbacks.batch_norm_statistics=null)"
            )
        self.n_batches = n_batches
        self._inputs: deque[torch.Tensor] = deque(maxlen=n_batches)
        self._layers: list[nn.modules.batchnorm._BatchNorm] | None = None  # found once

    def _batch_norms(self, pl_module: pl.LightningModule) -> list[nn.modules.batchnorm._BatchNorm]:
        """Return the module's batch-norm layers, looked up once (not at every step)."""
        if self._layers is None:
            self._layers = _batch_norms(pl_module)
        return self._layers

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        """Keep this batch's sequences (the oldest kept batch is dropped)."""
        if self._batch_norms(pl_module) and isinstance(batch, dict) and "sequence" in batch:
            self._inputs.append(batch["sequence"].detach())

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Recompute the statistics from the kept batches (not in the sanity check)."""
        layers = self._batch_norms(pl_module)
        if trainer.sanity_checking or not self._inputs or not layers:
            return
        momenta = {layer: layer.momentum for layer in layers}
        was_training = pl_module.training
        for layer in layers:
            layer.reset_running_stats()
            layer.momentum = None  # a cumulative average over the batches below
        pl_module.train()
        device = next(pl_module.parameters()).device
        cuda = [device] if device.type == "cuda" else []
        # dropout draws here leave the training stream's random state as it was
        with torch.no_grad(), torch.random.fork_rng(devices=cuda):
            for inputs in self._inputs:
                pl_module.net(inputs.to(device))
        for layer, momentum in momenta.items():
            layer.momentum = momentum
        pl_module.train(was_training)

    def state_dict(self) -> dict[str, Any]:
        """Keep the stored inputs in checkpoints, so a resumed run recomputes the same."""
        return {"inputs": [inputs.cpu() for inputs in self._inputs]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the inputs stored by :meth:`state_dict`."""
        self._inputs = deque(state_dict.get("inputs", []), maxlen=self.n_batches)


def _batch_norms(module: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    """List the batch-norm layers of ``module`` that track running statistics."""
    return [
        layer
        for layer in module.modules()
        if isinstance(layer, nn.modules.batchnorm._BatchNorm) and layer.track_running_stats
    ]
