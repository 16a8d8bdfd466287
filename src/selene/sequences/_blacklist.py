"""Blacklist regions: BED intervals merged into one sorted array, queried with ``searchsorted``."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from selene.io.bed import read_bed

_log = logging.getLogger(__name__)


class Blacklist:
    """Regions to avoid, laid out in the flat coordinates of a reference.

    Parameters
    ----------
    path : Path
        A BED file (plain, gzip or bgzip); only the first three columns are read. Lines on
        chromosomes absent from the reference are ignored.
    chrom_ids : dict[str, int]
        Chromosome name -> index into ``offsets`` and ``lengths``.
    offsets, lengths : np.ndarray, shape (C,), dtype int64
        Where each chromosome starts in the flat coordinates, and its length.
    """

    def __init__(
        self, path: Path, chrom_ids: dict[str, int], offsets: np.ndarray, lengths: np.ndarray
    ) -> None:
        self.path = path
        self._offsets, self._lengths = offsets, lengths
        if not path.is_file():
            raise FileNotFoundError(f"blacklist file not found: {path}")
        bed = read_bed(path, columns=3)
        codes = np.array([chrom_ids.get(name, -1) for name in bed.chroms], dtype=np.int64)
        skipped = [name for name, code in zip(bed.chroms, codes.tolist(), strict=True) if code < 0]
        if skipped:
            _log.info(
                "%s: ignored regions on %d chromosome(s) absent from the reference: %s",
                path,
                len(skipped),
                sorted(skipped)[:5],
            )
        ids_ = codes[bed.chrom]
        known = ids_ >= 0
        ids_ = ids_[known]
        starts_ = bed.starts[known]
        ends_ = np.minimum(bed.ends[known], lengths[ids_])
        keep = starts_ < ends_
        self._starts, self._ends = _merge(
            offsets[ids_][keep] + starts_[keep], offsets[ids_][keep] + ends_[keep]
        )

    def __len__(self) -> int:
        return int(self._starts.size)

    def overlaps(self, chrom_ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Whether each window overlaps a region (windows are clipped to their chromosome).

        Parameters
        ----------
        chrom_ids, starts, ends : np.ndarray, shape (N,), integer

        Returns
        -------
        np.ndarray, shape (N,), dtype bool
        """
        chrom_ids = np.asarray(chrom_ids, dtype=np.int64)
        lo = self._offsets[chrom_ids] + np.maximum(np.asarray(starts, dtype=np.int64), 0)
        hi = self._offsets[chrom_ids] + np.minimum(
            np.asarray(ends, dtype=np.int64), self._lengths[chrom_ids]
        )
        if self._starts.size == 0:
            return np.zeros(lo.shape, dtype=bool)
        # The first region ending after the window's start overlaps it iff it starts before
        # the window's end.
        first = np.searchsorted(self._ends, lo, side="right")
        found = first < self._starts.size
        nearest = self._starts[np.minimum(first, self._starts.size - 1)]
        return found & (nearest < hi) & (lo < hi)


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping intervals; returns sorted, disjoint starts and ends."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    new = np.ones(starts.size, dtype=bool)
    new[1:] = starts[1:] > ends[:-1]
    last = np.append(np.flatnonzero(new)[1:] - 1, starts.size - 1)
    return starts[new], ends[last]
