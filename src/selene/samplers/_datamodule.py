"""What every sampler DataModule shares: features, the one-hot hook, the stream's position."""

from __future__ import annotations

import warnings
from typing import Any

import pytorch_lightning as pl
import torch

from selene.utils.warnings import SeleneWarning


class SamplerDataModule(pl.LightningDataModule):
    """Base of the samplers: features, one-hot encoding on the device, the stream's position.

    Batches are dicts with ``sequence`` (uint8 codes ``(B, L)``, or float one-hot ``(B, 4, L)``
    from .mat files), ``targets`` (float32 ``(B, F)``, or ``(B, T, L')`` from a track target)
    and ``coords`` where known. The training
    stream can start at any batch; checkpoints keep how far training went, so that a resumed
    run trains on the batches the uninterrupted run would have.
    """

    features: list[str]
    sequence_length: int
    _resume_at: tuple[int, int] | None = None  # (epoch, batches) from a checkpoint

    @property
    def n_features(self) -> int:
        """Number of features (targets) per example."""
        return len(self.features)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Turn ``uint8`` codes ``(B, L)`` into float one-hot ``(B, 4, L)`` on their device."""
        from selene.sequences import codes_to_one_hot

        if isinstance(batch, dict):
            seq = batch.get("sequence")
            if isinstance(seq, torch.Tensor) and seq.dtype == torch.uint8 and seq.dim() == 2:
                batch = {**batch, "sequence": codes_to_one_hot(seq)}
            elif isinstance(seq, torch.Tensor) and seq.dim() == 3 and not seq.is_floating_point():
                batch = {**batch, "sequence": seq.float()}
        return batch

    def state_dict(self) -> dict[str, Any]:
        """Return the training stream's position for checkpoints: epoch and batches trained.

        Batches trained, not drawn: the loader has drawn ahead (prefetching) of the step that
        saves the checkpoint.
        """
        trainer = self.trainer
        if trainer is None:
            return {}
        progress = trainer.fit_loop.epoch_loop.batch_progress.current
        epoch, batches = int(trainer.current_epoch), int(progress.processed)
        return {"train_epoch": epoch, "train_batches": batches, **self._stream_settings()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume the training stream where :meth:`state_dict` said (``fit(ckpt_path=...)``)."""
        if not state_dict:
            return
        position = [state_dict.get(key) for key in ("train_epoch", "train_batches")]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in position):
            raise ValueError(
                f"the checkpoint's {type(self).__name__} state {dict(state_dict)!r} does not give "
                "the training stream's position as integers train_epoch >= 0 and "
                "train_batches >= 0; resume from a checkpoint written by selene.train"
            )
        self._resume_at = (position[0], position[1])
        now = self._stream_settings()
        changed = {k: (state_dict[k], v) for k, v in now.items() if state_dict.get(k, v) != v}
        if changed:
            warnings.warn(
                f"resuming with another {', '.join(changed)} than the checkpoint's run "
                f"(then, now: {changed}): training goes on with other batches than the "
                "uninterrupted run would have drawn",
                SeleneWarning,
                stacklevel=2,
            )

    def _stream_settings(self) -> dict[str, int]:
        """Return what the training batches depend on besides the stream's position."""
        raise NotImplementedError

    def _stream_start(self) -> tuple[int, int]:
        """Return the epoch of a new training loader and the batches of it already trained.

        A resumed run goes on where the checkpoint's run was, once: a reload starts an epoch.
        Overfitting (``Trainer(overfit_batches=n)``, loaders reloaded each epoch) serves
        epoch 0 every epoch: the same first batches again.
        """
        epoch = self.trainer.current_epoch if self.trainer is not None else 0
        if self.trainer is not None and self.trainer.overfit_batches > 0:
            epoch = 0
        saved_epoch, start = self._resume_at or (epoch, 0)
        self._resume_at = None
        return epoch, start if saved_epoch == epoch else 0
