"""bigWig outputs: predicted coverage tracks and per-base attributions.

Both go through :func:`selene.io.bigwig.write_bigwig`. Values are written as float32 (what a
bigWig stores), so a file read back gives the predictions exactly; runs of equal values become
one interval, and a bin of ``b`` bases one interval of ``b`` bases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from selene.io.bigwig import value_runs, write_bigwig
from selene.predict.tracks import TrackBlock
from selene.predict.writers import progress

__all__ = ["attribution_values", "write_attribution_bigwig", "write_track_bigwigs"]


def write_track_bigwigs(
    out_dir: str | Path,
    blocks: Iterable[TrackBlock],
    chrom_sizes: Mapping[str, int],
    names: Sequence[str] | None = None,
    prefix: str = "",
    show_progress: bool = False,
) -> list[Path]:
    """Write one bigWig per track from streamed blocks (:func:`~selene.predict.predict_tracks`).

    The blocks stream to one float32 scratch file per track in ``out_dir`` (4 bytes per bin),
    then each track's bigWig is written from its scratch file, region by region, so memory
    holds one block at a time; the scratch files are removed.

    Parameters
    ----------
    out_dir : str or Path
    blocks : iterable of TrackBlock
        Sorted by chromosome (each chromosome's blocks together) and position, not overlapping.
    chrom_sizes : mapping of str to int
        The bigWig header (e.g. ``Genome.chrom_sizes``).
    names : sequence of str, optional
        One per track; default ``track0``, ``track1``, ...
    prefix : str
        Put before each file name: ``<out_dir>/<prefix><name>.bw``.
    show_progress : bool
        A progress bar over the bases written, every track's (the bigWigs are written one
        after another, once every block has come).

    Returns
    -------
    list of Path
        The bigWigs, in track order.

    Raises
    ------
    ValueError
        If the number of names differs from the tracks, there is no block, or as in
        :func:`~selene.io.bigwig.write_bigwig`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layout: list[tuple[str, int, int, int, int]] = []  # chrom, start, end, bin size, bins
    handles: list = []
    scratch: list[Path] = []
    try:
        for block in blocks:
            if not handles:
                names = _names(names, len(block.values))
                scratch = [out_dir / f".{prefix}{_safe(n)}.scratch.f32" for n in names]
                handles = [open(p, "wb") for p in scratch]  # noqa: SIM115 - closed below
            if len(block.values) != len(handles):
                raise ValueError(
                    f"a block of {block.chrom} holds {len(block.values)} tracks, the first "
                    f"held {len(handles)}; give blocks of one model"
                )
            for handle, row in zip(handles, block.values, strict=True):
                np.ascontiguousarray(row, dtype=np.float32).tofile(handle)
            layout.append(
                (block.chrom, block.start, block.end, block.bin_size, block.values.shape[1])
            )
        for handle in handles:
            handle.close()
        if not layout:
            raise ValueError(f"no predictions to write to {out_dir}")
        paths = []
        total = len(scratch) * sum(end - start for _, start, end, _, _ in layout)
        with progress(total, f"bigWigs ({len(scratch)} tracks)", 0, show_progress, "bp") as bar:
            for name, path in zip(names, scratch, strict=True):  # type: ignore[arg-type]
                values = np.memmap(path, dtype=np.float32, mode="r")
                target = out_dir / f"{prefix}{_safe(name)}.bw"
                runs = _track_runs(values, layout, bar.update)
                paths.append(write_bigwig(target, chrom_sizes, runs))
                del values
        return paths
    finally:
        for handle in handles:
            handle.close()
        for path in scratch:
            path.unlink(missing_ok=True)


