from __future__ import annotations

import numpy as np
import pytest
import torch

from selene.sequences import (
    Genome,
    Proteome,
    Sequence,
    codes_to_encoding,
    codes_to_one_hot,
    encoding_to_sequence,
    reverse_complement,
    sequence_to_codes,
    sequence_to_encoding,
)


def test_sequence_to_codes() -> None:
    codes = sequence_to_codes("ACGTacgtNnRX-é")
    assert codes.dtype == np.uint8
    assert codes.tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4, 4, 4, 4]
    assert sequence_to_codes("TGCAN", alphabet="TGCA").tolist() == [0, 1, 2, 3, 4]
    assert sequence_to_codes("").shape == (0,)


def test_sequence_to_encoding_is_selene_layout() -> None:
    encoding = sequence_to_encoding("AcNg")
    assert encoding.dtype == np.float32 and encoding.shape == (4, 4)
    expected = [[1, 0, 0, 0], [0, 1, 0, 0], [0.25] * 4, [0, 0, 1, 0]]
    np.testing.assert_array_equal(encoding, np.array(expected, np.float32))
    protein = sequence_to_encoding("AX", alphabet="ARNDCEQGHILKMFPSTWYV")
    assert (
        protein.shape == (2, 20) and protein[0, 0] == 1 and np.all(protein[1] == np.float32(0.05))
    )


def test_encoding_round_trip_and_errors() -> None:
    letters = "ACGTNNA"
    assert encoding_to_sequence(sequence_to_encoding(letters)) == letters
    assert encoding_to_sequence(np.zeros((2, 4))) == "NN"
    assert encoding_to_sequence(sequence_to_encoding("TGA", "TGCA"), "TGCA") == "TGA"
    with pytest.raises(ValueError, match=r"encoding must have shape \(L, 4\).*got \(3,\)"):
        encoding_to_sequence(np.zeros(3))


def test_reverse_complement() -> None:
    assert reverse_complement("AACGTn") == "nACGTT"
    assert reverse_complement("RYKMSWBDHVN") == "NBDHVWSKMRY"
    assert reverse_complement("acgt-") == "-acgt"
    assert reverse_complement("") == ""


def test_codes_to_encoding() -> None:
    codes = np.array([[0, 3, 4], [9, 1, 2]], np.uint8)
    encoding = codes_to_encoding(codes)
    assert encoding.shape == (2, 3, 4) and encoding.dtype == np.float32
    np.testing.assert_array_equal(encoding[0, 2], [0.25] * 4)
    np.testing.assert_array_equal(encoding[1, 0], [0.25] * 4)  # any code >= 4 is unknown


def test_codes_to_one_hot(device: torch.device) -> None:
    codes = torch.tensor(
        [[0, 1, 2, 3, 4, 200], [3, 3, 0, 4, 1, 2]], dtype=torch.uint8, device=device
    )
    one_hot = codes_to_one_hot(codes)
    assert one_hot.shape == (2, 4, 6) and one_hot.dtype == torch.float32
    assert one_hot.device.type == device.type
    expected = codes_to_encoding(codes.cpu().numpy()).transpose(0, 2, 1)
    np.testing.assert_array_equal(one_hot.cpu().numpy(), expected)
    single = codes_to_one_hot(codes[0], dtype=torch.float16)
    assert single.shape == (4, 6) and single.dtype == torch.float16
    np.testing.assert_array_equal(single.float().cpu().numpy(), expected[0])
    proteins = codes_to_one_hot(codes.long(), n_letters=20)
    assert proteins.shape == (2, 20, 6)
    assert torch.all(proteins[0, :, 5] == torch.tensor(0.05))
    np.testing.assert_array_equal(proteins.sum(dim=1).cpu().numpy(), np.ones((2, 6), np.float32))


def test_codes_to_one_hot_errors() -> None:
    with pytest.raises(TypeError, match="codes must be an integer tensor.*torch.float32"):
        codes_to_one_hot(torch.zeros(2, 3))
    with pytest.raises(
        ValueError, match=r"codes must have shape \(N, L\) or \(L,\); got \(1, 2, 3\)"
    ):
        codes_to_one_hot(torch.zeros(1, 2, 3, dtype=torch.uint8))


def test_batched_codes_match_single_encodings(genome: Genome) -> None:
    starts = np.array([0, 100, 7])
    codes = genome.get_encodings(["chr1", "chr10", "chrM"], starts, starts + 50, ["+", "-", "-"])
    one_hot = codes_to_one_hot(torch.from_numpy(codes)).numpy()
    for i, chrom in enumerate(["chr1", "chr10", "chrM"]):
        strand = "+" if i == 0 else "-"
        single = genome.get_encoding_from_coords(chrom, starts[i], starts[i] + 50, strand)
        np.testing.assert_array_equal(one_hot[i].T, single)


def test_sequence_methods_on_class_and_instance(toy_fasta) -> None:
    assert issubclass(Genome, Sequence) and issubclass(Proteome, Sequence)
    np.testing.assert_array_equal(Genome.sequence_to_encoding("ACGT"), np.eye(4, dtype=np.float32))
    reordered = Genome(toy_fasta, bases_order="TGCA")
    np.testing.assert_array_equal(
        reordered.sequence_to_encoding("TGCA"), np.eye(4, dtype=np.float32)
    )
    assert reordered.encoding_to_sequence(np.eye(4)) == "TGCA"
    assert Genome.encoding_to_sequence(np.eye(4)) == "ACGT"  # the class keeps its default order
    assert Proteome.encoding_to_sequence(np.full((1, 20), 0.05)) == "X"
    assert Genome.UNK_CODE == len(Genome.BASES_ARR) == 4 and Proteome.UNK_CODE == 20
