"""The Selene SDK's ``GenomicFeatures.is_positive`` rule, on the sorted interval arrays.

selene_sdk 0.6.0 calls a window positive when *one* interval on its own overlaps the window by
more than ``int((end - start) * t - 1)`` bases (at least 0), ``t`` being that interval's feature
threshold, computed in double precision. Unlike the labels, which use the union of a feature's
intervals and float32 thresholds, this compares intervals one at a time, so a window covered by
two short intervals of one feature can be labelled positive and yet not be ``is_positive``.
"""

from __future__ import annotations

import numpy as np


def any_positive(
    starts: np.ndarray,
    ends: np.ndarray,
    feats: np.ndarray,
    sources: np.ndarray | None,
    start: int,
    end: int,
    thresholds: np.ndarray | None,
) -> bool:
    """Whether some interval meets its feature's threshold in the window ``[start, end)``.

    Parameters
    ----------
    starts, ends, feats : np.ndarray, shape (K,)
        The pieces that may touch the window (each has ``start < end`` of the window).
    sources : np.ndarray, shape (K,), or None
        The interval each piece was split from; None when each piece is a whole interval.
    start, end : int
        The window, 0-based, end-exclusive.
    thresholds : np.ndarray, shape (F,), dtype float64, or None
        Per-feature fractions; None makes any interval that tabix would return positive
        (Selene raises ``TypeError`` there; this is what its ``get_feature_data`` does).

    Returns
    -------
    bool
    """
    returned = ends > start  # tabix's rule, with ``starts < end`` already true
    if not returned.any():
        return False
    if thresholds is None:
        return True
    starts, ends, feats = starts[returned], ends[returned], feats[returned]
    overlap = np.minimum(ends, end).astype(np.int64) - np.maximum(starts, start)
    if sources is not None:  # add up the pieces of each split interval
        _, first, group = np.unique(sources[returned], return_index=True, return_inverse=True)
        overlap = np.bincount(group.reshape(-1), weights=overlap).astype(np.int64)
        feats = feats[first]
    need = np.maximum(np.trunc((end - start) * thresholds[feats] - 1), 0)
    return bool(np.any(overlap > need))
