from __future__ import annotations

import gzip
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from selene.sequences import Genome, reverse_complement
from selene.sequences.genome import Genome as GenomeFromModule


def _selene_windows(goldens: dict[str, np.ndarray]):
    """Yield each golden window with its slice of the concatenated encodings."""
    offset = 0
    for i in range(goldens["chroms"].size):
        chrom, start, end = (
            str(goldens["chroms"][i]),
            int(goldens["starts"][i]),
            int(goldens["ends"][i]),
        )
        strand = str(goldens["strands"][i])
        length = end - start
        yield i, chrom, start, end, strand, goldens["encodings"][offset : offset + length]
        offset += length


def test_public_name_is_the_module_class() -> None:
    assert Genome is GenomeFromModule


def test_chr_lens_match_selene(genome: Genome, goldens) -> None:
    # selene_sdk lists chromosomes sorted by name; we keep the FASTA order.
    assert genome.get_chrs() == ["chr1", "chr2", "chr10", "chrM"]
    expected = dict(
        zip(goldens["chr_lens_names"].tolist(), goldens["chr_lens"].tolist(), strict=True)
    )
    assert dict(genome.get_chr_lens()) == expected
    assert genome.chrom_sizes == expected


def test_encodings_equal_selene_except_minus_strand_padding(genome: Genome, goldens) -> None:
    n_checked = n_fixed = n_differs = 0
    for i, chrom, start, end, strand, theirs in _selene_windows(goldens):
        size = genome.chrom_sizes[chrom]
        pad = start < 0 or end > size
        ours = genome.get_encoding_from_coords(chrom, start, end, strand, pad=pad)
        letters = genome.get_sequence_from_coords(chrom, start, end, strand, pad=pad)
        assert ours.dtype == np.float32 and ours.shape == (end - start, 4)
        if strand == "-" and pad:
            # selene_sdk pads after reverse-complementing; we pad first: the padding swaps sides.
            left, right = max(0, -start), max(0, end - size)
            core = slice(left, end - start - right)
            expected = np.concatenate(
                [
                    np.full((right, 4), 0.25, np.float32),
                    theirs[core],
                    np.full((left, 4), 0.25, np.float32),
                ]
            )
            expected_letters = "N" * right + str(goldens["sequences"][i])[core] + "N" * left
            n_fixed += 1
            n_differs += not np.array_equal(ours, theirs)  # selene_sdk's own answer is wrong here
        else:
            expected, expected_letters = theirs, str(goldens["sequences"][i])
        np.testing.assert_array_equal(ours, expected, err_msg=f"{chrom}:{start}-{end}{strand}")
        assert letters == expected_letters
        n_checked += 1
    assert n_checked == goldens["chroms"].size and n_fixed > 0 and n_differs > 0


def test_minus_strand_is_reverse_complement_of_padded_plus(genome: Genome) -> None:
    size = genome.chrom_sizes["chr2"]
    for start, end in [(-5, 20), (size - 20, size + 9), (-3, size + 4)]:
        plus = genome.get_sequence_from_coords("chr2", start, end, "+", pad=True)
        minus = genome.get_sequence_from_coords("chr2", start, end, "-", pad=True)
        assert minus == reverse_complement(plus)
        assert plus.startswith(
            "N" * max(0, -start)
        )  # padding sits where the window left the chromosome
        assert minus.endswith("N" * max(0, -start))
        codes_plus = genome.get_codes_from_coords("chr2", start, end, "+", pad=True)
        codes_minus = genome.get_codes_from_coords("chr2", start, end, "-", pad=True)
        complement = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
        np.testing.assert_array_equal(codes_minus, complement[codes_plus][::-1])


def test_bases_order_matches_selene(toy_fasta: Path, goldens) -> None:
    reordered = Genome(toy_fasta, bases_order="TGCA")
    assert reordered.BASES_ARR.tolist() == ["T", "G", "C", "A"]
    assert reordered.BASE_TO_INDEX["t"] == 0 and Genome.BASE_TO_INDEX["t"] == 3
    ours = [
        reordered.get_encoding_from_coords(chrom, start, end, strand)
        for _, chrom, start, end, strand, _ in _selene_windows(goldens)
        if start >= 0 and end <= reordered.chrom_sizes[chrom]
    ]
    np.testing.assert_array_equal(np.concatenate(ours), goldens["order_encodings"])
    assert reordered.sequence_to_encoding("TTGA").argmax(axis=1).tolist() == [0, 0, 1, 3]
    letters = reordered.get_sequence_from_coords("chr1", 0, 300, "-").upper()
    codes = reordered.get_encodings(["chr1"], [0], [300], ["-"])[0]
    decoded = "".join(np.append(reordered.BASES_ARR, "N")[codes])
    assert decoded == "".join(c if c in "ACGT" else "N" for c in letters)


