from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selene.sequences import Genome

_COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}
_CHROMS = {"c1": 173, "c2": 1, "c3": 64, "c4": 1000}


@pytest.fixture(scope="module")
def random_genome(tmp_path_factory: pytest.TempPathFactory) -> tuple[Genome, dict[str, str]]:
    rng = np.random.default_rng(7)
    records = {c: "".join(rng.choice(list("ACGTacgtNnRy"), n)) for c, n in _CHROMS.items()}
    path = tmp_path_factory.mktemp("batch") / "random.fa"
    with path.open("w") as out:
        for name, seq in records.items():
            out.write(
                f">{name}\n" + "".join(seq[i : i + 13] + "\n" for i in range(0, len(seq), 13))
            )
    return Genome(path), records


def brute_force(records: dict[str, str], chrom: str, start: int, end: int, minus: bool) -> list:
    """Codes of one window from the letters, in plain Python."""
    letters = [
        records[chrom][p].upper() if 0 <= p < len(records[chrom]) else "N"
        for p in range(start, end)
    ]
    if minus:
        letters = [_COMPLEMENT.get(b, "N") for b in reversed(letters)]
    return ["ACGT".index(b) if b in "ACGT" else 4 for b in letters]


@st.composite
def windows(draw: st.DrawFn, pad: bool) -> tuple[list[str], list[int], int, list[bool]]:
    length = draw(st.integers(1, 1000 if pad else 64))
    chroms = [c for c, n in _CHROMS.items() if pad or n >= length]
    n = draw(st.integers(1, 20))
    names = draw(st.lists(st.sampled_from(chroms), min_size=n, max_size=n))
    starts = []
    for name in names:
        size = _CHROMS[name]
        low, high = (1 - length, size - 1) if pad else (0, size - length)
        starts.append(draw(st.integers(low, high)))
    minus = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return names, starts, length, minus


@settings(max_examples=150, deadline=None)
@given(data=st.data(), pad=st.booleans())
def test_batch_equals_brute_force(random_genome, data: st.DataObject, pad: bool) -> None:
    genome, records = random_genome
    names, starts, length, minus = data.draw(windows(pad))
    ends = [s + length for s in starts]
    codes = genome.get_encodings(names, starts, ends, minus, pad=pad)
    expected = [brute_force(records, *w) for w in zip(names, starts, ends, minus, strict=True)]
    assert codes.dtype == np.uint8 and codes.shape == (len(names), length)
    assert codes.tolist() == expected
    # ids, string strands and single windows give the same answer
    strands = ["-" if m else "+" for m in minus]
    same = genome.get_encodings(
        genome.chrom_ids(names), np.array(starts), np.array(ends), strands, pad
    )
    np.testing.assert_array_equal(same, codes)
    one = genome.get_codes_from_coords(names[0], starts[0], ends[0], strands[0], pad=pad)
    np.testing.assert_array_equal(one, codes[0])


def test_batch_input_forms(random_genome) -> None:
    genome, _ = random_genome
    plus = genome.get_encodings(["c1", "c4"], [0, 5], [10, 15])
    np.testing.assert_array_equal(
        plus, genome.get_encodings(np.array([0, 3]), [0, 5], [10, 15], "+")
    )
    np.testing.assert_array_equal(
        genome.get_encodings(["c1", "c4"], [0, 5], [10, 15], "-"),
        genome.get_encodings(["c1", "c4"], [0, 5], [10, 15], np.array([1, 1])),
    )
    dot = genome.get_encodings(["c1"], [0], [10], ["."])
    np.testing.assert_array_equal(dot, plus[:1])
    assert genome.get_encodings([], [], []).shape == (0, 0)


def test_batch_errors(random_genome) -> None:
    genome, _ = random_genome
    with pytest.raises(ValueError, match="equal lengths; got 2, 1, 1"):
        genome.get_encodings(["c1", "c1"], [0], [10])
    with pytest.raises(ValueError, match="same positive length; got lengths \\[10, 11\\]"):
        genome.get_encodings(["c1", "c1"], [0, 0], [10, 11])
    with pytest.raises(ValueError, match="same positive length"):
        genome.get_encodings(["c1"], [5], [5])
    with pytest.raises(
        ValueError, match=r"window 1 \(c3:60-70\) runs past the ends of c3.*pad=True"
    ):
        genome.get_encodings(["c1", "c3"], [0, 60], [10, 70])
    with pytest.raises(ValueError, match=r"window 0 \(c1:-1-9\) runs past"):
        genome.get_encodings(["c1"], [-1], [9])
    with pytest.raises(ValueError, match=r"window 0 \(c2:1-3\) lies entirely outside c2"):
        genome.get_encodings(["c2"], [1], [3], pad=True)
    with pytest.raises(ValueError, match="chromosome ids must be in \\[0, 4\\)"):
        genome.get_encodings(np.array([4]), [0], [1])
    with pytest.raises(KeyError, match="'chr1' is not a sequence name in random.fa"):
        genome.get_encodings(["chr1"], [0], [1])
    with pytest.raises(ValueError, match="strands must be '\\+', '-' or '.'; got \\['x'\\]"):
        genome.get_encodings(["c1"], [0], [1], ["x"])
    with pytest.raises(ValueError, match="got 2 strands for 1 windows"):
        genome.get_encodings(["c1"], [0], [1], [True, False])
    with pytest.raises(TypeError, match="starts must be integers; got dtype float64"):
        genome.get_encodings(["c1"], [0.5], [1])


def test_random_genome_fixture_is_what_the_genome_reads(random_genome, tmp_path: Path) -> None:
    genome, records = random_genome
    assert genome.chrom_sizes == {c: len(s) for c, s in records.items()}


@settings(max_examples=100, deadline=None)
@given(
    regions=st.lists(
        st.tuples(
            st.sampled_from(list(_CHROMS) + ["chrX"]), st.integers(0, 1100), st.integers(0, 80)
        ),
        max_size=12,
    ),
    queries=st.lists(
        st.tuples(st.sampled_from(list(_CHROMS)), st.integers(-50, 1050), st.integers(0, 60)),
        min_size=1,
        max_size=20,
    ),
)
def test_blacklist_equals_brute_force(random_genome, tmp_path_factory, regions, queries) -> None:
    genome, _ = random_genome
    bed = tmp_path_factory.mktemp("bl") / "bl.bed"
    bed.write_text("".join(f"{c}\t{s}\t{s + n}\n" for c, s, n in regions))
    with_blacklist = Genome(genome.path, blacklist_regions=bed)
    names = [q[0] for q in queries]
    starts = np.array([q[1] for q in queries])
    ends = starts + np.array([q[2] for q in queries])
    got = with_blacklist.blacklisted_batch(names, starts, ends)
    expected = []
    for chrom, start, end in zip(names, starts, ends, strict=True):
        lo, hi = max(start, 0), min(end, _CHROMS[chrom])
        expected.append(
            any(c == chrom and s < hi and s + n > lo for c, s, n in regions) and lo < hi
        )
    assert got.tolist() == expected
