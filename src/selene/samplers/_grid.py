"""A fixed dataset's windows against a target's grid (``Target.window_grid``, a bin cache).

Online samplers draw their windows and move each onto the grid. A file's windows are the
user's: :func:`onto_grid` refuses those off the grid unless asked to move them.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from selene.samplers._labels import LabelReader

__all__ = ["onto_grid"]

_log = logging.getLogger(__name__)


def onto_grid(data: Any, labels: LabelReader, snap: bool) -> np.ndarray:
    """Return the window starts of ``data`` on ``labels``' grid, or refuse the first off it.

    Parameters
    ----------
    data : BedFileSampler
        Its ``filepath``, ``reference_sequence``, ``sequence_length``, ``chroms``,
        ``chrom_ids``, ``starts`` and ``lines`` (each window's line in the file) are read.
    labels : LabelReader
        The target's labels, with the grid of the span it labels.
    snap : bool
        Move each window off the grid down onto it (up at a chromosome's start), by fewer
        than the grid's step, and log the count once.

    Raises
    ------
    ValueError
        Without ``snap``, for the first window off the grid (its file line, the count, both
        fixes); with it, for a window that fits on no grid position near it (a chromosome
        shorter than a window and a step).
    """
    starts = data.starts
    snapped = labels.snap(starts)
    off = np.flatnonzero(snapped != starts)
    if not off.size or labels.grid is None:
        return starts
    step, phase = labels.grid
    name, chroms = labels.target.describe(), data.chroms[data.chrom_ids]
    if not snap:
        i = int(off[0])
        raise ValueError(
            f"{data.filepath}:{data.lines[i]}: the window {chroms[i]}:{starts[i]}-"
            f"{starts[i] + data.sequence_length} (and {off.size - 1} more of {starts.size}) "
            f"starts off the grid of the bin cache of {name}, which labels only windows "
            f"starting at {phase} + a multiple of {step}; pass snap_to_grid=True to move each "
            f"window down onto it (by < {step} bases), or build the target without "
            "cache_resolution='bin' to label the windows where they are"
        )
    snapped[snapped < 0] += step  # before a chromosome's start: up onto the grid
    sizes = dict(data.reference_sequence.get_chr_lens())
    lens = np.array([sizes[c] for c in chroms], np.int64)
    past = np.flatnonzero(snapped + data.sequence_length > lens)
    if past.size:
        i = int(past[0])
        raise ValueError(
            f"{data.filepath}:{data.lines[i]}: no window of {data.sequence_length} bases on the "
            f"{step}-base grid of {name} fits {chroms[i]} ({lens[i]} bases) near this one; drop "
            "the line or build the target without cache_resolution='bin'"
        )
    _log.info(
        "%s: moved %d of %d windows onto the %d-base grid of %s (by fewer than %d bases: "
        "down, or up at a chromosome's start)",
        data.filepath.name,
        off.size,
        starts.size,
        step,
        name,
        step,
    )
    return snapped
