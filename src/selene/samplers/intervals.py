"""``IntervalsSampler``: windows centred at random positions inside user-given intervals."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selene import sequences
from selene.io.bed import read_bed
from selene.samplers._windows import CenterDrawer
from selene.samplers.online import OnlineSampler
from selene.samplers.splits import (
    partition_by_chromosome,
    partition_by_proportion,
    sampling_weights,
)
from selene.targets import Target
from selene.utils.warnings import SeleneWarning

__all__ = ["IntervalsSampler"]


class IntervalDrawer:
    """Centres ``start + floor(u * length)`` of intervals drawn in proportion to their length."""

    def __init__(
        self,
        mode: str,
        chrom_ids: np.ndarray,
        starts: np.ndarray,
        lengths: np.ndarray,
        cumulative: np.ndarray,
    ) -> None:
        self.mode, self.chrom_ids, self.starts, self.lengths = mode, chrom_ids, starts, lengths
        self.cumulative = cumulative

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` (chromosome id, centre) pairs."""
        k = np.minimum(
            np.searchsorted(self.cumulative, rng.random(n), side="right"), self.chrom_ids.size - 1
        )
        offsets = (rng.random(n) * self.lengths[k]).astype(np.int64)
        return self.chrom_ids[k], self.starts[k] + offsets


class IntervalsSampler(OnlineSampler):
    """Windows centred at random positions inside the intervals of a BED file.

    As in the Selene SDK, an interval is drawn in proportion to its length and a centre
    uniformly inside it; a proportional holdout holds out that fraction of the intervals.
    Windows that would run off a chromosome end are redrawn.

    Parameters
    ----------
    reference_sequence, target_path, features
        See ``OnlineSampler`` (``target=`` too, through ``kwargs``).
    intervals_path : path
        BED file (plain, gzip or bgzip); the first three columns (chrom, start, end) are used.
        Required.
    sample_negative : bool
        Also keep windows with no positive label (the Selene SDK's default, False, redraws
        them).
    **kwargs
        Any other ``OnlineSampler`` parameter (seed, holdouts, sequence_length, ...);
        ``exclude_chrs`` defaults to none here, as in the Selene SDK.

    Warns
    -----
    SeleneWarning
        Once, counting intervals on chromosomes not in the reference (they are skipped).
    """

    def __init__(
        self,
        reference_sequence: sequences.Sequence | str | os.PathLike[str],
        target_path: Target | str | os.PathLike[str] | None = None,
        features: Sequence[str] | str | Path | None = None,
        intervals_path: str | Path | None = None,
        sample_negative: bool = False,
        **kwargs: Any,
    ) -> None:
        if intervals_path is None:
            raise TypeError(
                f"{type(self).__name__} needs intervals_path, a BED of the regions to sample"
            )
        self.intervals_path = Path(intervals_path)
        self.sample_negative = bool(sample_negative)
        kwargs.setdefault("exclude_chrs", ())  # the Selene SDK excludes none here
        super().__init__(
            reference_sequence, target_path, features, keep_negative=self.sample_negative, **kwargs
        )

    def _partition(self) -> dict[str, CenterDrawer]:
        bed = read_bed(self.intervals_path, columns=3)
        names = self.reference_sequence.get_chrs()
        index = {name: i for i, name in enumerate(names)}
        ids = np.array([index.get(c, -1) for c in bed.chroms], np.int64)[bed.chrom]
        known = ids >= 0
        if not known.all():
            unknown = sorted(c for c in bed.chroms if c not in index)
            warnings.warn(
                f"{self.intervals_path.name}: skipped {int((~known).sum())} of {known.size} "
                f"intervals on chromosomes not in the reference: {unknown[:5]} (check the 'chr' "
                "prefix)",
                SeleneWarning,
                stacklevel=4,
            )
        excluded = np.array([self._excluded(c) for c in bed.chroms], dtype=bool)
        keep = known & ~excluded[bed.chrom]
        cids = ids[keep]
        chroms_kept = [names[i] for i in cids.tolist()]
        starts, ends = bed.starts, bed.ends
        starts, lengths = starts[keep], (ends - starts)[keep]
        if self._holdout_type == "chromosome":
            source = getattr(self.reference_sequence, "path", "the reference")
            parts = partition_by_chromosome(
                chroms_kept,
                self.validation_holdout,
                self.test_holdout,
                names,
                getattr(source, "name", str(source)),
            )
        else:
            parts = partition_by_proportion(
                cids.size, self.validation_holdout, self.test_holdout, self.seed
            )
        drawers: dict[str, CenterDrawer] = {}
        for mode in self.modes:
            idx, cumulative = sampling_weights(lengths, parts[mode], mode, "intervals")
            drawers[mode] = IntervalDrawer(mode, cids[idx], starts[idx], lengths[idx], cumulative)
        return drawers
