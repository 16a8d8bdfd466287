"""Compiled helpers of the samplers (numba, cached on disk)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def count_unknown(codes: np.ndarray, unk: int) -> np.ndarray:  # pragma: no cover (compiled)
    """Count the codes ``>= unk`` (unknown letters, ``N``) in each row of ``codes`` (N, L)."""
    n, length = codes.shape
    out = np.empty(n, np.int64)
    for i in range(n):
        count = 0
        for j in range(length):
            count += codes[i, j] >= unk
        out[i] = count
    return out
