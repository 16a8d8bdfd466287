"""Where things go on the synthetic genome: blacklist, peaks with planted motifs, intervals.

The genome is cut into 1 kb slots. A slot is usable when no ``N`` and no blacklisted base lies
within 500 bp of it; each peak site takes one usable slot, so sites never overlap and every
1 kb window centred on a peak is free of blacklist regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._motifs import reverse_complement

SLOT = 1000
MARGIN = 500
SITE_LENGTH = (200, 400)
CORE = 150  # motif copies go in the central 150 bp of a site
JITTER = 25  # a co-occurring feature's peak is shifted by up to this much
FLANK = 100  # intervals.bed extends each peak site by this much on both sides
CO_OCCURRENCE = 0.2  # fraction of sites that carry a second feature
COPIES = (3, 5)  # motif copies per feature per site (a strong signal trains fast)
_CODES = {base: code for code, base in enumerate("ACGT")}


@dataclass
class Layout:
    """Peaks and planted motif occurrences, all in 0-based half-open coordinates.

    Attributes
    ----------
    peaks : list of tuple (int, int, int, int)
        ``(chrom index, start, end, feature index)`` per feature peak.
    sites : list of tuple (int, int, int)
        ``(chrom index, start, end)`` per site (a site holds the peaks of 1 or 2 features).
    occurrences : list of tuple (int, int, int, str)
        ``(chrom index, start, feature index, strand)`` per planted motif copy.
    reserved : list of tuple (int, int, int, str)
        Occurrences that are the only motif copy of a single-feature site: variants that
        destroy one of these leave their peak with no motif.
    free_slots : numpy.ndarray, shape (n, 2)
        ``(chrom index, slot start)`` of usable slots left empty, in random order.
    """

    peaks: list[tuple[int, int, int, int]] = field(default_factory=list)
    sites: list[tuple[int, int, int]] = field(default_factory=list)
    occurrences: list[tuple[int, int, int, str]] = field(default_factory=list)
    reserved: list[tuple[int, int, int, str]] = field(default_factory=list)
    free_slots: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


def motif_codes(motif: str, strand: str) -> np.ndarray:
    """Codes of the motif as it reads on the ``+`` strand when planted on ``strand``."""
    text = motif if strand == "+" else reverse_complement(motif)
    return np.array([_CODES[b] for b in text], dtype=np.uint8)


def blacklist(lengths: list[int], rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """Two blacklist regions per chromosome, each about 1% of it (0.5-20 kb).

    Returns
    -------
    list of tuple (int, int, int)
        ``(chrom index, start, end)``.
    """
    regions = []
    for chrom, length in enumerate(lengths):
        size = int(np.clip(length // 100, 500, 20_000))
        for start in np.sort(rng.integers(0, length - size, 2)):
            regions.append((chrom, int(start), int(start) + size))
    return regions


def usable_slots(forbidden: list[np.ndarray]) -> np.ndarray:
    """``(chrom index, slot start)`` of the slots with no forbidden base within ``MARGIN``.

    Slots start at multiples of ``SLOT``; the first and the last slot of a chromosome are never
    usable.
    """
    found = []
    for chrom, mask in enumerate(forbidden):
        length = len(mask)
        cumulative = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        # the margin must lie inside the chromosome too, so windows around peaks need no padding
        starts = np.arange(SLOT, length - SLOT - MARGIN + 1, SLOT)
        ok = starts[cumulative[starts + SLOT + MARGIN] == cumulative[starts - MARGIN]]
        found.append(np.stack([np.full(len(ok), chrom), ok], axis=1))
    return np.concatenate(found).astype(np.int64)


def plant_peaks(
    codes: list[np.ndarray],
    masks: list[np.ndarray],
    motifs: list[str],
    slots: np.ndarray,
    peaks_per_feature: int,
    n_reserved: int,
    rng: np.random.Generator,
) -> Layout:
    """Choose peak sites, assign features and plant 3-5 motif copies per feature per site.

    ``codes`` and ``masks`` are modified in place: motif copies are written upper-case.

    Parameters
    ----------
    codes, masks : list of numpy.ndarray
        Base codes and soft-mask flags per chromosome.
    motifs : list of str
        One consensus motif per feature.
    slots : numpy.ndarray, shape (n, 2)
        Usable slots from :func:`usable_slots`.
    peaks_per_feature : int
        Target number of peaks per feature (co-occurrence makes it approximate).
    n_reserved : int
        Single-feature, single-copy sites to keep for destroying variants.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Layout
    """
    n_features = len(motifs)
    n_labels = n_features * peaks_per_feature
    n_sites = int(round(n_labels / (1 + CO_OCCURRENCE))) if n_features > 1 else n_labels
    n_double = n_labels - n_sites
    if n_sites > len(slots):
        raise ValueError(
            f"{n_sites} peak sites do not fit in {len(slots)} usable 1 kb slots; lower "
            f"peaks_per_feature (got {peaks_per_feature}) or enlarge the genome"
        )
    n_reserved = min(n_reserved, n_sites - n_double)
    primary = rng.permutation(np.resize(np.arange(n_features), n_sites))
    # sites [n_double, n_double + n_reserved) are single-copy sites covering the features in turn
    primary[n_double : n_double + n_reserved] = np.arange(n_reserved) % n_features
    _give_every_feature_a_site(primary, n_features, range(n_double, n_double + n_reserved))
    secondary = (primary + rng.integers(1, max(n_features, 2), n_sites)) % n_features
    order = rng.permutation(len(slots))
    site_slots = slots[order[:n_sites]]
    lengths = rng.integers(SITE_LENGTH[0], SITE_LENGTH[1] + 1, n_sites)
    offsets = rng.integers(JITTER, SLOT - lengths - JITTER + 1)
    copies = rng.integers(COPIES[0], COPIES[1] + 1, (n_sites, 2))
    jitter = rng.integers(-JITTER, JITTER + 1, n_sites)
    planted = {(f, s): motif_codes(m, s) for f, m in enumerate(motifs) for s in ("+", "-")}

    layout = Layout(free_slots=slots[order[n_sites:]])
    for i in range(n_sites):
        chrom, start = int(site_slots[i, 0]), int(site_slots[i, 1] + offsets[i])
        end = start + int(lengths[i])
        layout.sites.append((chrom, start, end))
        features = [int(primary[i])]
        layout.peaks.append((chrom, start, end, features[0]))
        if i < n_double:
            features.append(int(secondary[i]))
            layout.peaks.append((chrom, start + int(jitter[i]), end + int(jitter[i]), features[1]))
        n_copies = [1] if n_double <= i < n_double + n_reserved else copies[i, : len(features)]
        items = [
            (f, s)
            for f, c in zip(features, n_copies, strict=True)
            for s in rng.choice(["+", "-"], c)
        ]
        items = [items[j] for j in rng.permutation(len(items))]
        sizes = [len(motifs[f]) for f, _ in items]
        cuts = np.sort(rng.integers(0, CORE - sum(sizes) + 1, len(items)))
        position = (start + end) // 2 - CORE // 2
        for (feature, strand), size, cut in zip(items, sizes, cuts, strict=True):
            at = position + int(cut)
            codes[chrom][at : at + size] = planted[feature, str(strand)]
            masks[chrom][at : at + size] = False
            layout.occurrences.append((chrom, at, feature, str(strand)))
            position += size
        if n_double <= i < n_double + n_reserved:
            layout.reserved.append(layout.occurrences[-1])
    return layout


def _give_every_feature_a_site(primary: np.ndarray, n_features: int, fixed: range) -> None:
    """Move features the reserved block displaced onto sites of features that have several.

    Without it, a feature whose only sites fell in the reserved block would have no peak (and
    the samplers refuse a listed feature with no interval). Deterministic and a no-op when every
    feature already has a site, so existing data sets stay the same; with fewer sites than
    features it moves what it can.
    """
    counts = np.bincount(primary, minlength=n_features)
    for feature in np.flatnonzero(counts == 0):
        spare = [i for i in range(len(primary)) if i not in fixed and counts[primary[i]] > 1]
        if not spare:  # fewer sites than features: the rest get peaks as second features
            return
        counts[primary[spare[0]]] -= 1
        primary[spare[0]], counts[feature] = feature, 1


def intervals(layout: Layout, n_background: int) -> list[tuple[int, int, int]]:
    """Regions for an ``IntervalsSampler``: each site +- ``FLANK``, plus background slots.

    Returns
    -------
    list of tuple (int, int, int)
        ``(chrom index, start, end)``, sorted and merged.
    """
    regions = [(c, s - FLANK, e + FLANK) for c, s, e in layout.sites]
    regions += [(int(c), int(s), int(s) + SLOT) for c, s in layout.free_slots[:n_background]]
    regions.sort()
    merged: list[tuple[int, int, int]] = []
    for chrom, start, end in regions:
        if merged and merged[-1][0] == chrom and start <= merged[-1][2]:
            merged[-1] = (chrom, merged[-1][1], max(end, merged[-1][2]))
        else:
            merged.append((chrom, start, end))
    return merged
