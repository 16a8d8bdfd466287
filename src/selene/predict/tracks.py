"""Coverage tracks over BED regions or whole chromosomes, from windows tiled along them.

A track model maps a window of ``L`` bases to ``n_bins`` values per track, each the mean of
``bin_size`` bases, covering the central ``n_bins * bin_size`` bases of the window (TrackCNN's
``crop_bins`` and BPNet's ``trimming`` drop the same amount at each end). How the windows are
placed over a region ``[start, end)``:

- the region's bins start at ``start`` (``start, start + bin_size, ...``); the last bin is
  clipped to ``end``, so a region shorter than a bin still gets one value;
- of each window's output the central ``n_bins - 2 * center_crop`` bins are kept (edge bins see
  less sequence, and their values depend on where the window lies);
- consecutive windows step by the kept length less ``overlap`` bins: with ``overlap=0`` the
  kept parts abut and each bin is predicted by exactly one window; with ``overlap > 0`` the
  values of a bin two windows predict are averaged;
- the first window starts so that its kept part begins at ``start``; windows running past a
  chromosome end read ``N`` there, as do ``N`` runs inside the genome (the model sees unknown
  bases, its predictions there are kept);
- the last window's bins past ``end`` are dropped.

Regions are resolved to the reference's chromosome names (``chr1``/``1``), sorted in the
reference's order, and overlapping ones merged, so the blocks come out as a bigWig takes them.
Predictions stream out as :class:`TrackBlock` s of at most one batch of windows: a chromosome
is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from selene.io.bed import iter_rows
from selene.io.chroms import chrom_resolver
from selene.predict.ops import make_runner, predict_codes
from selene.predict.runner import ModelRunner
from selene.predict.writers import progress
from selene.sequences import Genome

__all__ = ["TrackBlock", "TrackGeometry", "plan_regions", "predict_tracks", "track_geometry"]

Region = tuple[str, int, int]


@dataclass(frozen=True)
class TrackGeometry:
    """Where a track model's output lies in its input window.

    Attributes
    ----------
    sequence_length : int
        Window length in bases.
    n_tracks, n_bins, bin_size : int
        Output shape ``(n_tracks, n_bins)``, each bin ``bin_size`` bases.
    offset : int
        Bases from the window's start to its first output bin.
    """

    sequence_length: int
    n_tracks: int
    n_bins: int
    bin_size: int
    offset: int


@dataclass
class TrackBlock:
    """Predicted coverage of ``[start, end)`` on ``chrom``.

    Attributes
    ----------
    chrom : str
    start, end : int
        0-based, end-exclusive; ``end - start <= values.shape[1] * bin_size`` (the last bin of
        a region is clipped to the region's end).
    bin_size : int
    values : numpy.ndarray, shape (T, n), float32
        One value per track and bin; bin ``j`` covers ``[start + j * bin_size, ...)``.
    """

    chrom: str
    start: int
    end: int
    bin_size: int
    values: np.ndarray


def track_geometry(runner: ModelRunner, bin_size: int | None = None) -> TrackGeometry:
    """Probe ``runner`` with one window of ``N`` for its output shape and placement.

    Parameters
    ----------
    runner : ModelRunner
    bin_size : int, optional
        Default: the network's ``bin_size`` attribute (TrackCNN), else 1 (BPNet).

    Raises
    ------
    ValueError
        If the model's outputs are not tracks ``(N, T, bins)``, or its bins do not fit
        centred in the window.
    """
    length = runner.sequence_length
    probe = np.full((1, length), runner.n_letters, dtype=np.uint8)
    shape = predict_codes(runner, probe).shape
    if len(shape) != 3:
        raise ValueError(
            f"{type(runner.net).__name__} outputs {shape[1:]} per window, not tracks "
            "(tracks, bins): predict_tracks takes track models such as TrackCNN or BPNet"
        )
    bin_size = int(bin_size or getattr(runner.net, "bin_size", 1))
    span = shape[2] * bin_size
    if span > length or (length - span) % 2:
        raise ValueError(
            f"{shape[2]} bins of {bin_size} bases do not sit centred in a {length}-base window; "
            "pass the model's bin_size"
        )
    return TrackGeometry(length, shape[1], shape[2], bin_size, (length - span) // 2)


def plan_regions(
    genome: Genome, regions: str | Path | Iterable[Region] | None, chroms: Sequence[str] | None
) -> list[Region]:
    """Return the regions to tile: resolved, checked, sorted in the genome's order, merged.

    Parameters
    ----------
    genome : Genome
    regions : str, Path or iterable of (chrom, start, end), optional
        A BED file (first three columns) or 0-based end-exclusive regions.
    chroms : sequence of str, optional
        Whole chromosomes, used when ``regions`` is None; both None: every chromosome.

    Raises
    ------
    ValueError
        If a region names a chromosome the genome lacks, is empty, or runs past its
        chromosome's end; a BED line is malformed; or there is no region.
    """
    source = str(regions) if isinstance(regions, (str, Path)) else "the regions"
    sizes = genome.chrom_sizes
    if regions is None:
        names = list(sizes) if chroms is None else list(chroms)
        rows = [(f"chromosome {name!r}", name, 0, -1) for name in names]  # -1: to its end
    elif isinstance(regions, (str, Path)):
        rows = []
        for row in iter_rows(regions, columns=3):
            if row.problem:
                raise ValueError(f"{source}, line {row.number}: {row.problem}; fix that line")
            name, start, end = row.fields[0], int(row.fields[1]), int(row.fields[2])
            rows.append((f"{source}, line {row.number}", name, start, end))
    else:
        rows = [(f"region {i}", str(c), int(s), int(e)) for i, (c, s, e) in enumerate(regions)]
    resolve = chrom_resolver(sizes)
    order = {name: i for i, name in enumerate(sizes)}
    planned = []
    for where, name, start, end in rows:
        chrom = resolve(name)
        if chrom is None:
            known = ", ".join(list(sizes)[:5])
            raise ValueError(
                f"{where}: chromosome {name!r} is not in the reference (it has {known}, ...); "
                "use the reference's names"
            )
        end = sizes[chrom] if end == -1 else end
        if not 0 <= start < end <= sizes[chrom]:
            raise ValueError(
                f"{where}: region {name}:{start}-{end} is empty or runs outside {chrom} "
                f"(0-{sizes[chrom]}); give 0 <= start < end <= the chromosome's length"
            )
        planned.append((chrom, start, end))
    if not planned:
        raise ValueError(f"no region to predict in {source}")
    planned.sort(key=lambda r: (order[r[0]], r[1], r[2]))
    merged = [planned[0]]
    for chrom, start, end in planned[1:]:
        last = merged[-1]
        if chrom == last[0] and start < last[2]:  # overlapping: one region
            merged[-1] = (chrom, last[1], max(end, last[2]))
        else:
            merged.append((chrom, start, end))
    return merged


def predict_tracks(
    model: nn.Module | ModelRunner,
    reference: Genome,
    regions: str | Path | Iterable[Region] | None = None,
    *,
    chroms: Sequence[str] | None = None,
    center_crop: int = 0,
    overlap: int = 0,
    batch_size: int = 64,
    bin_size: int | None = None,
    device: str | torch.device = "auto",
    show_progress: bool = False,
    **options,
) -> Iterator[TrackBlock]:
    """Predict coverage over regions by tiling windows (see the module's docstring).

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or ModelRunner
        A track model (``(N, T, bins)`` outputs after its activation, e.g. coverage for a
        TrackCNN checkpoint trained with the Poisson loss, or BPNet's profile times counts).
    reference : Genome
    regions : str, Path or iterable of (chrom, start, end), optional
        A BED file or regions; None: the chromosomes ``chroms``.
    chroms : sequence of str, optional
        Whole chromosomes when ``regions`` is None; both None: the whole genome.
    center_crop : int
        Output bins dropped from each end of every window.
    overlap : int
        Kept bins shared by consecutive windows (averaged there); less than the kept length.
    batch_size : int
        Windows per forward pass; a block holds at most this many windows' bins.
    bin_size : int, optional
        See :func:`track_geometry`.
    device : str or torch.device
    show_progress : bool
        A progress bar over bases.
    **options
        Passed to :func:`selene.predict.make_runner` (e.g. ``activation``).

    Yields
    ------
    TrackBlock
        In the reference's chromosome order, each region's blocks in order and adjacent.

    Raises
    ------
    ValueError
        If ``center_crop`` leaves no bin or ``overlap`` is not below the kept length, or as in
        :func:`plan_regions` and :func:`track_geometry`.
    """
    runner = make_runner(model, device=device, alphabet="".join(reference.BASES_ARR), **options)
    geometry = track_geometry(runner, bin_size)
    kept = geometry.n_bins - 2 * center_crop
    if center_crop < 0 or kept < 1:
        raise ValueError(
            f"center_crop={center_crop} leaves no bin of the model's {geometry.n_bins}; "
            f"use 0 <= center_crop < {(geometry.n_bins + 1) // 2}"
        )
    if not 0 <= overlap < kept:
        raise ValueError(f"overlap={overlap} must be >= 0 and below the {kept} kept bins")
    planned = plan_regions(reference, regions, chroms)
    total = sum(end - start for _, start, end in planned)
    with progress(total, "tracks", 0, show_progress, "bp") as bar:
        for chrom, start, end in planned:
            for block in _tile_region(runner, reference, geometry, chrom, start, end,
                                      center_crop, overlap, batch_size):  # fmt: skip
                bar.update(block.end - block.start)
                yield block


def _tile_region(
    runner: ModelRunner,
    genome: Genome,
    g: TrackGeometry,
    chrom: str,
    start: int,
    end: int,
    crop: int,
    overlap: int,
    batch_size: int,
) -> Iterator[TrackBlock]:
    """Yield the blocks of one region: windows in batches, overlaps averaged as they stream."""
    b, kept = g.bin_size, g.n_bins - 2 * crop
    n_bins = -(-(end - start) // b)
    stride = kept - overlap
    n_windows = 1 + max(0, -(-(n_bins - kept) // stride))
    lead = g.offset + crop * b  # bases from a window's start to its first kept bin
    done = 0  # bins of the region already yielded
    sums = np.zeros((g.n_tracks, 0))
    counts = np.zeros(0)
    for first in range(0, n_windows, batch_size):
        firsts = np.arange(first, min(first + batch_size, n_windows)) * stride  # kept bin 0
        window_starts = start + firsts * b - lead
        codes = genome.get_encodings([chrom] * len(firsts), window_starts,
                                     window_starts + g.sequence_length, pad=True)  # fmt: skip
        kept_values = predict_codes(runner, np.asarray(codes))[:, :, crop : crop + kept]
        hi = min(int(firsts[-1]) + kept, n_bins)
        grow = hi - done - counts.size
        sums = np.concatenate([sums, np.zeros((g.n_tracks, grow))], axis=1)
        counts = np.concatenate([counts, np.zeros(grow)])
        for offset, values in zip(firsts - done, kept_values, strict=True):
            width = min(kept, sums.shape[1] - offset)
            sums[:, offset : offset + width] += values[:, :width]
            counts[offset : offset + width] += 1
        last = first + batch_size >= n_windows
        ready = sums.shape[1] if last else (int(firsts[-1]) + stride) - done
        values = (sums[:, :ready] / counts[:ready]).astype(np.float32)
        block_start = start + done * b
        yield TrackBlock(chrom, block_start, min(start + (done + ready) * b, end), b, values)
        sums, counts, done = sums[:, ready:], counts[ready:], done + ready
