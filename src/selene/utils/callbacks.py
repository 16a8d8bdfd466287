"""Lightning callbacks of ``conf/callbacks``."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint as _LightningModelCheckpoint

__all__ = ["ModelCheckpoint"]


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
