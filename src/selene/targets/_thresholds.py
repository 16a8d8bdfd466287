"""Feature thresholds as the Selene SDK takes them, and the base-pair counts they imply.

Selene (0.6.0) turns a fraction ``t`` of a query bin of ``L`` bases into a count in float32,
``int(max(float32(t) * L - 1, 0))``, and labels a feature positive when the union of its
intervals covers *more* bases than that count; the helpers here reproduce that arithmetic.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from numbers import Real

import numpy as np

from selene.utils.warnings import SeleneWarning

Thresholds = float | Mapping[str, float] | Callable[[str], float] | None


def resolve_thresholds(thresholds: Thresholds, features: list[str]) -> np.ndarray | None:
    """Per-feature thresholds (float64; Selene computes with their float32 casts), or None.

    Parameters
    ----------
    thresholds : float, dict, callable or None
        A fraction for every feature; a dict of per-feature fractions with a ``"default"`` key
        for the features it omits; a function of the feature name; or None, where any interval
        overlapping the bin makes its feature positive.
    features : list of str
        Feature names, in label order.

    Returns
    -------
    np.ndarray, shape (len(features),), dtype float64, or None
        None means "any overlapping interval makes its feature positive".

    Raises
    ------
    ValueError
        If a fraction is outside [0, 1], or a dict lacks ``"default"`` for some feature.
    TypeError
        If ``thresholds`` is of another type.
    """
    if thresholds is None:
        return None
    if isinstance(thresholds, Real) and not isinstance(thresholds, bool):
        values = [thresholds] * len(features)
    elif isinstance(thresholds, Mapping):
        missing = [f for f in features if f not in thresholds]
        if missing and "default" not in thresholds:
            raise ValueError(
                f"feature_thresholds has no 'default' key, and no threshold for {missing[:3]}; "
                f"add a 'default' entry"
            )
        unknown = [key for key in thresholds if key != "default" and key not in features]
        if unknown:
            warnings.warn(
                f"feature_thresholds names {len(unknown)} feature(s) not in the features list, "
                f"ignored: {unknown[:5]}",
                SeleneWarning,
                stacklevel=3,
            )
        values = [thresholds[f] if f in thresholds else thresholds["default"] for f in features]
    elif callable(thresholds):
        values = [thresholds(f) for f in features]
    else:
        raise TypeError(
            f"feature_thresholds must be None, a float, a dict or a function of the feature "
            f"name; got {type(thresholds).__name__}"
        )
    vec = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~((vec >= 0) & (vec <= 1)))
    if bad.size:
        raise ValueError(
            f"feature thresholds are fractions of the query bin and must lie in [0, 1]; "
            f"got {vec[bad[0]]} for feature {features[bad[0]]!r}"
        )
    return vec


def min_overlap(thresholds: np.ndarray | None, n_features: int, length: int) -> np.ndarray:
    """Coverage (bases) a feature must *exceed* in a bin of ``length`` bases to be positive.

    Parameters
    ----------
    thresholds : np.ndarray, shape (F,), dtype float32, or None
    n_features : int
    length : int

    Returns
    -------
    np.ndarray, shape (F,), dtype int64
        -1 everywhere when ``thresholds`` is None (any overlapping interval is enough).
    """
    if thresholds is None:
        return np.full(n_features, -1, dtype=np.int64)
    # Selene's expression, evaluated the same way (float32 array times a Python int).
    return (thresholds * int(length) - 1).clip(min=0).astype(np.int64)
