"""Index BED intervals for window queries: sorted by ``(chrom, start)``, long ones split.

The intervals come from :func:`selene.io.bed.read_bed`; the index is what the labelling kernels
(``_kernels``) scan.
"""

from __future__ import annotations

import numpy as np

from selene.targets import _kernels

#: Intervals longer than this are split into adjacent pieces (same union, same overlaps), so a
#: window query never has to scan back past one very long interval.
MAX_PIECE = 1024


def index_intervals(
    chrom: np.ndarray, starts: np.ndarray, ends: np.ndarray, feats: np.ndarray, n_chroms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Sort intervals by ``(chrom, start)``, split long ones, and build the query index.

    Returns
    -------
    tuple
        ``(offsets, starts, ends, max_ends, feats, sources, was_sorted)``: ``offsets``
        (n_chroms + 1,) delimit each chromosome's slice; ``max_ends`` is the running maximum of
        ``ends`` per chromosome; ``sources`` (int32) numbers the input interval each piece comes
        from, or is None when no interval was split (each piece is then a whole interval);
        ``was_sorted`` says whether the input was already in order.
    """
    key = (chrom << 40) | starts
    was_sorted = bool(np.all(key[1:] >= key[:-1]))
    lengths = ends - starts
    n_pieces = np.maximum(1, -(-lengths // MAX_PIECE))
    sources = None
    if np.any(n_pieces > 1):
        src = np.repeat(np.arange(starts.size), n_pieces)
        sources = src
        first = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        piece_starts = starts[src] + (np.arange(src.size) - first) * MAX_PIECE
        ends = np.minimum(piece_starts + MAX_PIECE, ends[src])
        chrom, starts, feats = chrom[src], piece_starts, feats[src]
        key = (chrom << 40) | starts
        was_sorted_now = False
    else:
        was_sorted_now = was_sorted
    if not was_sorted_now:
        order = np.argsort(key, kind="stable")
        chrom, starts, ends, feats = chrom[order], starts[order], ends[order], feats[order]
        sources = None if sources is None else sources[order]
    offsets = np.searchsorted(chrom, np.arange(n_chroms + 1), side="left").astype(np.int64)
    max_ends = _kernels.prefix_max_end(offsets, ends)
    if ends.size == 0 or ends.max() < np.iinfo(np.int32).max:  # halve the memory
        starts, ends, max_ends = (a.astype(np.int32) for a in (starts, ends, max_ends))
    if sources is not None:
        sources = sources.astype(np.int32)
    return offsets, starts, ends, max_ends, feats.astype(np.int32), sources, was_sorted
