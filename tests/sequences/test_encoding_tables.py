"""The one complement table and the one codes-to-one-hot conversion (selene.sequences.encoding)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from selene.datasets.synthetic import reverse_complement as motif_reverse_complement
from selene.sequences import Genome, complement_codes, reverse_complement
from selene.sequences.encoding import COMPLEMENT, DNA_COMPLEMENT, codes_to_one_hot

# Written out independently of COMPLEMENT: what each form must give.
IUPAC = "ACGTUNXRYWSKMDHVB"
IUPAC_PAIRS = "TGCAANXYRWSMKHDBV"


def test_the_string_forms_derive_from_one_table():
    assert "".join(COMPLEMENT[b] for b in IUPAC) == IUPAC_PAIRS
    assert reverse_complement(IUPAC + IUPAC.lower() + "-*") == (
        "*-" + IUPAC_PAIRS.lower()[::-1] + IUPAC_PAIRS[::-1]
    )
    assert motif_reverse_complement("AACGTn") == "nACGTT"
    assert (
        DNA_COMPLEMENT
        == Genome.COMPLEMENTARY_BASE_DICT
        == {
            **dict(zip("ACGTN", "TGCAN", strict=True)),
            **dict(zip("acgtn", "TGCAN", strict=True)),
        }
    )


@pytest.mark.parametrize(
    ("alphabet", "expected"),
    [("ACGT", [3, 2, 1, 0, 4]), ("TGCA", [3, 2, 1, 0, 4]), ("AGCT", [3, 2, 1, 0, 4]),
     ("ATCG", [1, 0, 3, 2, 4]), ("acgt", [3, 2, 1, 0, 4])],
)  # fmt: skip
def test_complement_codes(alphabet, expected):
    codes = complement_codes(alphabet)
    assert codes is not None and codes.dtype == np.uint8
    assert codes.tolist() == expected
    letters = alphabet.upper() + "N"
    assert [letters[c] for c in codes] == [COMPLEMENT[b] for b in letters]


def test_no_complement_for_proteins():
    assert complement_codes("ACDEFGHIKLMNPQRSTVWY") is None


@pytest.mark.parametrize("n_letters", [4, 20])
def test_channels_last_equals_the_default_layout(n_letters):
    codes = torch.randint(
        0, 256, (5, 37), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    plain = codes_to_one_hot(codes, n_letters)
    packed = codes_to_one_hot(codes, n_letters, channels_last=True)
    assert packed.shape == plain.shape == (5, n_letters, 37)
    assert torch.equal(packed, plain)  # exact: 0, 1 and the same rounded 1 / n_letters
    assert packed.stride() == (37 * n_letters, 1, n_letters)  # (N, L, A) in memory
    assert (plain[codes.unsqueeze(1).expand_as(plain) >= n_letters] == 1.0 / n_letters).all()


def test_channels_last_leaves_int64_codes_alone():
    codes = torch.tensor([[0, 9, 3]])
    out = codes_to_one_hot(codes, channels_last=True)
    assert codes.tolist() == [[0, 9, 3]]
    assert out[0, :, 1].tolist() == [0.25] * 4


def test_codes_must_be_integer():
    with pytest.raises(TypeError, match="codes must be an integer tensor"):
        codes_to_one_hot(torch.zeros(2, 3), channels_last=True)
