"""The batched kernel equals a brute-force overlap computation, exactly (hypothesis)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from targets_helpers import brute_labels, write_bed

from selene.targets import GenomicFeatures, _index
from selene.utils.warnings import SeleneWarning

FEATURES = ["A", "B", "C", "D"]
CHROMS = ["chr1", "chr2", "chr3"]  # chr3 never has intervals

intervals = st.lists(
    st.tuples(
        st.sampled_from(CHROMS[:2]),
        st.integers(0, 120),
        st.one_of(st.integers(0, 3), st.integers(0, 40), st.integers(0, 2500)),
        st.sampled_from([*FEATURES, "not_listed"]),
    ).map(lambda r: (r[0], r[1], r[1] + r[2], r[3])),
    max_size=20,
)


@st.composite
def windows(draw: st.DrawFn, rows: list) -> list[tuple[str, int, int]]:
    """Random windows, plus windows starting and ending on every interval edge (and one off)."""
    out = []
    for _ in range(draw(st.integers(1, 10))):
        chrom = draw(st.sampled_from(CHROMS))
        start, length = draw(st.integers(0, 160)), draw(st.integers(1, 300))
        out.append((chrom, start, start + length))
    length = draw(st.sampled_from([1, 2, 3, 17, 200]))
    for chrom, edge in sorted({(c, x) for c, s, e, _ in rows for x in (s, e)}):
        for pos in (edge - 1, edge, edge + 1):
            out += [(chrom, pos, pos + length), (chrom, pos - length, pos)]
    return [w for w in out if w[1] >= 0]


fraction = st.one_of(st.sampled_from([0.0, 0.01, 0.5, 1.0]), st.floats(0, 1))
thresholds = st.one_of(
    st.none(),
    st.just(0.0),
    fraction,
    st.integers(0, 1),
    st.dictionaries(st.sampled_from(FEATURES), fraction).flatmap(
        lambda d: fraction.map(lambda default: {**d, "default": default})
    ),
    st.fixed_dictionaries({f: fraction for f in FEATURES}).map(lambda t: ("function", t)),
)


def _as_arguments(spec: object) -> tuple[object, np.ndarray | None]:
    """The object passed to GenomicFeatures, and the float32 vector Selene would build."""
    if spec is None:
        return None, None
    if isinstance(spec, tuple):
        table = spec[1]
        return table.__getitem__, np.array([table[f] for f in FEATURES]).astype(np.float32)
    if isinstance(spec, dict):
        vec = [spec.get(f, spec["default"]) for f in FEATURES]
        return spec, np.array(vec).astype(np.float32)
    return spec, np.full(len(FEATURES), spec, dtype=np.float64).astype(np.float32)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    rows=intervals,
    spec=thresholds,
    binary=st.booleans(),
    piece=st.sampled_from([_index.MAX_PIECE, 7, 1]),
    shuffle=st.randoms(use_true_random=False),
)
def test_batch_equals_brute_force(data, rows, spec, binary, piece, shuffle) -> None:
    wins = data.draw(windows(rows))
    arg, vec = _as_arguments(spec)
    shuffled = list(rows)
    shuffle.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp, patch.object(_index, "MAX_PIECE", piece):
        path = write_bed(Path(tmp) / "x.bed", shuffled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeleneWarning)
            target = GenomicFeatures(path, FEATURES, feature_thresholds=arg, binary=binary)
    chroms = [c for c, _, _ in wins]
    starts = np.array([s for _, s, _ in wins])
    ends = starts + np.array([n for _, _, n in wins])
    got = target.get_feature_data_batch(chroms, starts, ends)
    want = np.stack(
        [
            brute_labels(rows, FEATURES, vec, binary, c, int(s), int(e))
            for c, s, e in zip(chroms, starts, ends, strict=True)
        ]
    )
    np.testing.assert_array_equal(got, want)
    by_id = target.get_feature_data_batch(target.chrom_ids(chroms), starts, ends)
    np.testing.assert_array_equal(by_id, want)
    np.testing.assert_array_equal(
        target.get_feature_data(chroms[0], int(starts[0]), int(ends[0])), want[0]
    )


def test_every_window_of_a_dense_toy_genome() -> None:
    """All windows over a small, dense region: every edge case of the overlap rule, in bulk."""
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(3):
            n = 60
            starts = rng.integers(0, 120, n)
            lengths = np.where(rng.random(n) < 0.2, 0, rng.integers(1, 40, n))
            lengths[rng.random(n) < 0.1] = 1500
            names = rng.choice(FEATURES, n)
            rows = [
                ("chr1", int(s), int(s + w), str(f))
                for s, w, f in zip(starts, lengths, names, strict=True)
            ]
            path = write_bed(Path(tmp) / f"dense{seed}.bed", rows)
            starts_q = np.repeat(np.arange(0, 140), 6)
            ends_q = starts_q + np.tile([1, 2, 3, 10, 37, 200], 140)
            for spec in (None, 0.0, 0.5, 1.0, {"default": 0.3, "A": 0.05}):
                for binary in (True, False):
                    arg, vec = _as_arguments(spec)
                    with patch.object(_index, "MAX_PIECE", 16 if seed == 2 else _index.MAX_PIECE):
                        target = GenomicFeatures(path, FEATURES, arg, binary=binary)
                    got = target.get_feature_data_batch(["chr1"] * starts_q.size, starts_q, ends_q)
                    want = np.stack(
                        [
                            brute_labels(rows, FEATURES, vec, binary, "chr1", int(s), int(e))
                            for s, e in zip(starts_q, ends_q, strict=True)
                        ]
                    )
                    np.testing.assert_array_equal(got, want, err_msg=f"{seed} {spec} {binary}")
