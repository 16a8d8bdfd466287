"""BED regions as model windows for attributions: one window centred on each region.

The window of a region ``[start, end)`` is ``[mid - ceil(L / 2), mid + floor(L / 2))`` with
``mid = start + (end - start) // 2`` (as :mod:`selene.predict.bed` centres them), read on the
``+`` strand. Unlike prediction, a line that cannot be explained stops the run with its file and
line number: attributions of padded or misplaced windows would feed motif discovery noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from selene.io.bed import iter_rows
from selene.io.chroms import chrom_resolver
from selene.sequences import Genome, codes_to_one_hot

__all__ = ["Regions", "read_regions", "region_windows"]


@dataclass(frozen=True)
class Regions:
    """Regions of a BED file and the model windows centred on them.

    Attributes
    ----------
    chroms : numpy.ndarray of str, shape (N,)
        Chromosome names as the genome spells them.
    starts, ends : numpy.ndarray of int64, shape (N,)
        The regions, 0-based, end-exclusive.
    window_starts : numpy.ndarray of int64, shape (N,)
        Start of each window (its end is ``window_starts + length``).
    lines : numpy.ndarray of int64, shape (N,)
        1-based line of each region in the BED file.
    length : int
        Window length (the model's sequence length).
    """

    chroms: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    window_starts: np.ndarray
    lines: np.ndarray
    length: int

    def __len__(self) -> int:
        return len(self.chroms)


def read_regions(
    path: str | Path, genome: Genome, length: int, max_regions: int | None = None
) -> Regions:
    """Read the regions of a BED file (the first ``max_regions`` when given).

    Parameters
    ----------
    path : str or Path
        BED (plain or gzipped); columns after the third are ignored.
    genome : Genome
        The reference the model was trained on; ``chr`` prefixes are reconciled.
    length : int
        The model's window length.
    max_regions : int, optional
        Keep the first ``max_regions`` regions in file order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming the file and line: a line that is not BED, a chromosome the genome lacks, a
        region or window past its chromosome's end; or if the file holds no region, or
        ``max_regions`` is below 1.
    """
    path = Path(path)
    if max_regions is not None and max_regions < 1:
        raise ValueError(f"max_regions must be >= 1 or null (every region); got {max_regions}")
    if not path.is_file():
        raise FileNotFoundError(f"regions file {path} does not exist: pass regions=<a BED file>")
    resolve = chrom_resolver(genome.get_chrs())
    fasta = Path(getattr(genome, "path", "the genome")).name
    left, right = length // 2 + length % 2, length // 2
    rows: list[tuple[str, int, int, int, int]] = []
    for row in iter_rows(path, columns=3):
        where = f"{path.name}, line {row.number}"
        if row.problem is not None:
            raise ValueError(f"{where}: {row.problem} ({row.text.strip()!r})")
        name, start, end = row.fields[0], int(row.fields[1]), int(row.fields[2])
        chrom = resolve(name)
        if chrom is None:
            known = ", ".join(sorted(genome.get_chrs())[:5])
            raise ValueError(
                f"{where}: chromosome {name!r} is not in {fasta} (known: {known}, ...): "
                "is the BED from another assembly? (the 'chr' prefix is reconciled)"
            )
        size = genome.chrom_sizes[chrom]
        mid = start + (end - start) // 2
        if end > size:
            raise ValueError(
                f"{where}: region {name}:{start}-{end} runs past the end of {chrom} "
                f"({size} bp in {fasta}): is the BED from another assembly?"
            )
        if mid - left < 0 or mid + right > size:
            raise ValueError(
                f"{where}: the {length} bp window centred on {name}:{start}-{end}, "
                f"[{mid - left}, {mid + right}), runs past an end of {chrom} ({size} bp): "
                "remove the line (windows are not padded for attributions)"
            )
        rows.append((chrom, start, end, mid - left, row.number))
        if max_regions is not None and len(rows) == max_regions:
            break
    if not rows:
        raise ValueError(f"{path} holds no regions (only blank, '#', 'track' or 'browser' lines)")
    chroms, starts, ends, windows, lines = zip(*rows, strict=True)
    return Regions(
        np.asarray(chroms, dtype=str),
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(windows, dtype=np.int64),
        np.asarray(lines, dtype=np.int64),
        length,
    )


def region_windows(regions: Regions, genome: Genome, start: int, stop: int) -> np.ndarray:
    """One-hot windows ``(stop - start, 4, length)`` (float32) of regions ``start:stop``."""
    windows = regions.window_starts[start:stop]
    codes = genome.get_encodings(
        list(regions.chroms[start:stop]), windows, windows + regions.length
    )
    n_letters = len(genome.BASES_ARR)
    return codes_to_one_hot(torch.from_numpy(np.asarray(codes)), n_letters).numpy()
