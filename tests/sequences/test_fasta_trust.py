"""A FASTA is used only when its index fits it and it is the kind of FASTA it is opened as.

Rewritten FASTA files (stale ``.fai``, stale cache), protein FASTA opened as a ``Genome``, and
compressions pyfaidx cannot read.
"""

from __future__ import annotations

import bz2
import gzip
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pyfaidx
import pysam
import pytest

from selene.sequences import Genome, Proteome
from selene.utils.warnings import SeleneWarning

_RNG = np.random.default_rng(11)
_OLD = "".join(_RNG.choice(list("ACGT"), 1000))
_NEW = "".join(_RNG.choice(list("ACGT"), 1000))


def _fasta(path: Path, letters: str, width: int) -> Path:
    lines = [letters[i : i + width] for i in range(0, len(letters), width)]
    path.write_text(">seq first record\n" + "\n".join(lines) + "\n>tail\nACGT\n")
    return path


def _set_mtime(path: Path, mtime_ns: int) -> None:
    os.utime(path, ns=(path.stat().st_atime_ns, mtime_ns))


def _assert_reads(genome: Genome, letters: str) -> None:
    """Every way of reading the record gives ``letters``: pyfaidx, the cache, the encoding."""
    assert genome.get_chr_lens() == [("seq", len(letters)), ("tail", 4)]
    assert genome.get_sequence_from_coords("seq", 0, len(letters)) == letters
    codes = genome.get_codes_from_coords("seq", 0, len(letters))
    assert "".join("ACGTN"[c] for c in codes) == letters
    np.testing.assert_array_equal(
        genome.get_encoding_from_coords("seq", 0, len(letters)),
        Genome.sequence_to_encoding(letters),
    )
    assert genome.get_sequence_from_coords("tail", 0, 4) == "ACGT"


def test_fasta_replaced_with_its_old_mtime_is_reindexed(tmp_path: Path) -> None:
    fasta = _fasta(tmp_path / "g.fa", _OLD, 60)
    _assert_reads(Genome(fasta), _OLD)
    fai = tmp_path / "g.fa.fai"
    # Another FASTA copied over it with 'cp -p': new letters, new line width, an mtime that
    # predates the .fai, so pyfaidx's mtime rule keeps the old index.
    _fasta(fasta, _NEW, 50)
    _set_mtime(fasta, fai.stat().st_mtime_ns - 10**9)
    with pytest.warns(SeleneWarning, match=r"rebuilt the index g.fa.fai .*did not match"):
        genome = Genome(fasta)
    _assert_reads(genome, _NEW)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the index fits now: no second rebuild
        _assert_reads(Genome(fasta), _NEW)


def test_record_appended_with_the_old_mtime_is_found(tmp_path: Path) -> None:
    # Valid layouts the check must accept without a rebuild: CRLF, a header longer than the
    # bytes it peeks at, an empty record, many records, blank lines at the end.
    records = "".join(
        f">r{i} {'x' * (5000 if i == 3 else 3)}\r\nACGTA\r\nCG\r\n" for i in range(40)
    )
    fasta = tmp_path / "g.fa"
    fasta.write_bytes((records + ">empty\r\n>last\r\nAC\r\n\r\n").encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Genome(fasta)
        genome = Genome(fasta)  # reopened: the fresh index passes the check
    assert len(genome.get_chrs()) == 42
    assert genome.get_chr_lens()[-2:] == [("empty", 0), ("last", 2)]
    mtime = fasta.stat().st_mtime_ns
    with fasta.open("ab") as handle:
        handle.write(b">extra\r\nGGGG\r\n")
    _set_mtime(fasta, mtime)
    with pytest.warns(SeleneWarning, match=r"goes on after its last indexed record 'last'"):
        genome = Genome(fasta)
    assert genome.get_sequence_from_coords("extra", 0, 4) == "GGGG"
    assert genome.get_codes_from_coords("extra", 0, 4).tolist() == [2, 2, 2, 2]


def test_fai_older_than_the_fasta_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    fasta = _fasta(tmp_path / "g.fa", _OLD, 60)
    Genome(fasta)
    fai = tmp_path / "g.fa.fai"
    _fasta(fasta, _NEW, 70)
    _set_mtime(fasta, fai.stat().st_mtime_ns + 10**9)  # dated after the index (even ahead)
    with pytest.warns(SeleneWarning, match=r"rebuilt the index g.fa.fai .*older than the FASTA"):
        genome = Genome(fasta)
    _assert_reads(genome, _NEW)
    assert fai.stat().st_mtime_ns >= fasta.stat().st_mtime_ns
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _assert_reads(Genome(fasta), _NEW)


def _read_only(self: pyfaidx.Faidx) -> None:
    raise OSError(f"{self.indexname} may not be writable")


@pytest.mark.parametrize("mtime_shift", [10**9, -(10**9)], ids=["older", "mismatched"])
def test_stale_fai_that_cannot_be_rewritten_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mtime_shift: int
) -> None:
    fasta = _fasta(tmp_path / "g.fa", _OLD, 60)
    Genome(fasta)
    fai = tmp_path / "g.fa.fai"
    _fasta(fasta, _NEW, 50)
    _set_mtime(fasta, fai.stat().st_mtime_ns + mtime_shift)
    # A read-only folder, as seen by pyfaidx (the tests may run as root, which writes anyway).
    monkeypatch.setattr(pyfaidx.Faidx, "build_index", _read_only)
    with pytest.raises(PermissionError, match=r"index .*g.fa.fai cannot be trusted.*samtools"):
        Genome(fasta)


