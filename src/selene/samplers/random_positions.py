"""``RandomPositionsSampler``: windows centred at uniformly random positions of the genome."""

from __future__ import annotations

import numpy as np

from selene.samplers._windows import CenterDrawer
from selene.samplers.online import OnlineSampler
from selene.samplers.splits import (
    partition_by_chromosome,
    partition_by_proportion,
    sampling_weights,
)

__all__ = ["RandomPositionsSampler"]


class ChromDrawer:
    """Centres uniform over ``[lo, hi)`` of chromosomes drawn with the given probabilities.

    Parameters
    ----------
    mode : str
        The partition drawn from (named in errors).
    chrom_ids : np.ndarray[int64]
        Genome chromosome ids to draw from.
    cumulative : np.ndarray[float64]
        Cumulative probability of each chromosome.
    lo, hi : np.ndarray[int64]
        Range of centres on each chromosome.
    """

    def __init__(
        self,
        mode: str,
        chrom_ids: np.ndarray,
        cumulative: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
    ) -> None:
        self.mode = mode
        self.chrom_ids, self.cumulative, self.lo, self.hi = chrom_ids, cumulative, lo, hi

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` (chromosome id, centre) pairs."""
        k = np.searchsorted(self.cumulative, rng.random(n), side="right")
        k = np.minimum(k, self.chrom_ids.size - 1)
        return self.chrom_ids[k], rng.integers(self.lo[k], self.hi[k])


class RandomPositionsSampler(OnlineSampler):
    """Windows centred at random positions: a chromosome by length, then a uniform position.

    As in the Selene SDK, a centre lies in ``[L, len - L)`` of its chromosome (``L`` the
    sequence length), chromosomes are drawn in proportion to ``len - 2L`` (to ``len`` with a
    proportional holdout, which holds out that fraction of the chromosomes), and chromosomes
    whose name contains a string of ``exclude_chrs`` are never drawn. See ``OnlineSampler``
    for the parameters.

    Raises
    ------
    KeyError
        If a holdout chromosome is not in the reference.
    ValueError
        If a partition has no chromosome long enough for a window.
    """

    def _partition(self) -> dict[str, CenterDrawer]:
        names = np.asarray(self.reference_sequence.get_chrs(), dtype=object)
        lens = self._reader.chrom_lens
        keep = np.array([i for i, c in enumerate(names) if not self._excluded(c)], np.int64)
        length = self.sequence_length
        room = lens[keep] - 2 * length
        if self._holdout_type == "chromosome":
            source = getattr(self.reference_sequence, "path", "the reference")
            parts = partition_by_chromosome(
                names[keep],
                self.validation_holdout,
                self.test_holdout,
                list(names),
                getattr(source, "name", str(source)),
            )
            weights = room
        else:
            parts = partition_by_proportion(
                keep.size, self.validation_holdout, self.test_holdout, self.seed
            )
            weights = np.where(room > 0, lens[keep], 0)
        drawers: dict[str, CenterDrawer] = {}
        for mode in self.modes:
            idx, cumulative = sampling_weights(weights, parts[mode], mode, "chromosomes")
            cids = keep[idx]
            drawers[mode] = ChromDrawer(
                mode, cids, cumulative, np.full(cids.size, length, np.int64), lens[cids] - length
            )
        return drawers
