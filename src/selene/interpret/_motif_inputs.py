"""Checks of :func:`selene.interpret.motifs`' inputs: shapes, NaN, one-hot, folds."""

from __future__ import annotations

from typing import Any

import numpy as np

from selene.interpret.deep_lift_shap import DeepLiftShapResult


def as_attributions(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as float32 ``(N, 4, L)``, or say which axis is wrong and how to fix it."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    array = np.asarray(x, dtype=np.float32)
    if array.ndim != 3 or array.shape[1] != 4:
        hint = (
            f"it looks like (N, L, 4): pass {name}.transpose(0, 2, 1)"
            if array.ndim == 3 and array.shape[2] == 4
            else "axis 1 must hold the 4 bases A, C, G, T"
        )
        raise ValueError(f"{name} must have shape (N, 4, L); got {array.shape} ({hint})")
    if array.shape[0] == 0 or array.shape[2] == 0:
        raise ValueError(f"{name} is empty: shape {array.shape}; give at least one sequence")
    bad = ~np.isfinite(array).all(axis=(1, 2))
    if bad.any():
        raise ValueError(
            f"{name} holds NaN or infinite values in sequences {np.flatnonzero(bad)[:5].tolist()}"
        )
    return array


def same_shape(shape: tuple, expected: tuple, name: str, other: str) -> None:
    """Raise naming both shapes and the axes that differ, unless they are equal."""
    if shape != expected:
        pairs = zip(shape, expected, strict=False)
        axes = [str(i) for i, (a, b) in enumerate(pairs) if a != b]
        raise ValueError(
            f"{name} has shape {shape} but {other} has shape {expected} (they differ on axis "
            f"{', '.join(axes)}; axes are sequences, bases, positions): they must describe the "
            "same sequences"
        )


def average_folds(folds: Any, name: str) -> np.ndarray:
    """Return one array, or the mean of a list of them (one per model), each checked.

    ``name`` is the argument's name, and the field read from a ``DeepLiftShapResult``.
    """
    items = list(folds) if isinstance(folds, (list, tuple)) else [folds]
    if not items:
        raise ValueError(f"{name} is an empty list; give one array per model")
    arrays = []
    for i, item in enumerate(items):
        if isinstance(item, DeepLiftShapResult):
            item = getattr(item, name)  # "hypothetical" or "contributions"
        label = f"{name}[{i}]" if len(items) > 1 else name
        arrays.append(as_attributions(item, label))
        if i:
            same_shape(arrays[i].shape, arrays[0].shape, label, f"{name}[0]")
    return arrays[0] if len(arrays) == 1 else np.mean(arrays, axis=0, dtype=np.float32)


def as_one_hot(sequences: Any, shape: tuple) -> np.ndarray:
    """Return one-hot ``(N, 4, L)`` of ``shape``; Selene's N columns (0.25 each) become 0."""
    one_hot = as_attributions(sequences, "sequences")
    same_shape(one_hot.shape, shape, "sequences", "hypothetical")
    unknown = np.isclose(one_hot, 0.25).all(axis=1, keepdims=True)  # Selene's N: no base
    one_hot = np.where(unknown, 0, one_hot)
    if not (np.isin(one_hot, (0, 1)).all() and (one_hot.sum(axis=1) <= 1).all()):
        raise ValueError(
            "sequences must be one-hot (each position one 1 over A, C, G, T, or 0.25 each for "
            "N); encode them with selene.sequences.codes_to_one_hot"
        )
    return one_hot