def test_blacklist_matches_selene(toy_dir: Path, goldens) -> None:
    genome = Genome(
        toy_dir / "sequences_toy.fa", blacklist_regions=toy_dir / "sequences_blacklist.bed"
    )
    chroms, starts, ends = goldens["bl_chroms"], goldens["bl_starts"], goldens["bl_ends"]
    ours = [
        genome.coords_in_bounds(str(c), int(s), int(e))
        for c, s, e in zip(chroms, starts, ends, strict=True)
    ]
    assert ours == goldens["bl_in_bounds"].tolist()
    in_bounds = np.array([genome.chrom_sizes[str(c)] for c in chroms]) >= ends
    in_bounds &= starts >= 0
    batch = genome.blacklisted_batch(genome.chrom_ids(chroms.tolist()), starts, ends)
    np.testing.assert_array_equal(~batch[in_bounds], goldens["bl_in_bounds"][in_bounds])
    assert genome.in_blacklist("chr1", 199, 300) and not genome.in_blacklist("chr1", 200, 300)
    assert genome.in_blacklist("chrM", 190, 250)  # past the end: the in-bounds part counts


def test_blacklist_gzipped_and_errors(tmp_path: Path, toy_dir: Path) -> None:
    fasta = shutil.copy(toy_dir / "sequences_toy.fa", tmp_path)
    gz = tmp_path / "bl.bed.gz"
    with gzip.open(gz, "wt") as out:
        out.write("# comment\ntrack name=x\nchr2\t10\t12\textra\n")
    genome = Genome(fasta, blacklist_regions=gz)
    np.testing.assert_array_equal(
        genome.blacklisted_batch(["chr2", "chr2", "chr1"], [0, 11, 10], [10, 30, 12]),
        [False, True, False],
    )
    assert not Genome(fasta).in_blacklist("chr2", 0, 30)
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t5\t10\nchr1\tfive\t10\n")
    with pytest.raises(ValueError, match=r"bad.bed:2: start is not a non-negative integer"):
        Genome(fasta, blacklist_regions=bad)
    bad.write_text("chr1\t10\t5\n")
    with pytest.raises(ValueError, match=r"bad.bed:1: start > end"):
        Genome(fasta, blacklist_regions=bad)
    with pytest.raises(FileNotFoundError, match="blacklist file not found"):
        Genome(fasta, blacklist_regions=tmp_path / "missing.bed")
    with pytest.raises(ValueError, match="equal lengths"):
        genome.blacklisted_batch(["chr2"], [0, 1], [5, 6])


def test_lowercase_and_iupac_are_bases_and_unknown(genome: Genome, toy_records) -> None:
    text = toy_records["chr1"]
    codes = genome.get_codes_from_coords("chr1", 0, len(text))
    expected = np.array(["ACGT".find(c) if c in "ACGT" else 4 for c in text.upper()], np.uint8)
    np.testing.assert_array_equal(codes, expected)
    assert any(c.islower() for c in text) and any(c in "RYKMSWBDHVX" for c in text.upper())
    assert genome.get_sequence_from_coords("chr1", 0, len(text)) == text


def test_single_window_errors(genome: Genome) -> None:
    with pytest.raises(
        KeyError, match=r"'1' is not a sequence name in sequences_toy.fa.*chr' prefix"
    ):
        genome.get_encoding_from_coords("1", 0, 10)
    with pytest.raises(ValueError, match="start must not exceed end"):
        genome.get_encoding_from_coords("chr1", 10, 5)
    with pytest.raises(ValueError, match="runs past the ends of chr2 .*pad=True"):
        genome.get_sequence_from_coords("chr2", -1, 5)
    with pytest.raises(ValueError, match=r"runs past the ends of chr2 \(length 37\)"):
        genome.get_codes_from_coords("chr2", 30, 40)
    with pytest.raises(ValueError, match="lies entirely outside chr2"):
        genome.get_encoding_from_coords("chr2", 37, 40, pad=True)
    with pytest.raises(ValueError, match="strand must be"):
        genome.get_encoding_from_coords("chr2", 0, 5, strand="x")
    assert genome.get_encoding_from_coords("chr2", 5, 5).shape == (0, 4)
    assert genome.get_sequence_from_coords("chr2", 5, 5) == ""


