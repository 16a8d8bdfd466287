"""Consensus motifs: design a set of mutually dissimilar motifs and find them in sequences."""

from __future__ import annotations

import numpy as np

from selene.sequences.encoding import reverse_complement

BASES = "ACGT"
_BASES_ARR = np.array(list(BASES))


def _kmer_size(n_motifs: int, min_length: int, max_length: int) -> int:
    """Pick the shortest k for which ``n_motifs`` motifs fill under ~15% of the k-mer space.

    Two motifs sharing no k-mer on either strand have low mutual similarity; a small k is
    stricter, so it is used whenever the k-mer space leaves room for rejection sampling.
    """
    mean_length = (min_length + max_length) / 2
    for k in range(5, min_length):
        if n_motifs * 2 * (mean_length - k + 1) <= 0.15 * 4**k:
            return k
    return min_length - 1


def _complex_enough(motif: str) -> bool:
    """Reject low-complexity motifs: homopolymer runs >= 4, < 3 distinct bases, extreme GC."""
    gc = (motif.count("G") + motif.count("C")) / len(motif)
    if len(set(motif)) < 3 or not 0.3 <= gc <= 0.7:
        return False
    return not any(base * 4 in motif for base in BASES)


def _kmers(sequence: str, k: int) -> set[str]:
    return {sequence[i : i + k] for i in range(len(sequence) - k + 1)}


def design_motifs(
    n_motifs: int, rng: np.random.Generator, length: tuple[int, int] = (10, 12)
) -> list[str]:
    """Draw ``n_motifs`` distinct consensus motifs with low mutual similarity.

    No two motifs (nor a motif and its own reverse complement) share a k-mer on either strand,
    with k chosen by :func:`_kmer_size` (6 for ~20 motifs, 8 for ~1000).

    Parameters
    ----------
    n_motifs : int
        How many motifs to draw.
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same motifs.
    length : tuple of int
        Inclusive range of motif lengths.

    Returns
    -------
    list of str
        Upper-case motifs over ``ACGT``.
    """
    low, high = length
    if not 6 <= low <= high:
        raise ValueError(f"motif length range must satisfy 6 <= low <= high, got {length}")
    k = _kmer_size(n_motifs, low, high)
    seen: set[str] = set()
    motifs: list[str] = []
    for _ in range(200 * n_motifs + 1000):
        if len(motifs) == n_motifs:
            break
        size = int(rng.integers(low, high + 1))
        motif = "".join(_BASES_ARR[rng.integers(0, 4, size)])
        if not _complex_enough(motif):
            continue
        forward, reverse = _kmers(motif, k), _kmers(reverse_complement(motif), k)
        if forward & reverse or (forward | reverse) & seen:
            continue
        seen |= forward | reverse
        motifs.append(motif)
    if len(motifs) < n_motifs:
        raise ValueError(
            f"could only design {len(motifs)} of {n_motifs} dissimilar motifs of length "
            f"{low}-{high}; use longer motifs or fewer features"
        )
    return motifs


def find_motif(sequence: str, motif: str) -> list[tuple[int, str]]:
    """Find every exact occurrence of ``motif`` on either strand, ignoring case.

    Parameters
    ----------
    sequence : str
        The sequence to search (``+`` strand).
    motif : str
        The consensus motif.

    Returns
    -------
    list of tuple (int, str)
        ``(start, strand)`` pairs, 0-based on ``sequence``; strand ``-`` means the reverse
        complement of the motif occurs there.
    """
    sequence = sequence.upper()
    hits = []
    for strand, pattern in (("+", motif.upper()), ("-", reverse_complement(motif.upper()))):
        start = sequence.find(pattern)
        while start != -1:
            hits.append((start, strand))
            start = sequence.find(pattern, start + 1)
    return sorted(set(hits))
