"""The ``Target`` protocol: what a sampler asks of anything that labels genomic windows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Target(ABC):
    """Labels for genomic windows, one value per feature.

    Subclasses implement :meth:`get_feature_data`; :meth:`get_feature_data_batch` has a
    per-window fallback that fast subclasses override with a vectorised kernel.
    """

    @abstractmethod
    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Labels of the window ``[start, end)`` of ``chrom`` (0-based, end-exclusive).

        Returns
        -------
        np.ndarray, shape (n_features,)
        """

    def get_feature_data_batch(
        self, chroms: Sequence[str], starts: Sequence[int], ends: Sequence[int]
    ) -> np.ndarray:
        """Labels of many windows, one row per window.

        Returns
        -------
        np.ndarray, shape (N, n_features), dtype float32
        """
        rows = [
            np.asarray(self.get_feature_data(c, int(s), int(e)), dtype=np.float32)
            for c, s, e in zip(chroms, starts, ends, strict=True)
        ]
        if not rows:
            raise ValueError("get_feature_data_batch needs at least one window")
        return np.stack(rows)
