"""Train / validation / test partitions, by held-out chromosomes or by proportion.

The rules are the Selene SDK's: a holdout is either a list of chromosome names (every item on
those chromosomes goes to that partition) or a float in (0, 1) (that fraction of the items, after
a shuffle seeded like Selene's ``np.random.seed(seed); np.random.shuffle(...)``, so the same seed
gives the same partition as the Selene SDK). The test holdout is optional; when it is given, both
holdouts must be of the same kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = [
    "MODES",
    "Holdout",
    "holdout_type",
    "modes_for",
    "partition_by_chromosome",
    "partition_by_proportion",
    "sampling_weights",
]

MODES = ("train", "validate", "test")
"""The partitions a sampler can draw from, named as in the Selene SDK."""

Holdout = Sequence[str] | float | None
"""A list of held-out chromosome names, a proportion in (0, 1), or None (no test partition)."""


def _is_names(holdout: object) -> bool:
    # Hydra passes ListConfig, not list: accept any non-string sequence.
    return isinstance(holdout, Sequence) and not isinstance(holdout, str | bytes)


def holdout_type(
    validation_holdout: Holdout, test_holdout: Holdout
) -> Literal["chromosome", "proportion"]:
    """Check two holdouts and say which kind they are.

    Parameters
    ----------
    validation_holdout : list of str or float
        Held-out chromosome names, or the proportion of items to hold out.
    test_holdout : list of str or float or None
        Same kind as ``validation_holdout``; None or empty means no test partition.

    Returns
    -------
    {"chromosome", "proportion"}

    Raises
    ------
    ValueError
        If a holdout is neither a list of names nor a float in (0, 1), or if the two differ in
        kind.
    """
    kinds = []
    for name, holdout in (
        ("validation_holdout", validation_holdout),
        ("test_holdout", test_holdout),
    ):
        if name == "test_holdout" and not test_holdout:
            continue
        if _is_names(holdout):
            kinds.append("chromosome")
        elif isinstance(holdout, float | int) and not isinstance(holdout, bool):
            if not 0.0 < float(holdout) < 1.0:
                raise ValueError(f"{name} as a proportion must be in (0, 1); got {holdout!r}")
            kinds.append("proportion")
        else:
            raise ValueError(
                f"{name} must be a list of chromosome names or a proportion in (0, 1); "
                f"got {holdout!r} ({type(holdout).__name__})"
            )
    if len(set(kinds)) > 1:
        raise ValueError(
            "validation_holdout and test_holdout must be of the same kind (both lists of "
            f"chromosomes or both proportions); got {validation_holdout!r} and {test_holdout!r}"
        )
    return kinds[0]  # type: ignore[return-value]


def modes_for(test_holdout: Holdout) -> tuple[str, ...]:
    """List the partitions for this test holdout (``test`` only when one is given)."""
    return MODES if test_holdout else MODES[:2]


def partition_by_chromosome(
    item_chroms: Sequence[str] | np.ndarray,
    validation_holdout: Sequence[str],
    test_holdout: Sequence[str] | None,
    known_chroms: Sequence[str],
    source: str = "the reference sequence",
) -> dict[str, np.ndarray]:
    """Assign items to partitions by the chromosome they lie on.

    Parameters
    ----------
    item_chroms : sequence of str, length N
        The chromosome of each item (a chromosome, an interval, ...).
    validation_holdout, test_holdout : list of str
        Chromosomes held out for validation and test (``test_holdout`` may be None).
    known_chroms : sequence of str
        Every chromosome of the reference; a holdout chromosome must be one of them.
    source : str
        Named in the error message (e.g. the FASTA file name).

    Returns
    -------
    dict
        Mode name -> sorted int64 indices into ``item_chroms``.

    Raises
    ------
    KeyError
        If a holdout chromosome is not in ``known_chroms``.
    """
    val = [str(c) for c in validation_holdout]
    test = [str(c) for c in test_holdout] if test_holdout else []
    known = set(known_chroms)
    missing = [c for c in val + test if c not in known]
    if missing:
        raise KeyError(
            f"holdout chromosome(s) {missing} not in {source}; known: {sorted(known)[:6]}... "
            "(check the 'chr' prefix)"
        )
    chroms = np.asarray(item_chroms, dtype=object)
    in_val = np.isin(chroms, val)
    in_test = np.isin(chroms, test) & ~in_val
    parts = {
        "train": np.flatnonzero(~in_val & ~in_test),
        "validate": np.flatnonzero(in_val),
    }
    if test_holdout:
        parts["test"] = np.flatnonzero(in_test)
    return parts


def partition_by_proportion(
    n_items: int, validation_holdout: float, test_holdout: float | None, seed: int
) -> dict[str, np.ndarray]:
    """Assign a shuffled proportion of items to validation and test, the rest to train.

    Parameters
    ----------
    n_items : int
        Number of items to split.
    validation_holdout, test_holdout : float
        Proportions in (0, 1); ``int(n_items * p)`` items go to each holdout.
    seed : int
        The shuffle is ``np.random.RandomState(seed).permutation``, which equals the Selene SDK's
        ``np.random.seed(seed); np.random.shuffle(indices)``.

    Returns
    -------
    dict
        Mode name -> sorted int64 indices.
    """
    order = np.random.RandomState(seed).permutation(n_items)
    n_val = int(n_items * validation_holdout)
    parts = {"validate": order[:n_val]}
    end = n_val
    if test_holdout:
        end = n_val + int(n_items * test_holdout)
        parts["test"] = order[n_val:end]
    parts["train"] = order[end:]
    return {mode: np.sort(idx).astype(np.int64) for mode, idx in parts.items()}


def sampling_weights(
    lengths: np.ndarray, indices: np.ndarray, mode: str, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the items with room to sample from, weighted by length.

    Parameters
    ----------
    lengths : np.ndarray, shape (N,)
        The sampling length of every item (<= 0: nothing to sample).
    indices : np.ndarray
        The items of one partition.
    mode : str
        The partition's name, for the error message.
    what : str
        What the items are (``"chromosomes"``, ``"intervals"``), for the error message.

    Returns
    -------
    indices : np.ndarray[int64]
        The items kept.
    cumulative : np.ndarray[float64]
        Cumulative probabilities (last = 1), for ``np.searchsorted(cumulative, u, "right")``.

    Raises
    ------
    ValueError
        If no item of the partition has room for a window.
    """
    indices = np.asarray(indices, dtype=np.int64)
    sizes = np.asarray(lengths, dtype=np.float64)[indices] if indices.size else np.zeros(0)
    keep = sizes > 0
    if not keep.any():
        raise ValueError(
            f"the {mode!r} partition has no valid position: {indices.size} {what}, none long "
            "enough for a window (check the holdouts, exclude_chrs and sequence_length)"
        )
    indices, sizes = indices[keep], sizes[keep]
    cumulative = np.cumsum(sizes) / sizes.sum()
    cumulative[-1] = 1.0
    return indices, cumulative
