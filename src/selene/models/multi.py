"""``MultiModelWrapper``: several trained models run as one, their outputs concatenated."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


class MultiModelWrapper(nn.Module):
    """Concatenate the outputs of several models along ``concat_dim``, as Selene's wrapper does.

    For prediction with models trained apart (for example one per cell type): pass it to
    ``AnalyzeSequences`` with a list of ``trained_model_path`` in the same order as
    ``sub_models``, and a features list covering all their outputs in that order. The
    sub-models are held in an ``nn.ModuleList``, so ``.to(device)``, ``.eval()`` and
    ``state_dict()`` reach them all.

    Parameters
    ----------
    sub_models : iterable of torch.nn.Module
        Each takes the same one-hot input.
    concat_dim : int
        The dimension along which outputs are joined (1: features).
    """

    def __init__(self, sub_models: Iterable[nn.Module], concat_dim: int = 1) -> None:
        super().__init__()
        self.sub_models = nn.ModuleList(sub_models)
        if len(self.sub_models) == 0:
            raise ValueError("MultiModelWrapper needs at least one sub-model")
        self.concat_dim = concat_dim
        lengths = {getattr(m, "sequence_length", None) for m in self.sub_models} - {None}
        if len(lengths) > 1:
            raise ValueError(f"sub-models take different sequence lengths: {sorted(lengths)}")
        if lengths:
            self.sequence_length = lengths.pop()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the sub-models' outputs for ``x``, concatenated along ``concat_dim``."""
        return torch.cat([model(x) for model in self.sub_models], self.concat_dim)
