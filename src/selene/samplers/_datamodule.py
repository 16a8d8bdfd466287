"""What every sampler DataModule shares: feature names and the codes -> one-hot device hook."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch


class SamplerDataModule(pl.LightningDataModule):
    """Base of the samplers: ``features``, ``n_features``, and one-hot encoding on the device.

    Batches are dicts with ``sequence`` (uint8 codes ``(B, L)``, or float one-hot ``(B, 4, L)``
    from .mat files), ``targets`` (float32 ``(B, F)``) and ``coords`` where known.
    """

    features: list[str]
    sequence_length: int

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
