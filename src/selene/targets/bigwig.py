"""``BigWigTargets``: quantitative per-base tracks of genomic windows from bigWig files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from selene.io.bigwig import chrom_sizes
from selene.targets import _bigwig_kernels as _kernels
from selene.targets._bigwig_cache import load_or_build, open_track
from selene.targets._bigwig_inputs import (
    aliases,
    check_resolution,
    check_sizes,
    layout,
    on_grid,
    track_names,
    union_sizes,
    window_chrom_ids,
    windows,
)
from selene.targets._bigwig_run_kernels import gather_runs
from selene.targets._bigwig_runs import SHIFT, load_or_build_runs, open_runs, runs_layout
from selene.targets.target import Target

_TRANSFORMS = {"log1p": np.log1p}


class BigWigTargets(Target):
    """Tracks from one or more bigWig files, binned per window; one feature per file.

    On first use each bigWig is converted once into a memory-mapped cache of its runs (the
    bases where its value changes, and the value from there: a few bytes per record of the
    bigWig, exact at base resolution), or of its values per base or per bin, all chromosomes
    end to end in the file's header order, and fingerprinted like the reference cache: a
    changed bigWig gets a new cache. Windows are then gathered from memory by a numba kernel,
    so DataLoader workers read pages, not compressed bigWig blocks. The object pickles without
    its memory maps and reopens them in each worker.

    Parameters
    ----------
    paths : str, Path, or sequence of them
        bigWig files, one track each, over one assembly (equal lengths where they share a
        chromosome).
    names : sequence of str, optional
        Track names (``features``); by default the file names without ``.bw``/``.bigWig``.
    bin_size : int or None
        Bases per bin: a window of ``L`` bases (after ``center_crop``) gives ``L // bin_size``
        bins over its middle ``L // bin_size * bin_size`` bases (the ``L % bin_size`` left over
        are split between the two edges, the odd one at the end). None: one value per track over
        the whole window (windows may then differ in length).
    aggregation : {'mean', 'sum', 'max'}
        How a bin's bases combine. ``mean`` is the sum over the bin's ``bin_size`` bases
        divided by ``bin_size`` (bases without data count as 0).
    transform : 'log1p', callable, or None
        Applied to the binned float32 array ``(N, T, n_bins)`` (or ``(N, T)``) last; a callable
        must return an array of the same shape and be picklable for DataLoader workers.
    center_crop : int, optional
        Keep only the central ``center_crop`` bases of each window (starting
        ``(L - center_crop) // 2`` bases in) before binning, e.g. to predict the middle of a
        longer input sequence.
    cache_dtype : {'float32', 'float16'}
        Storage of the cached values: 4 bytes each (exact float32 of the bigWig's values), or 2
        (the values take half the disk and page cache). float16 keeps each value ``x`` within
        ``max(2**-11 * |x|, 2**-25)`` (relative 4.9e-4; absolute 3e-8 below 6.1e-5); bins sum
        those rounded values. A value beyond float16's range (|x| > 65504) is refused.
    cache_resolution : {'runs', 'base', 'bin'}
        ``'runs'`` caches each track's runs of equal value, for any window: per change of
        value a ``uint32`` position and a value (8 bytes with float32, 6 with float16; bases
        of value 0 or without data cost nothing), plus 4 bytes per 256 bases of index; bins
        are summed from the runs on the fly. ``'base'`` caches one value per base, for any
        window: smaller than ``'runs'`` only where the value changes at most every other base
        (e.g. conservation scores). ``'bin'`` (needs ``bin_size``)
        caches the bins of each chromosome's grid ``[k * bin_size, (k + 1) * bin_size)``,
        aggregated once: ``bin_size`` times less disk and memory traffic, but the binned span
        of every window must start on that grid (a ``ValueError`` otherwise).
    cache_dir : str or Path, optional
        Folder for the caches; by default beside each bigWig (``<file>.selcache/``), or in
        ``$XDG_CACHE_HOME/selene`` when that is not writable.

    Notes
    -----
    Every track is a value per base of every chromosome: bases without data in the bigWig
    (gaps between its records, or a NaN value), and bases outside a chromosome (a window that
    starts before 0 or runs past the end), are 0. A track that lacks a chromosome that another
    track has is 0 on all of it (with a :class:`~selene.utils.warnings.SeleneWarning` at
    construction). Chromosome names are matched with or without the ``chr`` prefix (``chr1`` /
    ``1``, ``chrM`` / ``MT``); a name none of the files has is a ``KeyError``.

    Attributes
    ----------
    features : list of str
    n_features : int
        Number of tracks ``T``.
    chroms : list of str
        Chromosomes known to any track.
    chrom_lengths : dict of str to int
    cache_files : list of Path
        Each track's cache: a folder (``'runs'``) or a ``.npy`` file.
    """

    binary = False
    whole_window = True  # samplers pass whole windows; center_crop and bin_size place the bins

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        names: Sequence[str] | None = None,
        bin_size: int | None = 1,
        aggregation: str = "mean",
        transform: str | Callable[[np.ndarray], np.ndarray] | None = None,
        center_crop: int | None = None,
        cache_dtype: str = "float32",
        cache_resolution: str = "runs",
        cache_dir: str | Path | None = None,
    ) -> None:
        self.paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        if not self.paths:
            raise ValueError("BigWigTargets needs at least one bigWig path")
        self.features = track_names(self.paths, names)
        self.n_features = len(self.paths)
        self.bin_size, self.center_crop = check_sizes(bin_size, center_crop)
        if aggregation not in _kernels.AGGREGATIONS:
            raise ValueError(
                f"aggregation must be one of {sorted(_kernels.AGGREGATIONS)}; got {aggregation!r}"
            )
        self.aggregation = aggregation
        if not (transform is None or callable(transform) or transform in _TRANSFORMS):
            raise ValueError(
                f"transform must be None, a callable or one of {sorted(_TRANSFORMS)}; "
                f"got {transform!r}"
            )
        self.transform = transform
        self.never_nan = transform is None  # log1p of a value below -1 is NaN
        if cache_dtype not in ("float32", "float16"):
            raise ValueError(f"cache_dtype must be 'float32' or 'float16'; got {cache_dtype!r}")
        self.cache_dtype = cache_dtype
        self.cache_resolution = cache_resolution
        self._step = check_resolution(cache_resolution, self.bin_size)  # bases per cached value
        sizes = [chrom_sizes(p) for p in self.paths]
        self.chrom_lengths = union_sizes(self.paths, sizes)
        self.chroms = list(self.chrom_lengths)
        self._aliases = aliases(self.chroms)
        # Per track and chromosome: where it starts in the track's cache, and its length there.
        self._offsets, self._lengths = layout(self.chroms, sizes, self._step)
        self._sizes = sizes
        self.cache_files = [
            load_or_build_runs(p, s, cache_dtype, cache_dir)
            if cache_resolution == "runs"
            else load_or_build(p, s, cache_dtype, cache_dir, self._step, aggregation)
            for p, s in zip(self.paths, sizes, strict=True)
        ]
        self._tracks: tuple | None = None
        self._table = _kernels.half_table() if cache_dtype == "float16" else np.zeros(1, "f4")

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_tracks"] = None  # workers reopen the memory maps
        return state

    def _arrays(self) -> tuple:
        if self._tracks is None and self.cache_resolution == "runs":
            runs = [open_runs(f) for f in self.cache_files]
            layout = runs_layout(self.chroms, self._sizes, [r[3] for r in runs])
            self._tracks = (*(tuple(r[i] for r in runs) for i in range(3)), layout)
        elif self._tracks is None:
            self._tracks = tuple(open_track(f) for f in self.cache_files)
        return self._tracks

    def label_shape(self, length: int) -> tuple[int, ...]:
        """Shape of one window's labels: ``(T, L // bin_size)``, or ``(T,)`` without bins.

        Parameters
        ----------
        length : int
            Window length before ``center_crop``.
        """
        if self.bin_size is None:
            return (self.n_features,)
        return (self.n_features, (self.center_crop or length) // self.bin_size)

    def chrom_ids(self, names: Sequence[str] | str) -> np.ndarray:
        """Index of each chromosome name into :attr:`chroms`; -1 where no track has it.

        ``chr1`` and ``1`` (and ``chrM`` / ``MT``) name one chromosome here.

        Returns
        -------
        np.ndarray, shape (len(names),), dtype int32
        """
        if isinstance(names, str):
            names = [names]
        get = self._aliases.get
        return np.fromiter((get(n, -1) for n in names), dtype=np.int32, count=len(names))

    def window_grid(self, length: int) -> tuple[int, int] | None:
        """With a cache of bins: ``(bin_size, phase)``, the window starts whose bins lie on it.

        None with a per-base cache (any start). Samplers snap their windows onto the grid.
        """
        if self._step == 1:
            return None
        crop = self.center_crop or length
        lead = (length - crop) // 2 + crop % self._step // 2  # first binned base of a window
        return self._step, -lead % self._step

    def missing_chroms(self, names: Sequence[str]) -> list[str]:
        """Names among ``names`` that no track has (``chr1`` and ``1`` match each other)."""
        return [
            n for n, i in zip(names, self.chrom_ids(list(names)).tolist(), strict=True) if i < 0
        ]

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Tracks of the window ``[start, end)`` of ``chrom`` (0-based, end-exclusive).

        Returns
        -------
        np.ndarray, shape (T, n_bins) or (T,) when ``bin_size`` is None, dtype float32
        """
        return self.get_feature_data_batch([chrom], [start], [end])[0]

    def get_feature_data_batch(
        self,
        chroms: Sequence[str] | np.ndarray,
        starts: Sequence[int] | np.ndarray,
        ends: Sequence[int] | np.ndarray,
    ) -> np.ndarray:
        """Tracks of many windows in one call.

        Parameters
        ----------
        chroms : sequence of str, or np.ndarray of int
            Chromosome names, or ids from :meth:`chrom_ids`.
        starts, ends : array-like of int, shape (N,)
            0-based, end-exclusive windows; one length for all unless ``bin_size`` is None.

        Returns
        -------
        np.ndarray, shape (N, T, L // bin_size), or (N, T) when ``bin_size`` is None, float32
        """
        ids = self._ids(chroms)
        starts, lengths = windows(ids, starts, ends, self.center_crop)
        starts, n_bins, bins = self._bins(starts, lengths)
        out = np.empty((ids.size, self.n_features, n_bins), np.float32)
        code = _kernels.AGGREGATIONS[self.aggregation]
        if self.cache_resolution == "runs":
            positions, values, index, layout = self._arrays()
            gather_runs(
                positions, values, index, self._table, layout, SHIFT, ids, starts, bins, code, out
            )
            return self._finish(out)
        if self._step > 1:  # a cache of bins: copy n_bins values per window
            starts, bins, code = on_grid(starts, self._step), np.ones_like(bins), _kernels.SUM
        tracks = self._arrays()
        _kernels.gather(
            tracks, self._table, self._offsets, self._lengths, ids, starts, bins, code, out
        )
        return self._finish(out)

    def _finish(self, out: np.ndarray) -> np.ndarray:
        if self.bin_size is None:
            out = out[:, :, 0]
        if self.transform is not None:
            out = np.asarray(_TRANSFORMS.get(self.transform, self.transform)(out), np.float32)
        return out

    def _ids(self, chroms: Sequence[str] | np.ndarray) -> np.ndarray:
        return window_chrom_ids(chroms, self.chroms, self.chrom_ids, self.describe)

    def _bins(self, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
        """Return the starts of the binned spans, the bins per window, and bases per bin."""
        if self.bin_size is None:
            return starts, 1, lengths
        if lengths.size and (lengths != lengths[0]).any():
            raise ValueError(
                f"windows of one batch must have one length with bin_size={self.bin_size}; "
                f"got lengths {np.unique(lengths)[:5].tolist()} (use bin_size=None for one "
                "value per window)"
            )
        length = int(lengths[0]) if lengths.size else self.bin_size
        if length < self.bin_size:
            raise ValueError(f"window length {length} is shorter than bin_size={self.bin_size}")
        # The bins cover the middle of the window; the L % bin_size bases left over are split
        # between its two edges.
        starts = starts + (length % self.bin_size) // 2
        return starts, length // self.bin_size, np.full(lengths.size, self.bin_size, np.int64)

    def describe(self) -> str:
        """Name the bigWig files (for messages)."""
        return ", ".join(str(p) for p in self.paths)

    def __repr__(self) -> str:
        return (
            f"BigWigTargets({[str(p) for p in self.paths]!r}, bin_size={self.bin_size}, "
            f"aggregation={self.aggregation!r})"
        )
