"""Read and draw whole batches of windows: coordinates -> codes + labels, vectorised.

``WindowReader`` is the part of an online sampler that DataLoader workers need: it pickles
without the LightningDataModule (and its trainer) around it.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from selene import sequences
from selene.samplers._kernels import count_unknown
from selene.samplers._labels import LabelReader
from selene.targets import Target

Batch = dict[str, Any]


class CenterDrawer(Protocol):
    """Draws candidate window centres for one partition (a sampler-specific rule)."""

    mode: str
    chrom_ids: np.ndarray  # genome chromosome ids it may draw from

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``n`` (genome chromosome id, centre position) pairs."""
        ...


class WindowReader:
    """Turns window coordinates into batches, and draws valid windows by rejection.

    Parameters
    ----------
    genome : selene.sequences.Sequence
        Reference; ``get_encodings`` and ``blacklisted_batch`` are used.
    target : selene.targets.Target
        Labels, asked a batch at a time (``get_feature_data_batch``) for ``(N, *label_shape)``.
    sequence_length : int
        Window length.
    bin_start, bin_end : int
        Offsets of the labelled span from the window start (see ``label_span``).
    strand : {"random", "+"}
        Random strand per window (as the Selene SDK draws it) or forward only.
    max_n_fraction : float
        Windows with a larger fraction of ``N`` are rejected.
    keep_negative : bool
        False: reject windows with no positive label, or whose tracks are all 0
        (``IntervalsSampler(sample_negative=False)``).
    """

    def __init__(
        self,
        genome: sequences.Sequence,
        target: Target,
        sequence_length: int,
        bin_start: int,
        bin_end: int,
        strand: str = "random",
        max_n_fraction: float = 0.3,
        keep_negative: bool = True,
    ) -> None:
        self.genome, self.target = genome, target
        self.sequence_length, self.bin_start, self.bin_end = sequence_length, bin_start, bin_end
        self.strand, self.max_n_fraction, self.keep_negative = (
            strand,
            max_n_fraction,
            keep_negative,
        )
        self.chroms = np.asarray(genome.get_chrs(), dtype=object)
        self.chrom_lens = np.array([n for _, n in genome.get_chr_lens()], dtype=np.int64)
        self.label_reader = LabelReader(target, self.chroms.tolist(), bin_start, bin_end)
        self._unk = int(genome.UNK_CODE)

    def labels(self, chrom_ids: np.ndarray, starts: np.ndarray, minus: np.ndarray) -> np.ndarray:
        """Labels of windows starting at ``starts``: float32 ``(N, *label_shape)``."""
        return self.label_reader(chrom_ids, starts, minus)

    def read(self, chrom_ids: np.ndarray, starts: np.ndarray, minus: np.ndarray) -> Batch:
        """Read the batch of given windows (genome chromosome ids, starts, True = '-' strand)."""
        ends = starts + self.sequence_length
        codes = self.genome.get_encodings(chrom_ids, starts, ends, minus)
        return self._batch(chrom_ids, starts, minus, codes, self.labels(chrom_ids, starts, minus))

    def _batch(
        self,
        chrom_ids: np.ndarray,
        starts: np.ndarray,
        minus: np.ndarray,
        codes: np.ndarray,
        targets: np.ndarray,
    ) -> Batch:
        coords = {
            "chrom": self.chroms[chrom_ids].tolist(),
            "start": starts.astype(np.int64),
            "end": (starts + self.sequence_length).astype(np.int64),
            "strand": np.where(minus, "-", "+").tolist(),
        }
        return {"sequence": codes, "targets": targets, "coords": coords}

    def _none_valid(self, rounds: int, drawer: CenterDrawer) -> ValueError:
        return ValueError(
            f"the {getattr(drawer, 'mode', '?')!r} partition gave no valid window in {rounds} "
            f"rounds of candidates: every window was off a chromosome end, blacklisted, over "
            f"{self.max_n_fraction:.0%} N"
            + ("" if self.keep_negative else ", or without a positive label")
        )

    def draw(self, rng: np.random.Generator, drawer: CenterDrawer, n: int) -> Batch:
        """Draw a batch of ``n`` valid windows (see ``draw_arrays``)."""
        return self._batch(*self.draw_arrays(rng, drawer, n))

    def draw_batches(
        self, rng: np.random.Generator, drawer: CenterDrawer, batch_size: int, n_batches: int
    ) -> list[Batch]:
        """Draw ``n_batches`` batches in one go (cheaper per window than one at a time)."""
        arrays = self.draw_arrays(rng, drawer, batch_size * n_batches)
        return [
            self._batch(*(a[i : i + batch_size] for a in arrays))
            for i in range(0, batch_size * n_batches, batch_size)
        ]

    def batches_per_draw(self, batch_size: int) -> int:
        """How many batches to draw at once: about 512 windows, at most ~8 MB."""
        per_window = self.sequence_length + 4 * self.label_reader.size
        return max(1, min(512, (8 << 20) // per_window) // batch_size)

    def draw_arrays(
        self, rng: np.random.Generator, drawer: CenterDrawer, n: int
    ) -> tuple[np.ndarray, ...]:
        """Draw ``n`` valid windows: draw extra candidates, filter, top up until ``n`` remain.

        Returns
        -------
        chrom_ids, starts, minus, codes, targets : np.ndarray
            Genome chromosome ids, window starts, '-' strand flags, uint8 codes (n, L) and
            float32 labels (n, *label_shape).

        Raises
        ------
        ValueError
            If 50 rounds of candidates give no valid window at all.
        """
        length = self.sequence_length
        parts: list[tuple[np.ndarray, ...]] = []
        have, rounds = 0, 0
        while have < n:
            need = n - have
            cids, centers = drawer.draw(rng, need + need // 4 + 8)
            minus = (
                rng.random(cids.size) < 0.5
                if self.strand == "random"
                else np.zeros(cids.size, bool)
            )
            starts = self.label_reader.snap(centers.astype(np.int64) - length // 2)
            ok = (starts >= 0) & (starts + length <= self.chrom_lens[cids])
            cids, starts, minus = cids[ok], starts[ok], minus[ok]
            ok = ~self.genome.blacklisted_batch(cids, starts, starts + length)
            cids, starts, minus = cids[ok], starts[ok], minus[ok]
            targets = None
            if cids.size and not self.keep_negative:  # labels first: most candidates fail here
                targets = self.labels(cids, starts, minus)
                ok = targets.reshape(targets.shape[0], -1).any(axis=1)
                cids, starts, minus, targets = cids[ok], starts[ok], minus[ok], targets[ok]
            # encode a few spare windows, so that the rare ones rejected for N are replaced
            # without another round
            spare = need + need // 8 + 2
            cids, starts, minus = cids[:spare], starts[:spare], minus[:spare]
            targets = None if targets is None else targets[:spare]
            rounds += 1
            if cids.size == 0:
                if rounds >= 50 and have == 0:
                    raise self._none_valid(rounds, drawer)
                continue
            codes = self.genome.get_encodings(cids, starts, starts + length, minus)
            if self.max_n_fraction < 1.0:
                ok = count_unknown(codes, self._unk) <= self.max_n_fraction * length
                if not ok.all():
                    cids, starts, minus, codes = cids[ok], starts[ok], minus[ok], codes[ok]
                    targets = None if targets is None else targets[ok]
            cids, starts, minus, codes = cids[:need], starts[:need], minus[:need], codes[:need]
            targets = None if targets is None else targets[:need]
            targets = self.labels(cids, starts, minus) if targets is None else targets
            parts.append((cids, starts, minus, codes, targets))
            have += cids.size
            if rounds >= 50 and have == 0:
                raise self._none_valid(rounds, drawer)
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(col) for col in zip(*parts, strict=True))


class WindowSet:
    """Fixed windows (a validation or test set), read back in batches.

    Parameters
    ----------
    reader : WindowReader
        Turns coordinates into batches.
    chrom_ids, starts : np.ndarray[int64]
        Genome chromosome id and start of each window.
    minus : np.ndarray[bool]
        True where the window is on the '-' strand.
    batch_size : int
        Batch ``i`` holds windows ``[i * batch_size, (i + 1) * batch_size)``.
    """

    def __init__(
        self,
        reader: WindowReader,
        chrom_ids: np.ndarray,
        starts: np.ndarray,
        minus: np.ndarray,
        batch_size: int,
    ) -> None:
        self.reader, self.chrom_ids, self.starts, self.minus = reader, chrom_ids, starts, minus
        self.batch_size = batch_size

    def __len__(self) -> int:
        return self.starts.size

    @property
    def n_batches(self) -> int:
        """Number of batches (the last may be smaller)."""
        return -(-self.starts.size // self.batch_size)

    def __call__(self, index: int) -> Batch:
        """Batch ``index``."""
        sl = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.reader.read(self.chrom_ids[sl], self.starts[sl], self.minus[sl])
