"""What every sampler DataModule shares: feature names and the codes -> one-hot device hook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch


def read_features(features: Sequence[str] | str | Path) -> list[str]:
    """Feature names from a list, or from a file with one name per line (Selene's format).

    Raises
    ------
    FileNotFoundError
        If ``features`` is a path that does not exist.
    ValueError
        If there are no feature names.
    """
    if isinstance(features, str | Path):
        path = Path(features)
        if not path.is_file():
            raise FileNotFoundError(
                f"features file not found: {path} (expected one feature name per line, or pass a "
                "list of names)"
            )
        names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    else:
        names = [str(f) for f in features]
    if not names:
        raise ValueError(f"no feature names given (features={features!r})")
    return names


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