def _track_runs(
    values: np.ndarray, layout, done: Callable[[int], object] = lambda bases: None
) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Blocks of one track as bigWig intervals: runs of equal bins, the last clipped to the end.

    ``done(bases)`` is told each block's bases once the writer has taken the block.
    """
    at = 0
    for chrom, start, end, bin_size, n in layout:
        first, last, run_values = value_runs(values[at : at + n])
        at += n
        yield chrom, start + first * bin_size, np.minimum(start + last * bin_size, end), run_values
        done(end - start)


def _names(names: Sequence[str] | None, n_tracks: int) -> list[str]:
    if names is None:
        return [f"track{i}" for i in range(n_tracks)]
    names = [str(n) for n in names]
    if len(names) != n_tracks:
        raise ValueError(
            f"{len(names)} track names for a model of {n_tracks} tracks; give one name per track"
        )
    if len({_safe(n) for n in names}) != n_tracks:
        raise ValueError(f"track names {names} give the same file name twice; make them distinct")
    return names


def _safe(name: str) -> str:
    """Return a file name for a track name (letters, digits and ``._-`` kept, others ``_``)."""
    return re.sub(r"[^\w.-]+", "_", name)


def attribution_values(
    scores: np.ndarray, codes: np.ndarray | None = None, reduce: str = "reference"
) -> np.ndarray:
    """Per-base values ``(L,)`` of attributions, float32; NaN where a base has none.

    Parameters
    ----------
    scores : numpy.ndarray, shape (L,) or (L, A)
        Per base, or per base and letter (gradients or gradient x input ``(L, A)``, or ISM
        effects laid out as ``(L, A)``). ``(A, L)`` arrays are refused: transpose them.
    codes : numpy.ndarray, shape (L,), optional
        The sequence's codes (indices into the alphabet; ``A`` or more for unknown bases).
        Needed for ``(L, A)`` scores.
    reduce : {"reference", "mean_alternatives"}
        For ``(L, A)``: ``reference`` writes the score of the base in the sequence (the usual
        gradient x input track; unknown bases get no value); ``mean_alternatives`` the mean
        over the other letters (an ISM effect matrix, whose reference entries are 0, reads as
        the mean effect of mutating each base; all letters at unknown bases).

    Raises
    ------
    ValueError
        If the shapes disagree, ``codes`` is missing for ``(L, A)`` scores, or ``reduce`` is
        unknown.
    """
    scores = np.asarray(scores, dtype=np.float32)
    if scores.ndim == 1:
        return scores.copy()
    if scores.ndim != 2:
        raise ValueError(f"scores must have shape (L,) or (L, A), got {scores.shape}")
    if reduce not in ("reference", "mean_alternatives"):
        raise ValueError(f"reduce must be 'reference' or 'mean_alternatives', got {reduce!r}")
    if codes is None or np.shape(codes) != scores.shape[:1]:
        got = "none" if codes is None else f"shape {np.shape(codes)}"
        raise ValueError(
            f"scores of shape {scores.shape} (L, A) need the sequence's codes, shape "
            f"({scores.shape[0]},), to pick each base's letter; got {got}"
        )
    codes = np.asarray(codes, dtype=np.int64)
    known = codes < scores.shape[1]
    rows = np.arange(scores.shape[0])
    if reduce == "reference":
        out = np.full(scores.shape[0], np.nan, dtype=np.float32)
        out[known] = scores[rows[known], codes[known]]
        return out
    total = scores.sum(axis=1, dtype=np.float64)
    alternatives = np.where(known, scores.shape[1] - 1, scores.shape[1])
    own = np.where(known, scores[rows, np.minimum(codes, scores.shape[1] - 1)], 0.0)
    return ((total - own) / alternatives).astype(np.float32)


def write_attribution_bigwig(
    path: str | Path,
    chrom_sizes: Mapping[str, int],
    chrom: str,
    start: int,
    scores: np.ndarray,
    codes: np.ndarray | None = None,
    reduce: str = "reference",
) -> Path:
    """Write one sequence's attributions (ISM or gradients) as a bigWig from ``start`` on.

    Parameters
    ----------
    path : str or Path
    chrom_sizes : mapping of str to int
        The header (e.g. ``Genome.chrom_sizes``).
    chrom : str
    start : int
        0-based position of ``scores[0]``.
    scores, codes, reduce
        As in :func:`attribution_values`.

    Returns
    -------
    Path
        The bigWig written.

    Raises
    ------
    ValueError
        As in :func:`attribution_values`, or if the scores run outside ``chrom``, or hold no
        finite value.
    """
    values = attribution_values(scores, codes, reduce)
    starts, ends, run_values = value_runs(values, start)
    return write_bigwig(path, chrom_sizes, [(chrom, starts, ends, run_values)])