def test_cache_is_rebuilt_when_the_fasta_changes_but_not_its_size_mtime_or_layout(
    tmp_path: Path,
) -> None:
    fasta = _fasta(tmp_path / "g.fa", _OLD, 60)
    first = Genome(fasta)
    _assert_reads(first, _OLD)
    before = fasta.stat()
    time.sleep(0.02)  # let the inode change time move on
    _fasta(fasta, _NEW, 60)  # same size and line layout: the .fai fits both versions
    _set_mtime(fasta, before.st_mtime_ns)
    assert fasta.stat().st_size == before.st_size
    genome = Genome(fasta)
    assert genome._cache_file != first._cache_file
    _assert_reads(genome, _NEW)


def test_protein_fasta_is_refused_as_a_genome(tmp_path: Path) -> None:
    proteins = tmp_path / "prot.fa"
    proteins.write_text(
        ">sp|P04637 p53\nMEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWF\n>short\nMKVAAG\n"
    )
    with pytest.raises(ValueError, match=r"prot.fa looks like a protein FASTA.*'sp\|P04637'"):
        Genome(proteins)
    with pytest.raises(ValueError, match=r"'E', 'F', 'I', 'L', 'P', 'Q'.*Proteome"):
        Genome(proteins)
    assert Proteome(proteins).get_chr_lens() == [("sp|P04637", 54), ("short", 6)]
    # Every nucleotide IUPAC code, hard-masking X, RNA's U and gaps stay a genome.
    letters = "ACGTNacgtnRYKMSWBDHVXrykmswbdhvxUu-"
    dna = tmp_path / "iupac.fa"
    dna.write_text(f">chr1\n{letters}\n")
    assert Genome(dna).get_sequence_from_coords("chr1", 0, len(letters)) == letters


def test_protein_letters_are_found_in_the_middle_of_a_record(tmp_path: Path) -> None:
    # A long first stretch of N, as at the start of most chromosomes, hides nothing.
    letters = "N" * 5000 + "ACDEFGHIKLMNPQRSTVWY" * 300 + "N" * 5000
    path = tmp_path / "odd.fa"
    path.write_text(">chr1\n" + letters + "\n")
    with pytest.raises(ValueError, match=r"odd.fa looks like a protein FASTA.*'chr1'"):
        Genome(path)


def test_plain_gzip_fasta_asks_for_bgzip(tmp_path: Path) -> None:
    path = tmp_path / "g.fa.gz"
    path.write_bytes(gzip.compress(b">a\nACGT\n"))
    with pytest.raises(ValueError, match=r"g.fa.gz is gzip-compressed, but not with bgzip.*bgzip"):
        Genome(path)


def test_other_compressions_and_misnamed_files_are_refused(tmp_path: Path) -> None:
    bzipped = tmp_path / "g.fa.bz2"
    bzipped.write_bytes(bz2.compress(b">a\nACGT\n"))
    with pytest.raises(ValueError, match=r"g.fa.bz2 is bzip2-compressed.*bgzip"):
        Genome(bzipped)
    plain = tmp_path / "plain.fa"
    plain.write_text(">a\nACGT\n")
    pysam.tabix_compress(str(plain), str(tmp_path / "bgz.fa"))
    with pytest.raises(ValueError, match=r"bgz.fa is bgzip-compressed but its name does not end"):
        Genome(tmp_path / "bgz.fa")
    named = tmp_path / "named.fa.gz"
    named.write_text(">a\nACGT\n")
    with pytest.raises(ValueError, match=r"named.fa.gz is named like a compressed file"):
        Genome(named)
