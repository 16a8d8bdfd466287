"""Coverage tracks for the synthetic genome: read pile-ups shaped by the planted motifs.

One bigWig per feature. Reads of ``READ_LENGTH`` bp start at random: a uniform background
whose expected coverage is ``BACKGROUND`` per base, plus, at each copy of the feature's motif
in the genome, a Poisson number of reads (mean: the feature's reads per copy, drawn once per
feature log-uniformly in ``READS_PER_COPY``) centred on the copy's centre with a Gaussian
spread of sd ``PEAK_SD``. The coverage of a base is the number of reads over it, so it is a
Poisson count whose mean, :func:`expected_coverage`, depends only on where the motif occurs:
a peak ~100 bp wide (sd 20 convolved with 50 bp reads) per copy, and a site with 3-5 copies
in 150 bp is a taller, wider peak. Bases in ``N`` runs have no data (no bigWig record).
A pile-up changes value only where a read starts or ends, so the files stay small.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from selene.io.bigwig import value_runs, write_bigwig

from ._motifs import find_motif

READ_LENGTH = 50
PEAK_SD = 20.0
BACKGROUND = 0.2  # expected coverage per base away from motifs
READS_PER_COPY = (10.0, 40.0)  # a feature's mean reads per motif copy, drawn log-uniformly
_REACH = READ_LENGTH + int(6 * PEAK_SD)  # a copy's expected coverage beyond this is < 1e-8


def reads_per_copy(n_features: int, rng: np.random.Generator) -> np.ndarray:
    """Draw each feature's mean number of reads per motif copy (log-uniform).

    Returns
    -------
    numpy.ndarray, shape (n_features,), dtype float64
        Rounded to 2 decimals, so the manifest stores them exactly.
    """
    low, high = np.log(READS_PER_COPY)
    return np.round(np.exp(rng.uniform(low, high, n_features)), 2)


def motif_centres(sequence: str, motif: str) -> np.ndarray:
    """Centres (``start + len(motif) // 2``) of the motif's copies on either strand.

    Returns
    -------
    numpy.ndarray, shape (n,), dtype int64
    """
    starts = [start for start, _ in find_motif(sequence, motif)]
    return np.asarray(starts, dtype=np.int64) + len(motif) // 2


def expected_coverage(length: int, centres: np.ndarray, reads: float) -> np.ndarray:
    """Return the noiseless coverage: ``BACKGROUND`` plus each copy's expected pile-up.

    Parameters
    ----------
    length : int
        Chromosome length.
    centres : numpy.ndarray of int
        Motif copy centres from :func:`motif_centres`.
    reads : float
        The feature's mean reads per copy.

    Returns
    -------
    numpy.ndarray, shape (length,), dtype float64
    """
    offsets = np.arange(-_REACH, _REACH + 1)
    # a read starts at c - READ_LENGTH // 2 + round(z), z ~ N(0, PEAK_SD), and covers
    # [start, start + READ_LENGTH): base c + d is covered when round(z) lies in
    # [d + READ_LENGTH // 2 - READ_LENGTH + 1, d + READ_LENGTH // 2]
    upper = (offsets + READ_LENGTH // 2 + 0.5) / PEAK_SD
    profile = reads * (ndtr(upper) - ndtr(upper - READ_LENGTH / PEAK_SD))
    coverage = np.full(length, BACKGROUND)
    at = (np.asarray(centres, dtype=np.int64)[:, None] + offsets).ravel()
    inside = (at >= 0) & (at < length)
    np.add.at(coverage, at[inside], np.tile(profile, len(centres))[inside])
    return coverage


def expected_track(sequence: str, motif: str, reads: float) -> np.ndarray:
    """Return :func:`expected_coverage` for a whole chromosome, NaN where it has no data.

    Returns
    -------
    numpy.ndarray, shape (len(sequence),), dtype float64
    """
    coverage = expected_coverage(len(sequence), motif_centres(sequence, motif), reads)
    coverage[_no_data(sequence)] = np.nan
    return coverage


def _no_data(sequence: str) -> np.ndarray:
    """Where a track has no data: the ``N`` bases."""
    letters = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
    return (letters == ord("N")) | (letters == ord("n"))


def sample_coverage(
    length: int, centres: np.ndarray, reads: float, rng: np.random.Generator
) -> np.ndarray:
    """Draw reads as described in the module docstring and pile them up.

    Returns
    -------
    numpy.ndarray, shape (length,), dtype int32
        Reads over each base; its mean is :func:`expected_coverage`.
    """
    # background starts cover [-(READ_LENGTH - 1), length): every base sees the same rate
    span = length + READ_LENGTH - 1
    n_background = rng.poisson(BACKGROUND / READ_LENGTH * span)
    background = rng.integers(0, span, n_background) - (READ_LENGTH - 1)
    per_copy = rng.poisson(reads, len(centres))
    spread = np.rint(rng.normal(0.0, PEAK_SD, int(per_copy.sum()))).astype(np.int64)
    peaks = np.repeat(np.asarray(centres, dtype=np.int64), per_copy) - READ_LENGTH // 2 + spread
    starts = np.concatenate([background, peaks])
    steps = np.zeros(length + 1, dtype=np.int32)
    np.add.at(steps, np.clip(starts, 0, length), 1)
    np.add.at(steps, np.clip(starts + READ_LENGTH, 0, length), -1)
    return np.cumsum(steps[:length], dtype=np.int32)


def _track_blocks(
    names: list[str],
    sequences: list[str],
    no_data: list[np.ndarray],
    motif: str,
    reads: float,
    rng: np.random.Generator,
) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield one feature's ``(chrom, starts, ends, values)`` runs, chromosome by chromosome."""
    for name, sequence, missing in zip(names, sequences, no_data, strict=True):
        counts = sample_coverage(len(sequence), motif_centres(sequence, motif), reads, rng)
        values = counts.astype(np.float64)
        values[missing] = np.nan
        yield (name, *value_runs(values))


def write_tracks(
    folder: Path,
    names: list[str],
    sequences: list[str],
    motifs: dict[str, str],
    rng: np.random.Generator,
) -> dict[str, float]:
    """Write ``folder/<feature>.bw`` for every feature, drawing its reads per copy first.

    Parameters
    ----------
    folder : pathlib.Path
        Created if missing.
    names, sequences : list of str
        Chromosome names and their sequences.
    motifs : dict of str to str
        Feature -> consensus motif.
    rng : numpy.random.Generator
        Source of the amplitudes and the counting noise.

    Returns
    -------
    dict of str to float
        Feature -> mean reads per motif copy (:func:`reads_per_copy`).
    """
    sizes = {name: len(sequence) for name, sequence in zip(names, sequences, strict=True)}
    reads = dict(zip(motifs, reads_per_copy(len(motifs), rng).tolist(), strict=True))
    no_data = [_no_data(sequence) for sequence in sequences]
    sequences = [sequence.upper() for sequence in sequences]
    for feature, motif in motifs.items():
        blocks = _track_blocks(names, sequences, no_data, motif, reads[feature], rng)
        write_bigwig(folder / f"{feature}.bw", sizes, blocks)
    return reads
