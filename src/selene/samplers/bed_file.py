"""``BedFileSampler``: a fixed dataset of windows read from Selene's ``{mode}_data.bed``.

A line is ``chrom  start  end  strand  indices``, tab-separated, where ``indices`` are the
``;``-joined indices of the features that are positive in the window (empty when none); the
writer (``write_bed_dataset``) lives in ``_bed_writer`` and is re-exported here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selene.io.bed import read_bed
from selene.io.features import read_features
from selene.samplers._bed_writer import BedAppender, write_bed_dataset
from selene.samplers._grid import onto_grid
from selene.samplers._labels import LabelReader, label_span, refuse_missing_chroms
from selene.samplers._windows import Batch
from selene.targets import Target, check_target
from selene.utils.warnings import SeleneWarning

__all__ = ["BedAppender", "BedFileSampler", "write_bed_dataset"]


class BedFileSampler:
    """A fixed dataset of windows listed in a BED file, with the reference to read them from.

    Reads the Selene SDK's ``{mode}_data.bed`` and ours alike. Unlike the Selene SDK, the strand
    column is honoured (Selene reads every window on '+'), and windows longer than
    ``sequence_length`` are trimmed around their centre. Labels come from the file's indices
    column (``targets_avail``) or from a ``Target`` (``target=``, e.g. ``BigWigTargets``: the
    online samplers' saved windows read with the tracks they were drawn with).

    Parameters
    ----------
    filepath : path
        BED file: chrom, start, end, then optionally strand and/or ``;``-joined positive feature
        indices (5 columns: both; 4 columns: the indices when ``targets_avail``, else strand).
    reference_sequence : selene.sequences.Genome or path
        Reference the windows are read from.
    n_samples : int, optional
        Ignored (counted from the file); kept for the Selene SDK's signature.
    sequence_length : int, optional
        Resize every window around its centre to this length (default: the file's lengths,
        which must all be equal).
    targets_avail : bool
        Whether the file has the feature-indices column.
    n_features : int, optional
        Number of features (needed with ``targets_avail`` unless ``features`` is given).
    features : list of str or path, optional
        Feature names.
    shuffle : bool
        Shuffle the training order each pass.
    random_seed : int
        Seeds the shuffles.
    target : selene.targets.Target, optional
        Labels each window (instead of ``targets_avail``): batches carry float32
        ``(B, *target.label_shape(span))``, flipped with ``target.flip_strand`` on '-'.
    center_bin_to_predict : int, [int, int] or None
        With ``target``: the span of each window it labels (see ``OnlineSampler``); None: the
        whole window.
    snap_to_grid : bool
        With a ``target`` that labels only windows on a grid (``Target.window_grid``:
        ``BigWigTargets(cache_resolution='bin')``), move each window off it down onto it, by
        fewer than the grid's step (logged once, with the count moved). By default such
        windows are refused: a fixed dataset's windows do not move unless asked.

    Raises
    ------
    ValueError
        If ``target`` and ``targets_avail`` are both given, ``target`` has no data on a
        chromosome of the windows (a bigWig without it; ``chr1`` and ``1`` are matched), or a
        window starts off ``target``'s grid without ``snap_to_grid`` (the message names its
        line and both fixes).

    Warns
    -----
    SeleneWarning
        Once, counting lines skipped: unknown chromosome, off a chromosome end, or blacklisted.
    """

    def __init__(
        self,
        filepath: str | Path,
        reference_sequence: Any,
        n_samples: int | None = None,
        sequence_length: int | None = None,
        targets_avail: bool = False,
        n_features: int | None = None,
        features: Sequence[str] | str | Path | None = None,
        shuffle: bool = True,
        random_seed: int = 436,
        target: Target | None = None,
        center_bin_to_predict: int | Sequence[int] | None = None,
        snap_to_grid: bool = False,
    ) -> None:
        self.filepath = Path(filepath)
        if not self.filepath.is_file():
            raise FileNotFoundError(f"BED file not found: {self.filepath}")
        if target is not None:
            target = check_target(target, "BedFileSampler")
            if targets_avail:
                raise ValueError(
                    f"{self.filepath.name}: give targets_avail (labels from the file's indices "
                    "column) or target= (labels from a Target), not both"
                )
            features = target.features if features is None else features
            n_features = target.n_features
        if isinstance(reference_sequence, str | Path):
            from selene.sequences import Genome

            reference_sequence = Genome(reference_sequence)
        self.reference_sequence = reference_sequence
        self.features = None if features is None else read_features(features)
        if self.features is not None:
            n_features = len(self.features)
        if targets_avail and n_features is None:
            raise ValueError(f"{self.filepath.name}: targets_avail needs n_features or features")
        self.targets_avail, self.n_features = bool(targets_avail), n_features
        self.shuffle, self.random_seed = bool(shuffle), int(random_seed)
        self._parse(sequence_length)
        self.n_samples = int(self.starts.size)
        self.block_size = self.n_samples  # all in memory
        self._labels: LabelReader | None = None
        self.label_shape: tuple[int, ...] = (n_features,) if targets_avail else ()
        if target is not None:
            if len(self.features or ()) not in (0, target.n_features):
                raise ValueError(
                    f"{len(self.features or ())} features given but the target has "
                    f"{target.n_features}; pass the target's own list (or features=None)"
                )
            start, end = label_span(self.sequence_length, center_bin_to_predict, target, None)
            self._labels = LabelReader(target, self.chroms.tolist(), start, end)
            self.label_shape = self._labels.shape
            used = self.chroms[np.unique(self.chrom_ids)].tolist()
            refuse_missing_chroms(target, used, "BedFileSampler", f"{self.filepath}")
            self.starts = onto_grid(self, self._labels, bool(snap_to_grid))
        # 0/1 labels travel from workers as uint8
        self.narrow = {("targets",): "u1"} if target is None or target.binary else {}

    def require_target_range(self, low: float, high: float, why: str) -> None:
        """Refuse a ``target``'s labels outside ``[low, high]`` (file indices are 0/1)."""
        if self._labels is not None:
            self._labels.bounds = (float(low), float(high), why)

    def _parse(self, sequence_length: int | None) -> None:
        bed = read_bed(self.filepath, columns=3, extra=True)
        assert bed.extra is not None and bed.lines is not None  # extra=True gives both
        minus, indptr, indices = [], [0], []
        for more, number in zip(bed.extra, bed.lines.tolist(), strict=True):
            strand, feats = "+", ""
            if len(more) >= 2:
                strand, feats = more[0].strip(), more[1].strip()
            elif len(more) == 1:
                strand, feats = ("+", more[0].strip()) if self.targets_avail else (more[0], "")
            try:
                if strand not in ("+", "-", "."):
                    raise ValueError(f"strand {strand!r} is not '+', '-' or '.'")
                minus.append(strand == "-")
                if self.targets_avail:
                    indices.extend(int(f) for f in feats.split(";") if f)
                    indptr.append(len(indices))
            except ValueError as err:
                raise ValueError(f"{self.filepath}:{number}: {err}") from err
        chroms = [bed.chroms[c] for c in bed.chrom.tolist()]
        starts_arr, ends_arr = bed.starts, bed.ends
        if not starts_arr.size:
            raise ValueError(f"no windows in {self.filepath}")
        if sequence_length is None:
            lengths = np.unique(ends_arr - starts_arr)
            if lengths.size != 1:
                raise ValueError(
                    f"{self.filepath}: windows of lengths {lengths[:5].tolist()}...; "
                    "give sequence_length to resize them around their centres"
                )
            sequence_length = int(lengths[0])
        self.sequence_length = int(sequence_length)
        # Selene pads the left side by floor((L - n) / 2); trimming mirrors it.
        starts_arr = starts_arr - np.floor_divide(
            self.sequence_length - (ends_arr - starts_arr), 2
        )
        self.indices = np.array(indices, np.int64)
        if (
            self.targets_avail
            and self.indices.size
            and (self.indices.min() < 0 or self.indices.max() >= self.n_features)
        ):
            raise ValueError(
                f"{self.filepath}: feature indices must be in [0, {self.n_features}); got "
                f"{self.indices.min()}..{self.indices.max()} (is n_features right?)"
            )
        self._keep(
            np.array(chroms, dtype=object),
            starts_arr,
            np.array(minus, bool),
            np.array(indptr, np.int64),
            np.asarray(bed.lines),
        )

    def _keep(
        self,
        chroms: np.ndarray,
        starts: np.ndarray,
        minus: np.ndarray,
        indptr: np.ndarray,
        lines: np.ndarray,
    ) -> None:
        genome = self.reference_sequence
        names, inverse = np.unique(chroms, return_inverse=True)
        sizes = dict(genome.get_chr_lens())
        known = np.array([n in sizes for n in names])
        cids = np.full(names.size, -1, np.int64)
        if known.any():
            cids[known] = genome.chrom_ids(list(names[known]))
        lens = np.array([sizes.get(n, 0) for n in names], np.int64)
        ok = known[inverse] & (starts >= 0) & (starts + self.sequence_length <= lens[inverse])
        cid = cids[inverse]
        ok[ok] = ~genome.blacklisted_batch(cid[ok], starts[ok], starts[ok] + self.sequence_length)
        if not ok.all():
            warnings.warn(
                f"{self.filepath.name}: skipped {int((~ok).sum())} of {ok.size} windows on "
                f"chromosomes not in the reference, off a chromosome end, or blacklisted "
                f"(unknown chromosomes: {sorted(names[~known].tolist())[:5]})",
                SeleneWarning,
                stacklevel=3,
            )
        self.chrom_ids, self.starts, self.minus = cid[ok], starts[ok], minus[ok]
        self.lines = lines[ok]  # each window's line in the file, for messages
        if self.targets_avail:
            lo, hi = indptr[:-1][ok], indptr[1:][ok]
            self.indices = self.indices[_ranges(lo, hi)]
            self.indptr = np.concatenate(([0], np.cumsum(hi - lo)))
        self.chroms = np.asarray(genome.get_chrs(), dtype=object)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)`` as a block for ``batch`` (in memory: just their indices)."""
        return np.arange(start, min(stop, self.n_samples))

    def batch(self, block: np.ndarray, rows: np.ndarray) -> Batch:
        """Make the batch of rows ``rows`` of a block from ``read``."""
        r = block[rows]
        cids, starts, minus = self.chrom_ids[r], self.starts[r], self.minus[r]
        ends = starts + self.sequence_length
        out: Batch = {
            "sequence": self.reference_sequence.get_encodings(cids, starts, ends, minus),
            "coords": {
                "chrom": self.chroms[cids].tolist(),
                "start": starts,
                "end": ends,
                "strand": np.where(minus, "-", "+").tolist(),
            },
        }
        if self.targets_avail:
            lo, hi = self.indptr[r], self.indptr[r + 1]
            targets = np.zeros((r.size, self.n_features), np.float32)
            targets[np.repeat(np.arange(r.size), hi - lo), self.indices[_ranges(lo, hi)]] = 1.0
            out["targets"] = targets
        elif self._labels is not None:
            out["targets"] = self._labels(cids, starts, minus)
        return out

    def read_batch(self, start: int, stop: int) -> Batch:
        """Windows ``[start, stop)`` of the file as one batch."""
        block = self.read(start, stop)
        return self.batch(block, np.arange(block.size))


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` for every i."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(counts)
    return np.repeat(lo - (ends - counts), counts) + np.arange(total)
