"""Labels of windows from a ``Target``: the span asked for, shape and value checks, strands.

What the samplers share about labels, whatever their shape: ``(N, F)`` features or window
totals, ``(N, T, L')`` tracks (``Target.label_shape``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from selene.targets import Target

_SELENE_BIN = 200  # the Selene SDK's center_bin_to_predict


def bin_offsets(sequence_length: int, center_bin_to_predict: int | list[int]) -> tuple[int, int]:
    """Where the labelled bin sits in a window, as the Selene SDK places it.

    Parameters
    ----------
    sequence_length : int
        Window length ``L``; the window is ``[c - L // 2, c - L // 2 + L)`` around a centre ``c``.
    center_bin_to_predict : int or [int, int]
        Length of the centred bin, or its ``[start, end)`` offsets inside the window.

    Returns
    -------
    (int, int)
        Offsets of the bin's start and end from the window start.

    Raises
    ------
    ValueError
        If the bin does not fit in the window, or an int bin and the window differ in parity.
    """
    if isinstance(center_bin_to_predict, int | np.integer):
        bin_len = int(center_bin_to_predict)
        if bin_len <= 0 or bin_len > sequence_length:
            raise ValueError(
                f"center_bin_to_predict must be in [1, sequence_length={sequence_length}]; "
                f"got {bin_len} (sequence_length < center_bin_to_predict?)"
            )
        if (sequence_length + bin_len) % 2:
            raise ValueError(
                f"sequence_length {sequence_length} and center_bin_to_predict {bin_len} must be "
                "both odd or both even, so that the bin is centred"
            )
        # Selene: window = c - L//2 .. c + L//2 (+1 if odd); bin = c - b//2 .. c + b//2 (+1 if odd)
        start = sequence_length // 2 - bin_len // 2
        return start, start + bin_len
    bounds = list(center_bin_to_predict)
    if len(bounds) != 2 or not 0 <= bounds[0] < bounds[1] <= sequence_length:
        raise ValueError(
            "center_bin_to_predict must be an int or [start, end] with "
            f"0 <= start < end <= sequence_length={sequence_length}; got {center_bin_to_predict!r}"
        )
    return int(bounds[0]), int(bounds[1])


def label_span(
    sequence_length: int,
    center_bin_to_predict: int | Sequence[int] | None,
    target: Target,
    default: int | None = _SELENE_BIN,
) -> tuple[int, int]:
    """Offsets from the window start of the span whose labels a sampler asks for.

    A ``whole_window`` target (``BigWigTargets``) gets the whole window and crops and bins it
    itself; any other gets the centred bin (None: ``default`` bases, the Selene SDK's 200 for
    the online samplers; ``default=None``: the whole window).

    Raises
    ------
    ValueError
        If a ``whole_window`` target is given a centred bin smaller than the window.
    """
    if target.whole_window:
        whole = center_bin_to_predict is None or (
            bin_offsets(sequence_length, center_bin_to_predict) == (0, sequence_length)
        )
        if not whole:
            raise ValueError(
                f"{target.describe()} labels the whole window (its center_crop and bin_size "
                f"place the bins); got center_bin_to_predict={center_bin_to_predict!r}: set "
                "center_bin_to_predict=None (null in a config) and crop with the target's "
                "center_crop instead"
            )
        return 0, sequence_length
    if center_bin_to_predict is None:
        if default is None:
            return 0, sequence_length
        center_bin_to_predict = default
    return bin_offsets(sequence_length, center_bin_to_predict)


def refuse_missing_chroms(target: Target, names: Sequence[str], owner: str, source: str) -> None:
    """Refuse to sample chromosomes ``names`` (of ``source``) that ``target`` has no data for."""
    missing = target.missing_chroms(list(names))
    if missing:
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise ValueError(
            f"{owner}: {target.describe()} has no chromosome {missing[:5]}{more} that {source} "
            "has and the sampler would draw windows from ('chr1' and '1' name one chromosome "
            "here); add them to exclude_chrs, leave them out of the intervals or windows, or "
            "use tracks of the reference's assembly"
        )


class LabelReader:
    """Asks a ``Target`` for the labels of a batch of windows, checks them, flips '-' windows.

    Parameters
    ----------
    target : selene.targets.Target
        The labels' source (``get_feature_data_batch``, ``label_shape``, ``flip_strand``).
    chroms : sequence of str
        The reference's chromosome names, indexed by the chromosome ids the sampler uses.
    span_start, span_end : int
        Offsets from the window start of the span asked for (see :func:`label_span`).

    Attributes
    ----------
    shape : tuple of int
        One window's labels (``target.label_shape(span_end - span_start)``).
    bounds : (float, float, str) or None
        Labels outside ``[low, high]`` are refused with the reason ``why``.
    """

    def __init__(
        self, target: Target, chroms: Sequence[str], span_start: int, span_end: int
    ) -> None:
        self.target, self.chroms = target, np.asarray(list(chroms), dtype=object)
        self.span_start, self.span_end = span_start, span_end
        self.shape = tuple(int(n) for n in target.label_shape(span_end - span_start))
        self.bounds: tuple[float, float, str] | None = None
        self._check_finite = not target.never_nan  # else checked batch by batch
        self._keys = np.asarray(target.chrom_ids(list(self.chroms)))
        # the default flip leaves per-window labels alone: skip its copy
        default_flip = getattr(type(target), "flip_strand", None) is Target.flip_strand
        self._flips = len(self.shape) > 1 or not default_flip
        grid = target.window_grid(span_end - span_start)
        #: ``(step, phase)``: the window starts the target labels (``start % step == phase``)
        self.grid = None if grid is None else (int(grid[0]), (grid[1] - span_start) % grid[0])

    def _promised(self, bounds: tuple[float, float, str]) -> bool:
        """Whether the target promises labels within ``bounds`` (no per-batch check needed)."""
        promised = getattr(self.target, "label_range", None)
        return promised is not None and bounds[0] <= promised[0] and promised[1] <= bounds[1]

    def snap(self, starts: np.ndarray) -> np.ndarray:
        """Move window starts down onto the target's grid (see ``Target.window_grid``)."""
        if self.grid is None:
            return starts
        step, phase = self.grid
        return starts - (starts - phase) % step

    @property
    def size(self) -> int:
        """Values per window."""
        return int(np.prod(self.shape))

    def __call__(self, chrom_ids: np.ndarray, starts: np.ndarray, minus: np.ndarray) -> np.ndarray:
        """Labels of the windows starting at ``starts``: float32 ``(N, *shape)``.

        Windows on the '-' strand (``minus``) get ``target.flip_strand`` of their '+' labels.
        """
        if chrom_ids.size == 0:
            return np.zeros((0, *self.shape), np.float32)
        firsts, lasts = starts + self.span_start, starts + self.span_end
        out = self.target.get_feature_data_batch(self._keys[chrom_ids], firsts, lasts)
        labels = np.asarray(out, dtype=np.float32)
        if labels.shape != (chrom_ids.size, *self.shape):
            raise ValueError(
                f"{self.target.describe()}.get_feature_data_batch gave labels of shape "
                f"{labels.shape} for {chrom_ids.size} windows; its label_shape says "
                f"{(chrom_ids.size, *self.shape)}"
            )
        if self._check_finite and not np.isfinite(labels).all():
            self._refuse(labels, ~np.isfinite(labels), chrom_ids, firsts, lasts, None)
        if self.bounds is not None and not self._promised(self.bounds):
            low, high, why = self.bounds
            outside = (labels < low) | (labels > high)
            if outside.any():
                self._refuse(labels, outside, chrom_ids, firsts, lasts, (low, high, why))
        if self._flips and minus.any():
            if not labels.flags.writeable:
                labels = labels.copy()
            labels[minus] = self.target.flip_strand(labels[minus])
        return labels

    def _refuse(
        self,
        labels: np.ndarray,
        bad: np.ndarray,
        chrom_ids: np.ndarray,
        firsts: np.ndarray,
        lasts: np.ndarray,
        bounds: tuple[float, float, str] | None,
    ) -> None:
        """Raise for the first window with a ``bad`` label, naming it, the feature and bin."""
        at = tuple(int(k) for k in np.argwhere(bad)[0])
        i, j, value = at[0], at[1], float(labels[at])
        where = f"{self.chroms[chrom_ids[i]]}:{firsts[i]}-{lasts[i]}"
        if len(at) > 2:
            where += f" (bin {at[2:] if len(at) > 3 else at[2]})"
        if bounds is None:
            shown = "NaN" if np.isnan(value) else f"{value:g}"
            raise ValueError(
                f"{self.target.describe()} gave {shown} for feature {j} of {where}: non-finite "
                "targets would make the loss NaN; fill or drop them in the target (or its "
                "transform)"
            )
        low, high, why = bounds
        raise ValueError(
            f"{self.target.describe()} gave {value:g} for feature {j} of {where}, outside "
            f"[{low:g}, {high:g}]: {why}"
        )
