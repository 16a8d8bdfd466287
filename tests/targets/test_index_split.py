"""The interval index splits long intervals into sorted pieces exactly as a stable sort would."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest

from selene.targets import _index


def _reference(chrom, starts, ends, feats, piece):
    """Every piece, then one stable sort by (chrom, start): the plain way to the same index."""
    n_pieces = np.maximum(1, -(-(ends - starts) // piece))
    src = np.repeat(np.arange(starts.size), n_pieces)
    first = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    piece_starts = starts[src] + (np.arange(src.size) - first) * piece
    order = np.argsort((chrom[src] << 40) | piece_starts, kind="stable")
    src = src[order]
    piece_starts = piece_starts[order]
    return src, piece_starts, np.minimum(piece_starts + piece, ends[src]), feats[src]


@pytest.mark.parametrize("piece", [1, 7, 1024])
@pytest.mark.parametrize("presorted", [True, False])
def test_pieces_equal_a_stable_sort_of_all_pieces(piece: int, presorted: bool) -> None:
    rng = np.random.default_rng(piece)
    for _ in range(40):
        n = int(rng.integers(1, 80))
        chrom = rng.integers(0, 3, n)
        starts = rng.integers(0, 3000, n) // 7 * 7  # many equal starts: ties
        ends = starts + rng.choice([0, 1, 6, 7, 8, 100, 1024, 1025, 5000], n)
        feats = rng.integers(0, 5, n)
        if presorted:
            order = np.lexsort((starts, chrom))
            chrom, starts, ends, feats = chrom[order], starts[order], ends[order], feats[order]
        with patch.object(_index, "MAX_PIECE", piece):
            got = _index.index_intervals(chrom, starts, ends, feats, 3)
        src, want_starts, want_ends, want_feats = _reference(chrom, starts, ends, feats, piece)
        offsets, got_starts, got_ends, _, got_feats, sources, was_sorted = got
        assert was_sorted == bool(np.all(np.diff((chrom << 40) | starts) >= 0))
        np.testing.assert_array_equal(got_starts, want_starts)
        np.testing.assert_array_equal(got_ends, want_ends)
        np.testing.assert_array_equal(got_feats, want_feats)
        if sources is not None:
            np.testing.assert_array_equal(sources, src)
        else:  # nothing split: each piece is a whole interval
            assert want_starts.size == n
        np.testing.assert_array_equal(offsets, np.searchsorted(chrom[src], np.arange(4)))
