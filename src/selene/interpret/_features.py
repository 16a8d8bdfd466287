"""Look up a feature's column by name or index (for the result classes and their plots)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def feature_column(features: Sequence[str], feature: str | int, what: str) -> int:
    """Column of ``feature`` (a name, or an index) among ``features`` of ``what`` (for errors)."""
    if isinstance(feature, (int, np.integer)):
        if not -len(features) <= feature < len(features):
            raise IndexError(f"feature index {feature} out of range for {len(features)}")
        return int(feature) % len(features)
    if feature not in features:
        raise KeyError(f"feature {feature!r} not in {what}; known: {list(features)[:5]}...")
    return list(features).index(feature)
