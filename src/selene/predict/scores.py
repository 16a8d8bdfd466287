"""Scores of alternative against reference outputs: what ``save_data`` asks for.

``predictions``: the alternative's predictions; ``diffs``: ``alt - ref``; ``abs_diffs``:
``|alt - ref|``; ``logits``: ``logit(alt) - logit(ref)``. For networks that end in logits
the last is the exact difference of the network's logits; otherwise it is computed from the
probabilities, clipped as the Selene SDK clips them (0 -> 1e-24, >= 1 -> 0.999999).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from selene.predict.runner import Outputs

_LOW, _HIGH = 1e-24, 0.999999


def _logit(p: torch.Tensor) -> torch.Tensor:
    p = torch.where(p == 0, torch.full_like(p, _LOW), p)
    p = torch.where(p >= 1, torch.full_like(p, _HIGH), p)
    return torch.log(p) - torch.log1p(-p)


def score(kind: str, alt: Outputs, ref: Outputs) -> torch.Tensor:
    """One score for each alternative row (``ref`` rows pair with them, or broadcast).

    Parameters
    ----------
    kind : str
        ``predictions`` (or ``alt_predictions``), ``ref_predictions``, ``diffs``,
        ``abs_diffs`` or ``logits``.
    alt, ref : Outputs

    Returns
    -------
    torch.Tensor, shape (N, F)
    """
    if kind in ("predictions", "alt_predictions"):
        return alt.predictions
    if kind == "ref_predictions":
        return ref.predictions.expand_as(alt.predictions)
    if kind == "diffs":
        return alt.predictions - ref.predictions
    if kind == "abs_diffs":
        return (alt.predictions - ref.predictions).abs()
    if kind == "logits":
        if alt.logits is not None and ref.logits is not None:
            return alt.logits - ref.logits
        return _logit(alt.predictions) - _logit(ref.predictions)
    raise ValueError(f"unknown score {kind!r}")


def scores(kinds: Iterable[str], alt: Outputs, ref: Outputs) -> dict[str, np.ndarray]:
    """:func:`score` for each kind, as float32 arrays on the CPU."""
    return {k: score(k, alt, ref).float().cpu().numpy() for k in kinds}
