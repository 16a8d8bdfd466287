"""An integer hash of (index, seed) to floats, for weights and inputs that tests and the golden
scripts rebuild identically under any torch or NumPy version (no library RNG involved)."""

from __future__ import annotations

import numpy as np


def hash_uniform(n: int, seed: int) -> np.ndarray:
    """``n`` float64 values in [-1, 1), a pure function of (index, seed).

    A 32-bit integer hash; NumPy's uint32 arithmetic wraps modulo 2**32.
    """
    h = np.arange(n, dtype=np.uint32) + np.uint32(seed * 1_000_003 % 2**32)
    h *= np.uint32(2654435761)
    for _ in range(2):
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x45D9F3B)
    h ^= h >> np.uint32(16)
    return h.astype(np.float64) / 2**31 - 1
