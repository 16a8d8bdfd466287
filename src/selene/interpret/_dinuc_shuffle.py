"""Dinucleotide shuffles of one-hot sequences (Altschul & Erickson 1985, via Euler trails).

A sequence is a walk over the letters; its dinucleotides are the edges. A random Euler trail
from the first to the last letter that uses every edge once is a shuffle with exactly the same
dinucleotide (and letter) counts. Each letter's last exit is chosen first so that together they
form a random tree into the last letter (Wilson's random walks); the other exits are permuted,
and the trail is walked. Hand-written (about 60 lines) rather than taken from ``ushuffle`` or
tangermeme, which are not dependencies, to work on ``(N, A, L)`` arrays and a numpy ``Generator``.
"""

from __future__ import annotations

import numpy as np


def _shuffle_codes(codes: np.ndarray, n_letters: int, rng: np.random.Generator) -> np.ndarray:
    """One dinucleotide shuffle of integer codes ``(L,)`` in ``[0, n_letters)``."""
    if codes.size < 3:
        return codes.copy()
    exits = [list(codes[1:][codes[:-1] == v]) for v in range(n_letters)]
    last = int(codes[-1])
    # Last exits: loop-erased random walks into ``last`` over the letters that have exits.
    last_exit: dict[int, int] = {}
    in_tree = {last}
    for start in sorted({int(c) for c in codes[:-1]}):
        v = start
        while v not in in_tree:
            last_exit[v] = int(exits[v][rng.integers(len(exits[v]))])
            v = last_exit[v]
        v = start
        while v not in in_tree:
            in_tree.add(v)
            v = last_exit[v]
    order: list[list[int]] = []
    for v in range(n_letters):
        rest = list(exits[v])
        if v in last_exit:
            rest.remove(last_exit[v])
        perm = [rest[i] for i in rng.permutation(len(rest))]
        if v in last_exit:
            perm.append(last_exit[v])
        order.append(perm[::-1])  # popped from the end
    out = np.empty_like(codes)
    out[0] = v = int(codes[0])
    for i in range(1, codes.size):
        v = order[v].pop()
        out[i] = v
    return out


def dinucleotide_shuffle(
    x: np.ndarray, n_shuffles: int, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Dinucleotide-shuffled copies of one-hot sequences.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, A, L)
        One-hot sequences; all-zero columns (unknown bases) are a letter of their own and stay
        all-zero.
    n_shuffles : int
        Shuffles per sequence.
    random_state : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same shuffles.

    Returns
    -------
    numpy.ndarray, shape (N, n_shuffles, A, L)
        Same dtype as ``x``; every shuffle has the dinucleotide counts of its sequence.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be one-hot of shape (N, alphabet, length); got {x.shape}")
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be >= 1; got {n_shuffles}")
    column_sums = x.sum(axis=1)
    if not (np.isin(x, (0, 1)).all() and np.isin(column_sums, (0, 1)).all()):
        raise ValueError(
            "x must be one-hot (0/1, at most one 1 per position) to be dinucleotide-shuffled; "
            "pass references= of your own for soft inputs"
        )
    rng = np.random.default_rng(random_state)
    n, a, length = x.shape
    codes = np.where(column_sums == 1, x.argmax(axis=1), a)  # unknown base -> letter ``a``
    eye = np.vstack([np.eye(a, dtype=x.dtype), np.zeros((1, a), dtype=x.dtype)])
    out = np.empty((n, n_shuffles, a, length), dtype=x.dtype)
    for i in range(n):
        for k in range(n_shuffles):
            out[i, k] = eye[_shuffle_codes(codes[i], a + 1, rng)].T
    return out
