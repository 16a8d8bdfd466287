"""``GenomicFeatures``: per-feature labels of genomic windows from a BED of feature intervals."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from selene.io.features import read_features
from selene.targets import _index_cache, _kernels
from selene.targets._index import ARRAYS, Index
from selene.targets._positive import any_positive
from selene.targets._thresholds import Thresholds, min_overlap, resolve_thresholds
from selene.targets.target import Target
from selene.utils.warnings import SeleneWarning

_log = logging.getLogger(__name__)


class GenomicFeatures(Target):
    """Labels from a BED of feature intervals (``chrom start end feature [...]``), as in Selene.

    The intervals are read once into sorted per-chromosome arrays, so a query needs no tabix
    index and no Python per interval; :meth:`get_feature_data_batch` labels many windows in one
    numba call.

    Parameters
    ----------
    input_path : str or Path
        A bgzipped (tabix-indexed, as Selene takes it) BED, or a plain BED, sorted or not.
        Extra columns are ignored; ``#``, ``track`` and ``browser`` lines are skipped.
    features : list of str, or str or Path
        The feature names, in label order, or a file with one name per line. Intervals of other
        features are skipped (with one :class:`~selene.utils.warnings.SeleneWarning`).
    feature_thresholds : float, dict, callable or None
        Minimum fraction of the query bin a feature must cover to be positive: a float for all
        features, a dict of per-feature fractions with a ``"default"`` key, a function of the
        feature name, or None (any overlapping interval is enough). Selene turns a fraction ``t``
        of an ``L``-base bin into the count ``int(max(float32(t) * L - 1, 0))`` and requires the
        union of the feature's intervals to cover *more* bases than that; so do we.
    binary : bool
        True for Selene's 0/1 labels; False for the covered fraction of the bin (the union of
        the feature's intervals, clipped to the bin, over the bin length).
    cache_dir : str or Path, optional
        Where to keep the parsed-interval cache of a large BED (:func:`selene.io.bed.read_bed`;
        by default beside the BED, or in ``~/.cache/selene`` when that folder is not writable),
        and the finished index beside it (memory-mapped when loaded, so a warm start neither
        reads the BED nor sorts it; keyed on the BED and the feature list).
    cache : bool, optional
        Whether to keep those caches; by default for a BED of at least
        :data:`selene.io.bed.CACHE_MIN_BYTES`. A cache that cannot be written is skipped.

    Notes
    -----
    Binary labels equal ``selene_sdk`` 0.6.0's, quirks included: an interval counts when
    ``start < bin_end and end > bin_start`` (tabix's rule), and a zero-length interval strictly
    inside the bin covers one base. Fractional labels ignore zero-length intervals. Unlike
    Selene, a threshold outside [0, 1] is an error (Selene silently uses 0), and a feature in
    the BED that is not in ``features`` is skipped with a warning (Selene raises ``KeyError``).

    Attributes
    ----------
    features : list of str
    n_features : int
    feature_index_dict : dict of str to int
        Feature name to label index.
    index_feature_dict : dict of int to str
        Label index to feature name.
    feature_thresholds : dict of str to float, or None
        Each feature's threshold.
    absent_features : list of str
        Listed features with no interval in the BED (samplers refuse a target with any).
    """

    never_nan = True  # labels are 0/1 or covered fractions
    label_range = (0.0, 1.0)

    def __init__(
        self,
        input_path: str | Path,
        features: Sequence[str] | str | Path,
        feature_thresholds: Thresholds = 0.5,
        binary: bool = True,
        cache_dir: str | Path | None = None,
        cache: bool | None = None,
    ) -> None:
        self.input_path, self.cache_dir, self._cache = Path(input_path), cache_dir, cache
        self.features = read_features(features)
        self.n_features = len(self.features)
        self.feature_index_dict = {name: i for i, name in enumerate(self.features)}
        self.index_feature_dict = dict(enumerate(self.features))
        self.binary = bool(binary)
        values = resolve_thresholds(feature_thresholds, self.features)
        self.feature_thresholds = (
            None if values is None else dict(zip(self.features, values.tolist(), strict=True))
        )
        # Selene labels with float32 thresholds, and is_positive with float64 ones; so do we.
        self._thresholds = None if values is None else values.astype(np.float32)
        self._thresholds64 = values
        self._need_rows: dict[int, np.ndarray] = {}
        self._load()

    def _load(self) -> None:
        path = self.input_path
        index = _index_cache.load_or_build(path, self.features, self._cache, self.cache_dir)
        self._use(index)
        info = index.info
        if info["skipped"]:
            warnings.warn(
                f"{path.name}: {info['skipped']} interval(s) of {info['n_unknown']} "
                f"feature(s) not in the features list are skipped: {info['unknown']}",
                SeleneWarning,
                stacklevel=3,
            )
        #: Listed features with no interval in the BED: always negative. Samplers refuse them.
        self.absent_features = list(info["absent"])
        if not info["compressed"]:
            _log.info(
                "%s is a plain (not bgzipped) BED: read its %d intervals straight into sorted "
                "in-memory arrays; no bgzip or tabix index is needed",
                path,
                info["n"],
            )
        if not info["was_sorted"]:
            _log.info("%s is not sorted by chromosome and start: sorted it in memory", path)
        _log.debug("%d intervals on %d chromosomes from %s", info["n"], len(index.chroms), path)

    def _use(self, index: Index) -> None:
        """Query ``index`` from now on."""
        self._index_files = index.files
        self._chroms = index.chroms
        self._chrom_index = {name: i for i, name in enumerate(index.chroms)}
        self._absent_ok: set[str] = set()  # names checked for a 'chr' prefix mismatch
        arrays = index.arrays
        self._offsets, self._starts, self._ends = (arrays[k] for k in ARRAYS[:3])
        self._max_ends, self._feats, self._sources = (arrays[k] for k in ARRAYS[3:])

    def __getstate__(self) -> dict:
        """Pickle a cached index as the name of its files (workers map them, no copy)."""
        state = self.__dict__.copy()
        if self._index_files is not None:
            for key in ARRAYS:
                state[f"_{key}"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._index_files is None:
            return
        try:
            self._use(_index_cache.open_index(self._index_files))
        except (OSError, ValueError, KeyError, TypeError) as err:  # its BED changed since
            warnings.warn(
                f"{self.input_path}: the index cache {self._index_files} is gone or unreadable "
                f"({err}); indexing the BED again, as it is now",
                SeleneWarning,
                stacklevel=2,
            )
            self._load()

    def chrom_ids(self, names: Sequence[str] | str) -> np.ndarray:
        """Index of each chromosome name in this BED; -1 where the BED has no interval on it.

        Returns
        -------
        np.ndarray, shape (len(names),), dtype int32

        Raises
        ------
        KeyError
            If a name is absent but its ``chr``-prefixed (or unprefixed) form is present: the
            BED and the queries name chromosomes differently, which would give all-zero labels.
        """
        if isinstance(names, str):
            names = [names]
        index = self._chrom_index
        ids = np.fromiter((index.get(n, -1) for n in names), dtype=np.int32, count=len(names))
        missing = {names[i] for i in np.flatnonzero(ids < 0)} - self._absent_ok
        for name in sorted(missing):
            other = name[3:] if name.startswith("chr") else f"chr{name}"
            if other in index:
                raise KeyError(
                    f"chromosome {name!r} is not in {self.input_path.name}, but {other!r} is; "
                    f"known: {list(self._chroms[:5])}... (check the 'chr' prefix)"
                )
            self._absent_ok.add(name)
        return ids

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Labels of the window ``[start, end)`` of ``chrom`` (0-based, end-exclusive).

        A chromosome with no interval in the BED gives all zeros, as in Selene.

        Returns
        -------
        np.ndarray, shape (n_features,), dtype float32
        """
        ids = self.chrom_ids([chrom])
        return self._label(ids, np.array([start], np.int64), np.array([end], np.int64))[0]

    def is_positive(self, chrom: str, start: int, end: int, strand: str | None = None) -> bool:
        """Whether one interval on its own meets its feature's threshold in ``[start, end)``.

        The Selene SDK's rule: an interval counts when it overlaps the window by more than
        ``int((end - start) * t - 1)`` bases (at least 0), ``t`` being its feature's threshold.
        Intervals count one at a time (two short ones of a feature may make its label 1 and
        still not this). With ``feature_thresholds=None`` any overlapping interval counts.

        Parameters
        ----------
        chrom : str
        start, end : int
            0-based, end-exclusive.
        strand : {None, '+', '-', '.'}
            Accepted for Selene's signature; the intervals carry no strand, so it changes
            nothing.

        Returns
        -------
        bool
            False for a chromosome with no interval in the BED.
        """
        if strand not in (None, "+", "-", "."):
            raise ValueError(f"strand must be None, '+', '-' or '.'; got {strand!r}")
        if not 0 <= start < end:
            raise ValueError(f"window {chrom}:{start}-{end} is invalid: need 0 <= start < end")
        cid = int(self.chrom_ids([chrom])[0])
        if cid < 0:
            return False
        first, last = int(self._offsets[cid]), int(self._offsets[cid + 1])
        lo = first + int(np.searchsorted(self._max_ends[first:last], start, side="right"))
        hi = first + int(np.searchsorted(self._starts[first:last], end, side="left"))
        pieces = slice(lo, hi)
        sources = None if self._sources is None else self._sources[pieces]
        arrays = self._starts[pieces], self._ends[pieces], self._feats[pieces], sources
        return any_positive(*arrays, int(start), int(end), self._thresholds64)

    def get_feature_data_batch(
        self,
        chroms: Sequence[str] | np.ndarray,
        starts: Sequence[int] | np.ndarray,
        ends: Sequence[int] | np.ndarray,
    ) -> np.ndarray:
        """Labels of many windows in one call (any mix of lengths).

        Parameters
        ----------
        chroms : sequence of str, or np.ndarray of int
            Chromosome names, or ids from :meth:`chrom_ids` (-1: no interval, all-zero row).
        starts, ends : array-like of int, shape (N,)
            0-based, end-exclusive windows.

        Returns
        -------
        np.ndarray, shape (N, n_features), dtype float32
        """
        arr = np.asarray(chroms)
        if arr.dtype.kind in "iu":
            ids = arr.astype(np.int64, copy=False)
            bad = np.flatnonzero((ids < -1) | (ids >= len(self._chroms)))
            if bad.size:
                raise ValueError(
                    f"chromosome id {ids[bad[0]]} out of range [-1, {len(self._chroms)}); "
                    f"get ids from chrom_ids()"
                )
        else:
            ids = self.chrom_ids([str(c) for c in arr.reshape(-1).tolist()])
        return self._label(ids, np.asarray(starts), np.asarray(ends))

    def _label(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        if not (
            ids.ndim == starts.ndim == ends.ndim == 1 and ids.size == starts.size == ends.size
        ):
            raise ValueError(
                f"chroms, starts and ends must be 1-D of one length; got shapes "
                f"{ids.shape}, {starts.shape}, {ends.shape}"
            )
        if starts.size and (starts.dtype.kind not in "iu" or ends.dtype.kind not in "iu"):
            raise TypeError(f"starts and ends must be integers; got {starts.dtype}, {ends.dtype}")
        starts = starts.astype(np.int64, copy=False)
        ends = ends.astype(np.int64, copy=False)
        bad = np.flatnonzero((starts < 0) | (ends <= starts))
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"window {i} [{starts[i]}, {ends[i]}) is invalid: need 0 <= start < end"
            )
        out = np.zeros((ids.size, self.n_features), dtype=np.float32)
        if ids.size == 0:
            return out
        rows, need = self._need(ends - starts)
        _kernels.label_windows(
            self._offsets,
            self._starts,
            self._ends,
            self._max_ends,
            self._feats,
            ids.astype(np.int64, copy=False),
            starts,
            ends,
            rows,
            need,
            self.binary,
            out,
        )
        return out

    def _need(self, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row per window into a (U, F) table of minimum overlaps, one row per distinct length."""
        if not self.binary:
            return np.zeros(lengths.size, np.int64), np.zeros((1, self.n_features), np.int64)
        lo, hi = int(lengths.min()), int(lengths.max())
        if lo == hi:
            uniq, rows = [lo], np.zeros(lengths.size, np.int64)
        else:
            uniq_arr, rows = np.unique(lengths, return_inverse=True)
            uniq, rows = uniq_arr.tolist(), rows.reshape(-1).astype(np.int64)
        table = []
        for length in uniq:
            if length not in self._need_rows:
                if len(self._need_rows) > 1024:
                    self._need_rows.clear()
                self._need_rows[length] = min_overlap(self._thresholds, self.n_features, length)
            table.append(self._need_rows[length])
        return rows, np.stack(table)

    def describe(self) -> str:
        """Name the BED the labels come from (for messages)."""
        return str(self.input_path)

    def __repr__(self) -> str:
        return (
            f"GenomicFeatures({str(self.input_path)!r}, n_features={self.n_features}, "
            f"binary={self.binary})"
        )
