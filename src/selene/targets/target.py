"""The ``Target`` protocol: what a sampler asks of anything that labels genomic windows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

__all__ = ["Target", "check_target"]


class Target(ABC):
    """Labels for genomic windows, one value per feature: everything a sampler uses.

    A subclass sets ``n_features`` (and ``features`` when it knows their names) and implements
    :meth:`get_feature_data`; the rest has defaults. :meth:`get_feature_data_batch` falls back
    to one :meth:`get_feature_data` call per window; fast subclasses override it with a
    vectorised kernel. Samplers take any Target and never test for a concrete class.

    Attributes
    ----------
    n_features : int
        Number of label columns (required).
    features : list of str or None
        Names of the label columns, in order; None leaves them to the sampler's ``features=``.
    binary : bool
        True when every label is 0 or 1 (loaders then move them as ``uint8``, exactly).
    never_nan : bool
        True when no label is ever NaN (samplers then skip their per-batch NaN check).
    label_range : (float, float) or None
        Bounds every label lies within, when the target can promise them (``GenomicFeatures``:
        0..1); samplers then skip their per-batch check against the loss's range.
    absent_features : sequence of str
        Listed features the source holds no data for (always negative); samplers refuse a
        target with any, since such labels are learnt as all-negative.
    whole_window : bool
        False: samplers ask for the labels of the centred bin ``center_bin_to_predict`` of each
        window (the Selene SDK's convention for features). True: they ask for the whole input
        window, and the target places its own crop and bins (``BigWigTargets``' ``center_crop``
        and ``bin_size``).

    Notes
    -----
    Labels may carry a length axis: a track target gives ``(N, T, L')`` per batch
    (:meth:`label_shape`), bin ``k`` covering the ``k``-th stretch of the window from its start
    on the '+' strand. Samplers that read a window on the '-' strand (its reverse complement)
    give the labels :meth:`flip_strand` makes of the '+' ones.
    """

    n_features: int
    features: list[str] | None = None
    binary: bool = False
    never_nan: bool = False
    label_range: tuple[float, float] | None = None
    absent_features: Sequence[str] = ()
    whole_window: bool = False

    @abstractmethod
    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Labels of the window ``[start, end)`` of ``chrom`` (0-based, end-exclusive).

        Returns
        -------
        np.ndarray, shape (n_features,)
        """

    def get_feature_data_batch(
        self, chroms: Sequence[str] | np.ndarray, starts: Sequence[int], ends: Sequence[int]
    ) -> np.ndarray:
        """Labels of many windows, one row per window.

        Parameters
        ----------
        chroms : sequence of str, or np.ndarray
            One key per window: a chromosome name, or what :meth:`chrom_ids` gave for it.
        starts, ends : array-like of int, shape (N,)
            0-based, end-exclusive windows.

        Returns
        -------
        np.ndarray, shape (N, n_features), dtype float32
        """
        rows = [
            np.asarray(self.get_feature_data(c, int(s), int(e)), dtype=np.float32)
            for c, s, e in zip(chroms, starts, ends, strict=True)
        ]
        if not rows:
            raise ValueError("get_feature_data_batch needs at least one window")
        return np.stack(rows)

    def label_shape(self, length: int) -> tuple[int, ...]:
        """Shape of one window's labels: ``(n_features,)``, or e.g. ``(T, L')`` for tracks.

        Parameters
        ----------
        length : int
            Length of the span the sampler asks for (the centred bin, or the whole window
            when :attr:`whole_window`).
        """
        return (self.n_features,)

    def flip_strand(self, labels: np.ndarray) -> np.ndarray:
        """Labels of windows read on the '-' strand, from those of the same windows on '+'.

        The default reverses the length axis of positional labels (``(N, T, L')``: bin ``k``
        becomes bin ``L' - 1 - k``, as the reverse complement reverses the bases) and leaves
        per-window labels (``(N, F)``: features, window totals) alone. A target of stranded
        tracks overrides it to swap each '+'/'-' pair as well.

        Parameters
        ----------
        labels : np.ndarray, shape (N, *label_shape)
            Labels of '+' windows; samplers pass a copy, so it may be changed in place.

        Returns
        -------
        np.ndarray, same shape
        """
        return labels[..., ::-1] if labels.ndim > 2 else labels

    def window_grid(self, length: int) -> tuple[int, int] | None:
        """Give the starts of the windows of ``length`` this target labels (None: any start).

        A target that stores values per fixed bin (``BigWigTargets(cache_resolution='bin')``)
        returns ``(step, phase)``: it labels the windows whose ``start % step == phase``.
        Online samplers move each window they draw down onto that grid (by fewer than
        ``step`` bases).
        """
        return None

    def missing_chroms(self, names: Sequence[str]) -> list[str]:
        """Chromosome names among ``names`` this target cannot label (it has no data there).

        Samplers refuse, at construction, to draw windows from such a chromosome. The default
        is none: a feature BED without an interval on a chromosome labels it all-negative;
        ``BigWigTargets`` lists the chromosomes none of its files has.
        """
        return []

    def chrom_ids(self, names: Sequence[str]) -> np.ndarray:
        """Keys for chromosome names that :meth:`get_feature_data_batch` takes as ``chroms``.

        Samplers translate their reference's names once, then pass keys. The default key is
        the name itself; a target with its own chromosome numbering returns those numbers.

        Returns
        -------
        np.ndarray, shape (len(names),)
        """
        return np.asarray(list(names), dtype=object)

    def describe(self) -> str:
        """Name the target's source in messages (the class name by default)."""
        return type(self).__name__


def check_target(target: object, owner: str) -> Target:
    """Refuse an object that does not follow the :class:`Target` protocol.

    Parameters
    ----------
    target : object
        What a sampler was given as its target.
    owner : str
        Who asks (named in the message), e.g. ``"RandomPositionsSampler"``.

    Returns
    -------
    Target
        ``target`` itself.

    Raises
    ------
    TypeError
        If ``target`` is not a ``Target``, or lacks an int ``n_features``.
    ValueError
        If ``n_features`` is below 1 or differs from the length of ``features``.
    """
    name = type(target).__name__
    if not isinstance(target, Target):
        raise TypeError(
            f"{owner}: target must be a selene.targets.Target; got {name}. Subclass Target, "
            "set n_features (and features) and implement get_feature_data(chrom, start, end); "
            "for a BED file pass target_path=PATH instead"
        )
    try:
        n = target.n_features
    except AttributeError:
        raise TypeError(
            f"{owner}: {name} sets no n_features; a Target sets n_features (the number of "
            "label columns) in its __init__"
        ) from None
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"{owner}: {name}.n_features must be an int; got {n!r}")
    if n < 1:
        raise ValueError(f"{owner}: {name}.n_features must be at least 1; got {n}")
    if target.features is not None and len(target.features) != n:
        raise ValueError(
            f"{owner}: {name} has n_features={n} but {len(target.features)} features; "
            "they must agree"
        )
    return target
