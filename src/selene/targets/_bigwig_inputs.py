"""What ``BigWigTargets`` takes, checked: track names, bin sizes, chromosomes and windows."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from selene.io.chroms import chrom_forms
from selene.utils.warnings import SeleneWarning

_SUFFIXES = (".bigwig", ".bw")


def track_names(paths: list[Path], names: Sequence[str] | None) -> list[str]:
    if names is None:
        names = [strip_suffix(p.name) for p in paths]
    names = [str(n) for n in names]
    if len(names) != len(paths):
        raise ValueError(f"{len(paths)} bigWig paths but {len(names)} names; give one per path")
    if len(set(names)) != len(names):
        raise ValueError(f"track names must be distinct; got {names} (pass names=[...])")
    return names


def strip_suffix(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def check_sizes(bin_size: int | None, center_crop: int | None) -> tuple[int | None, int | None]:
    for label, value in (("bin_size", bin_size), ("center_crop", center_crop)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise ValueError(f"{label} must be a positive int or None; got {value!r}")
    bin_size = None if bin_size is None else int(bin_size)
    center_crop = None if center_crop is None else int(center_crop)
    if bin_size and center_crop and center_crop % bin_size:
        raise ValueError(f"center_crop={center_crop} is not a multiple of bin_size={bin_size}")
    return bin_size, center_crop


def union_sizes(paths: list[Path], sizes: list[dict[str, int]]) -> dict[str, int]:
    union: dict[str, int] = {}
    for path, track in zip(paths, sizes, strict=True):
        for name, n in track.items():
            if union.setdefault(name, n) != n:
                raise ValueError(
                    f"{path}: chromosome {name!r} has length {n}, but {union[name]} in an "
                    "earlier bigWig; the tracks must share one assembly"
                )
    for path, track in zip(paths, sizes, strict=True):
        lacking = [name for name in union if name not in track]
        if lacking:
            warnings.warn(
                f"{path} has no chromosome {lacking[:5]}{'...' if len(lacking) > 5 else ''} "
                "that other tracks have; this track reads 0 there",
                SeleneWarning,
                stacklevel=3,
            )
    return union


def aliases(chroms: list[str]) -> dict[str, int]:
    """Name -> index, the file's names first, then their other forms (:func:`chrom_forms`)."""
    index = {name: i for i, name in enumerate(chroms)}
    for i, name in enumerate(chroms):
        for form in chrom_forms(name):
            index.setdefault(form, i)
    return index


def windows(
    ids: np.ndarray,
    starts: Sequence[int] | np.ndarray,
    ends: Sequence[int] | np.ndarray,
    center_crop: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Check the windows; return their (cropped) starts and lengths as int64."""
    starts, ends = np.asarray(starts), np.asarray(ends)
    if not (starts.ndim == ends.ndim == 1 and ids.size == starts.size == ends.size):
        raise ValueError(
            f"chroms, starts and ends must be 1-D of one length; got sizes {ids.size}, "
            f"{starts.shape}, {ends.shape}"
        )
    if starts.size and (starts.dtype.kind not in "iu" or ends.dtype.kind not in "iu"):
        raise TypeError(f"starts and ends must be integers; got {starts.dtype}, {ends.dtype}")
    starts, ends = starts.astype(np.int64), ends.astype(np.int64)
    lengths = ends - starts
    bad = np.flatnonzero(lengths <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"window {i} [{starts[i]}, {ends[i]}) is empty: need start < end")
    if center_crop is not None:
        short = np.flatnonzero(lengths < center_crop)
        if short.size:
            i = int(short[0])
            raise ValueError(
                f"window {i} has {lengths[i]} bases, fewer than center_crop={center_crop}"
            )
        starts = starts + (lengths - center_crop) // 2
        lengths = np.full(lengths.size, center_crop, np.int64)
    return starts, lengths


def check_resolution(resolution: str, bin_size: int | None) -> int:
    """Return the bases per cached value of ``cache_resolution``: 1, or the bin size."""
    if resolution in ("runs", "base"):
        return 1
    if resolution != "bin":
        raise ValueError(f"cache_resolution must be 'runs', 'base' or 'bin'; got {resolution!r}")
    if bin_size is None:
        raise ValueError("cache_resolution='bin' needs a bin_size (got None)")
    return bin_size


def layout(
    chroms: list[str], sizes: list[dict[str, int]], step: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per track and chromosome: the first cached value and the number of values (0: absent)."""
    offsets = np.zeros((len(sizes), len(chroms)), np.int64)
    lengths = np.zeros((len(sizes), len(chroms)), np.int64)
    for t, track in enumerate(sizes):
        counts = [-(-n // step) for n in track.values()]
        ends = np.cumsum(counts)
        for name, n, end in zip(track, counts, ends, strict=True):
            c = chroms.index(name)
            offsets[t, c], lengths[t, c] = end - n, n
    return offsets, lengths


def on_grid(starts: np.ndarray, step: int) -> np.ndarray:
    """Return the bin index of each start, refusing a start off the ``step``-base grid."""
    off = np.flatnonzero(starts % step)
    if off.size:
        i = int(off[0])
        raise ValueError(
            f"window {i}: its bins start at {starts[i]}, off the {step}-base grid of the "
            f"cache_resolution='bin' cache; start windows at multiples of {step} (after "
            "center_crop), or use cache_resolution='runs'"
        )
    return starts // step


def window_chrom_ids(
    chroms: Sequence[str] | np.ndarray,
    names: list[str],
    lookup: Callable[[list[str]], np.ndarray],
    describe: Callable[[], str],
) -> np.ndarray:
    """Chromosome ids (int64) of windows given by name or by id, refusing unknown ones.

    ``names`` are the targets' chromosomes, ``lookup`` maps names to ids (-1: unknown) and
    ``describe`` names the files for messages.
    """
    arr = np.asarray(chroms)
    if arr.dtype.kind in "iu":
        ids = arr.astype(np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(names)):
            bad = ids[(ids < 0) | (ids >= len(names))][0]
            raise KeyError(
                f"chromosome id {bad} is not a chromosome of {describe()} "
                f"(ids run 0..{len(names) - 1}; -1 is a name chrom_ids() did not find)"
            )
        return ids
    given = [str(c) for c in arr.reshape(-1).tolist()]
    ids = lookup(given).astype(np.int64)
    if (ids < 0).any():
        name = given[int(np.flatnonzero(ids < 0)[0])]
        raise KeyError(
            f"chromosome {name!r} is in none of the bigWig files {describe()}; "
            f"they have {names[:5]}{'...' if len(names) > 5 else ''}"
        )
    return ids
