"""Reverse complement of an encoding and Genome.COMPLEMENTARY_BASE_DICT (Selene SDK parity)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from selene.sequences import Genome, get_reverse_complement_encoding, sequence_to_encoding


def test_complementary_base_dict_is_selenes() -> None:
    assert Genome.COMPLEMENTARY_BASE_DICT == {
        "A": "T",
        "C": "G",
        "G": "C",
        "T": "A",
        "N": "N",
        "a": "T",
        "c": "G",
        "g": "C",
        "t": "A",
        "n": "N",
    }


def test_reverse_complement_of_an_encoding_by_hand() -> None:
    encoding = sequence_to_encoding("AACGTN")
    # Reversed "NTGCAA", each base complemented: "NACGTT"; the N row stays 0.25 everywhere.
    want = np.array(
        [
            [0.25, 0.25, 0.25, 0.25],
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],
            [0, 0, 0, 1],
        ],
        dtype=np.float32,
    )
    out = get_reverse_complement_encoding(
        encoding, Genome.BASES_ARR, Genome.COMPLEMENTARY_BASE_DICT
    )
    np.testing.assert_array_equal(out, want)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert torch.from_numpy(out).shape == (6, 4)  # no negative strides
    np.testing.assert_array_equal(Genome.get_reverse_complement_encoding(encoding), want)
    np.testing.assert_array_equal(get_reverse_complement_encoding(encoding), want)
    # A batch (N, L, 4) is reversed window by window; twice gives the input back.
    batch = np.stack([encoding, sequence_to_encoding("GGGTTT")])
    twice = get_reverse_complement_encoding(get_reverse_complement_encoding(batch))
    np.testing.assert_array_equal(twice, batch)
    np.testing.assert_array_equal(
        get_reverse_complement_encoding(batch)[1], sequence_to_encoding("AAACCC")
    )


def test_genome_method_follows_bases_order(tmp_path: Path) -> None:
    path = tmp_path / "g.fa"
    path.write_text(">chr1\nACGTTGCAnNacgRYGGAT\n")
    for order in ("ACGT", "TGCA", "GATC"):
        genome = Genome(path, bases_order=order)
        plus = genome.get_encoding_from_coords("chr1", 2, 17)
        minus = genome.get_encoding_from_coords("chr1", 2, 17, "-")
        np.testing.assert_array_equal(genome.get_reverse_complement_encoding(plus), minus)
        # Selene's call: the function with the genome's column order and dictionary.
        np.testing.assert_array_equal(
            get_reverse_complement_encoding(
                plus, genome.BASES_ARR, genome.COMPLEMENTARY_BASE_DICT
            ),
            minus,
        )


def test_bad_encodings_and_dictionaries() -> None:
    with pytest.raises(ValueError, match=r"encoding must have shape \(\.\.\., L, 4\)"):
        get_reverse_complement_encoding(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"must map each of .* it does not for \['G'\]"):
        get_reverse_complement_encoding(np.zeros((5, 4)), "ACGT", {"A": "T", "C": "G", "T": "A"})