def test_check_unk(genome: Genome, toy_records) -> None:
    text = toy_records["chr1"].upper()
    clean = next(i for i in range(len(text)) if all(c in "ACGT" for c in text[i : i + 20]))
    encoding, has_unknown = genome.get_encoding_from_coords_check_unk("chr1", clean, clean + 20)
    assert not has_unknown and encoding.shape == (20, 4)
    np.testing.assert_array_equal(
        encoding, genome.get_encoding_from_coords("chr1", clean, clean + 20)
    )
    assert genome.get_encoding_from_coords_check_unk("chr1", -1, 19, "-", pad=True)[1]


def test_coords_in_bounds(genome: Genome) -> None:
    assert genome.coords_in_bounds("chr2", 0, 37)
    assert not genome.coords_in_bounds("chr2", 0, 38)
    assert not genome.coords_in_bounds("chr2", -1, 3)
    assert not genome.coords_in_bounds("chr2", 5, 5)
    assert not genome.coords_in_bounds("chrUnknown", 0, 3)


def test_chrom_ids(genome: Genome) -> None:
    np.testing.assert_array_equal(genome.chrom_ids(["chrM", "chr1", "chrM"]), [3, 0, 3])
    assert genome.chrom_ids("chr10").dtype == np.int32
    with pytest.raises(KeyError, match=r"'M' is not a sequence name.*known: \['chr1', 'chr2'"):
        genome.chrom_ids(["chr1", "M"])


def test_constructor_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="FASTA file not found: .*nope.fa"):
        Genome(tmp_path / "nope.fa")
    ragged = tmp_path / "ragged.fa"
    ragged.write_text(">a\nACGT\nACGTAA\nAC\n>b\nAC\n")
    with pytest.raises(ValueError, match="cannot open or index the FASTA .*ragged.fa"):
        Genome(ragged)
    duplicated = tmp_path / "dup.fa"
    duplicated.write_text(">a\nAC\n>a\nGG\n")
    with pytest.raises(ValueError, match='FASTA .*dup.fa: Duplicate key "a"'):
        Genome(duplicated)
    with pytest.raises(ValueError, match="bases_order must be a permutation of 'ACGT'"):
        Genome(ragged, bases_order="ACGN")


def test_pickle_round_trip_reopens_lazily(genome: Genome) -> None:
    expected = genome.get_encodings(["chr1", "chr10"], [10, 20], [110, 120], ["+", "-"])
    genome.get_sequence_from_coords("chr1", 0, 5)  # opens the pyfaidx handle
    clone = pickle.loads(pickle.dumps(genome))
    assert clone._codes is None and clone._fasta is None  # nothing copied through the pickle
    np.testing.assert_array_equal(
        clone.get_encodings(["chr1", "chr10"], [10, 20], [110, 120], ["+", "-"]), expected
    )
    assert isinstance(clone._codes, np.memmap) and not clone._codes.flags.writeable
    assert clone.get_sequence_from_coords("chr1", 0, 5) == genome.get_sequence_from_coords(
        "chr1", 0, 5
    )
    assert len(pickle.dumps(genome)) < 10_000


def test_bundled_encode_blacklists_by_name(tmp_path: Path) -> None:
    fasta = tmp_path / "hg.fa"
    with open(fasta, "w") as out:  # chromosomes long enough to reach a region of each list
        for name, length in (("chr1", 600_000), ("chr21", 8_300_000)):
            out.write(f">{name}\n")
            out.writelines("ACGT" * 20 + "\n" for _ in range(length // 80))
    hg19 = Genome(fasta, blacklist_regions="hg19")  # chr1:564449-570371 is the first region
    assert hg19.blacklist_regions.name == "hg19_blacklist_ENCFF001TDO.bed.gz"
    assert hg19.in_blacklist("chr1", 564_000, 564_450)
    assert not hg19.in_blacklist("chr1", 564_000, 564_449)
    hg38 = Genome(fasta, blacklist_regions="hg38")  # chr21:8219780-8220120
    assert hg38.in_blacklist("chr21", 8_220_100, 8_220_200)
    assert not hg38.in_blacklist("chr21", 8_220_120, 8_220_200)
    assert not hg38.in_blacklist("chr1", 564_000, 564_450)
