"""Datasets of windows as BED (Selene's ``{mode}_data.bed``): writing and ``BedFileSampler``.

A line is ``chrom  start  end  strand  indices``, tab-separated, where ``indices`` are the
``;``-joined indices of the features that are positive in the window (empty when none).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from selene.io.bed import read_bed
from selene.io.features import read_features
from selene.samplers._windows import Batch
from selene.utils.warnings import SeleneWarning

__all__ = ["BedAppender", "BedFileSampler", "write_bed_dataset"]


def write_bed_dataset(handle: IO[str], batch: Batch) -> None:
    """Append a batch's windows to an open BED file in Selene's ``{mode}_data.bed`` format.

    Parameters
    ----------
    handle : text file
        Open for writing.
    batch : dict
        With ``coords`` (``chrom``, ``start``, ``end``, ``strand``) and ``targets`` (B, F);
        features with a non-zero target are listed.
    """
    coords = batch["coords"]
    targets = np.asarray(batch["targets"])
    rows, cols = np.nonzero(targets)
    per_row = np.split(cols, np.searchsorted(rows, np.arange(1, targets.shape[0])))
    starts, ends = np.asarray(coords["start"]).tolist(), np.asarray(coords["end"]).tolist()
    handle.writelines(
        f"{c}\t{s}\t{e}\t{st}\t{';'.join(map(str, f.tolist()))}\n"
        for c, s, e, st, f in zip(
            coords["chrom"], starts, ends, coords["strand"], per_row, strict=True
        )
    )


class BedAppender:
    """Appends every batch it is called with to ``{mode}_data.bed`` (one file per stream).

    Parameters
    ----------
    output_dir : path
        Folder of the files.
    mode : str
        Partition name, the file's prefix.
    single : bool
        True when there is one stream: write ``{mode}_data.bed``; else
        ``{mode}_data.rank{r}.worker{w}.bed``.
    """

    def __init__(self, output_dir: str | Path, mode: str, single: bool) -> None:
        self.output_dir, self.mode, self.single = Path(output_dir), mode, single
        self._handle: IO[str] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_handle": None}

    def __call__(self, batch: Batch, stream: tuple[int, int]) -> None:
        """Append ``batch``, drawn by stream ``(rank, worker id)``."""
        if self._handle is None:
            name = f"{self.mode}_data.bed"
            if not self.single:
                name = f"{self.mode}_data.rank{stream[0]}.worker{stream[1]}.bed"
            self.output_dir.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.output_dir / name, "w")  # noqa: SIM115 (lives with the stream)
        write_bed_dataset(self._handle, batch)
        self._handle.flush()


class BedFileSampler:
    """A fixed dataset of windows listed in a BED file, with the reference to read them from.

    Reads the Selene SDK's ``{mode}_data.bed`` and ours alike. Unlike the Selene SDK, the strand
    column is honoured (Selene reads every window on '+'), and windows longer than
    ``sequence_length`` are trimmed around their centre.

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
    ) -> None:
        self.filepath = Path(filepath)
        if not self.filepath.is_file():
            raise FileNotFoundError(f"BED file not found: {self.filepath}")
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
        self.narrow = {("targets",): "u1"}  # labels are 0/1

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
        )

    def _keep(
        self, chroms: np.ndarray, starts: np.ndarray, minus: np.ndarray, indptr: np.ndarray
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
