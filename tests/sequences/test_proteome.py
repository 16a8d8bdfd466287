from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from selene.sequences import Proteome


@pytest.fixture(scope="module")
def proteome(toy_dir: Path) -> Proteome:
    return Proteome(toy_dir / "sequences_toy_proteins.fa")


def test_encodings_equal_selene(proteome: Proteome, goldens) -> None:
    offset = 0
    for prot, start, end in zip(
        goldens["protein_ids"], goldens["protein_starts"], goldens["protein_ends"], strict=True
    ):
        ours = proteome.get_encoding_from_coords(str(prot), int(start), int(end))
        theirs = goldens["protein_encodings"][offset : offset + end - start]
        np.testing.assert_array_equal(ours, theirs)
        offset += end - start
    assert offset == goldens["protein_encodings"].shape[0]


def test_interface(proteome: Proteome, toy_dir: Path) -> None:
    assert proteome.get_prots() == proteome.get_chrs() == ["P1", "Q9"]
    assert proteome.get_prot_lens() == [("P1", 120), ("Q9", 33)]
    lines = (toy_dir / "sequences_toy_proteins.fa").read_text().split("\n")
    letters = proteome.get_sequence_from_coords("P1", 0, 120)
    assert letters == lines[1] + lines[2]
    codes = proteome.get_encodings(["P1", "Q9"], [0, 0], [30, 30])
    alphabet = "ARNDCEQGHILKMFPSTWYV"
    assert codes.shape == (2, 30)
    assert codes[0].tolist() == [alphabet.index(c) if c in alphabet else 20 for c in letters[:30]]
    padded = proteome.get_codes_from_coords("Q9", 30, 36, pad=True)
    assert padded[3:].tolist() == [20, 20, 20]
    assert proteome.get_sequence_from_coords("Q9", 30, 36, pad=True).endswith("XXX")
    assert proteome.coords_in_bounds("Q9", 0, 33) and not proteome.coords_in_bounds("Q9", 0, 34)
    assert proteome.sequence_to_encoding("ax").shape == (2, 20)
    clone = pickle.loads(pickle.dumps(proteome))
    np.testing.assert_array_equal(clone.get_encodings(["P1", "Q9"], [0, 0], [30, 30]), codes)


def test_minus_strand_is_refused(proteome: Proteome) -> None:
    with pytest.raises(ValueError, match="proteins have no strand"):
        proteome.get_encoding_from_coords("P1", 0, 5, strand="-")
    with pytest.raises(ValueError, match="proteins have no strand"):
        proteome.get_encodings(["P1"], [0], [5], ["-"])
    with pytest.raises(ValueError, match="proteins have no strand"):
        proteome.get_encodings(["P1"], [0], [5], np.array([True]))
    with pytest.raises(KeyError, match="'P2' is not a sequence name in sequences_toy_proteins.fa"):
        proteome.get_codes_from_coords("P2", 0, 5)
