"""Write drawn windows as Selene's ``{mode}_data.bed`` (what ``BedFileSampler`` reads back).

A line is ``chrom  start  end  strand  indices``, tab-separated, where ``indices`` are the
``;``-joined indices of the features that are positive in the window (empty when none). Track
labels are not written (four columns): they are read again from their files.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import numpy as np

Batch = dict[str, Any]

__all__ = ["BedAppender", "write_bed_dataset"]


def write_bed_dataset(handle: IO[str], batch: Batch, indices: bool | None = None) -> None:
    """Append a batch's windows to an open BED file in Selene's ``{mode}_data.bed`` format.

    Parameters
    ----------
    handle : text file
        Open for writing.
    batch : dict
        With ``coords`` (``chrom``, ``start``, ``end``, ``strand``) and ``targets``.
    indices : bool, optional
        Write the fifth column, the features with a non-zero target (``targets`` (B, F)).
        False: four columns, the windows only (tracks, read again from their files). None:
        True unless ``targets`` has a length axis (B, T, L').
    """
    coords = batch["coords"]
    starts, ends = np.asarray(coords["start"]).tolist(), np.asarray(coords["end"]).tolist()
    targets = np.asarray(batch["targets"])
    if not (targets.ndim <= 2 if indices is None else indices):
        handle.writelines(
            f"{c}\t{s}\t{e}\t{st}\n"
            for c, s, e, st in zip(coords["chrom"], starts, ends, coords["strand"], strict=True)
        )
        return
    rows, cols = np.nonzero(targets)
    per_row = np.split(cols, np.searchsorted(rows, np.arange(1, targets.shape[0])))
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
    indices : bool, optional
        See ``write_bed_dataset``.
    """

    def __init__(
        self, output_dir: str | Path, mode: str, single: bool, indices: bool | None = None
    ) -> None:
        self.output_dir, self.mode, self.single = Path(output_dir), mode, single
        self.indices = indices
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
        write_bed_dataset(self._handle, batch, self.indices)
        self._handle.flush()
