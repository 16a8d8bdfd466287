"""Lightning callbacks of ``conf/callbacks``."""

from __future__ import annotations

from typing import Any

from pytorch_lightning.callbacks import ModelCheckpoint as _LightningModelCheckpoint

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(_LightningModelCheckpoint):
    """Lightning's ``ModelCheckpoint`` that keeps its best scores when a run resumes elsewhere.

    ``python -m selene.train ckpt_path=...`` resumes into a new run directory. Lightning's
    callback then forgets the best score and checkpoints of the run it resumes (it reloads them
    only into the same directory), so that the first validation after resuming becomes "best"
    and the run tests a model the uninterrupted run would not have picked. This one reloads
    them wherever it writes: a better model is saved in the new directory, and the earlier
    files are left where they are (Lightning deletes only files in its own directory).
    """

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the best scores and paths, whatever directory the checkpoint was saved to."""
        super().load_state_dict({**state_dict, "dirpath": self.dirpath})
