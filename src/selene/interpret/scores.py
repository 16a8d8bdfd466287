"""Transformations of score matrices ``(length, alphabet)`` before they are drawn."""

from __future__ import annotations

from typing import Any

import numpy as np

from selene.interpret._plotting import DNA, as_score_matrix, check_sequence, reference_index

BASE_SCALINGS = ("identity", "probability", "max_effect")
POSITION_SCALINGS = ("identity", "probability", "max_effect")


def rescale_score_matrix(
    score_matrix: Any,
    base_scaling: str = "identity",
    position_scaling: str = "identity",
    *,
    alphabet: str = DNA,
) -> np.ndarray:
    """Scale the letters at each position and each position of a score matrix, as Selene does.

    Parameters
    ----------
    score_matrix : array-like, shape (L, A)
        Scores of each letter at each position, usually from in silico mutagenesis.
    base_scaling : {'identity', 'probability', 'max_effect'}
        ``identity`` and ``probability`` keep the letters' scores; ``max_effect`` subtracts each
        position's minimum, so letters are sized by their effect over the weakest one.
    position_scaling : {'identity', 'probability', 'max_effect'}
        ``identity`` keeps positions; ``probability`` divides each position by the sum of its
        original scores; ``max_effect`` makes each position sum to its original max - min.
    alphabet : str
        Letters of the columns (checks the width of ``score_matrix``).

    Returns
    -------
    numpy.ndarray, shape (L, A), float64
        A new matrix (the input is not modified). Positions whose divisor is 0 become NaN or
        inf, as in Selene.
    """
    scores = as_score_matrix(score_matrix, alphabet)
    if base_scaling not in BASE_SCALINGS:
        raise ValueError(f"base_scaling must be one of {BASE_SCALINGS}; got {base_scaling!r}")
    if position_scaling not in POSITION_SCALINGS:
        raise ValueError(
            f"position_scaling must be one of {POSITION_SCALINGS}; got {position_scaling!r}"
        )
    low, high = scores.min(axis=1, keepdims=True), scores.max(axis=1, keepdims=True)
    rescaled = scores - low if base_scaling == "max_effect" else scores.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if position_scaling == "max_effect":
            rescaled = rescaled / rescaled.sum(axis=1, keepdims=True) * (high - low)
        elif position_scaling == "probability":
            rescaled = rescaled / scores.sum(axis=1, keepdims=True)
    return rescaled


def reference_importance(score_matrix: Any, sequence: str, *, alphabet: str = DNA) -> np.ndarray:
    """ISM-weighted reference: each reference letter scored by how much it beats substitutions.

    Entry ``[i, ref_i]`` is ``score[i, ref_i] - mean(score[i, b] for b != ref_i)``; every other
    entry is 0. For a ``diffs`` matrix (reference entries 0) that is minus the mean change caused
    by mutating position ``i``; for a ``predictions`` matrix (reference entries hold the
    reference prediction) it is the same number. Positions of unknown letters (``N``) are 0.

    Parameters
    ----------
    score_matrix : array-like, shape (L, A)
    sequence : str
        The reference sequence of length L the scores were computed on.
    alphabet : str

    Returns
    -------
    numpy.ndarray, shape (L, A), float64
        Draw it with :func:`selene.interpret.sequence_logo` for the reference's logo.
    """
    scores = as_score_matrix(score_matrix, alphabet)
    sequence = check_sequence(sequence, alphabet, len(scores))
    columns = reference_index(sequence, alphabet)
    rows = np.flatnonzero(columns >= 0)
    ref_scores = scores[rows, columns[rows]]
    others = (scores[rows].sum(axis=1) - ref_scores) / max(len(alphabet) - 1, 1)
    importance = np.zeros_like(scores)
    importance[rows, columns[rows]] = ref_scores - others
    return importance
