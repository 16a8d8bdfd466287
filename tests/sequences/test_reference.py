from __future__ import annotations

import importlib.util
import multiprocessing
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pysam
import pytest

from selene.sequences import Genome

_TEXT = ">a first\nACGTNacgtn\nRYAC\n>b\nGGGG\nTT\n>empty\n>c\nAC"  # no final newline


def _write(path: Path, text: str = _TEXT) -> Path:
    path.write_text(text)
    return path


def _codes(genome: Genome) -> list[list[int]]:
    return [genome.get_codes_from_coords(c, 0, n).tolist() for c, n in genome.get_chr_lens()]


_EXPECTED = [[0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 4, 0, 1], [2, 2, 2, 2, 3, 3], [], [0, 1]]


def test_cache_is_written_beside_the_fasta_and_reused(tmp_path: Path) -> None:
    fasta = _write(tmp_path / "g.fa")
    genome = Genome(fasta)
    assert genome.get_chr_lens() == [("a", 14), ("b", 6), ("empty", 0), ("c", 2)]
    assert _codes(genome) == _EXPECTED
    cache = genome._cache_file
    assert cache.parent == tmp_path / "g.fa.selcache" and cache.suffix == ".npy"
    assert np.load(cache).dtype == np.uint8 and np.load(cache).size == 22
    built = cache.stat().st_mtime_ns
    again = Genome(fasta)
    assert again._cache_file == cache and cache.stat().st_mtime_ns == built
    assert not list(cache.parent.glob("*.tmp"))


def test_crlf_and_long_lines(tmp_path: Path) -> None:
    fasta = _write(tmp_path / "crlf.fa", _TEXT.replace("\n", "\r\n") + "\r\n")
    assert _codes(Genome(fasta)) == _EXPECTED
    rng = np.random.default_rng(3)
    letters = "".join(rng.choice(list("ACGTN"), 100_003))
    width = 997
    body = "".join(letters[i : i + width] + "\n" for i in range(0, len(letters), width))
    long = _write(tmp_path / "long.fa", ">x\n" + body)
    codes = Genome(long).get_codes_from_coords("x", 0, len(letters))
    np.testing.assert_array_equal(codes, ["ACGTN".index(c) for c in letters])


def test_cache_is_rebuilt_when_the_fasta_changes(tmp_path: Path) -> None:
    fasta = _write(tmp_path / "g.fa")
    genome = Genome(fasta)
    old_cache = genome._cache_file
    stale = pickle.loads(pickle.dumps(genome))  # as a worker started before the change
    _write(fasta, _TEXT.replace("GGGG", "CCCC"))
    os.utime(fasta, ns=(fasta.stat().st_atime_ns, fasta.stat().st_mtime_ns + 10**9))
    changed = Genome(fasta)
    assert changed._cache_file != old_cache and not old_cache.exists()
    assert changed.get_sequence_from_coords("b", 0, 4) == "CCCC"
    assert changed.get_codes_from_coords("b", 0, 4).tolist() == [1, 1, 1, 1]
    # An object made before the change finds its cache gone and reads the new file.
    assert stale.get_codes_from_coords("b", 0, 4).tolist() == [1, 1, 1, 1]
    _write(fasta, ">a\nAC\n")
    os.utime(fasta, ns=(fasta.stat().st_atime_ns, fasta.stat().st_mtime_ns + 2 * 10**9))
    Genome(fasta)
    with pytest.raises(ValueError, match="g.fa changed since this Genome was created"):
        pickle.loads(pickle.dumps(changed)).get_codes_from_coords("b", 0, 4)


def test_cache_falls_back_when_beside_is_not_writable(tmp_path: Path, monkeypatch) -> None:
    fasta = _write(tmp_path / "g.fa")
    (tmp_path / "g.fa.selcache").write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    genome = Genome(fasta)
    assert genome._cache_file.parent.parent == tmp_path / "xdg" / "selene"
    assert _codes(genome) == _EXPECTED
    explicit = Genome(fasta, cache_dir=tmp_path / "mine")
    assert explicit._cache_file.parent.parent == tmp_path / "mine"
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    with pytest.raises(OSError, match="cannot write the reference cache for .*g.fa.*cache_dir"):
        Genome(fasta, cache_dir=blocked / "sub")


def test_bgzipped_fasta(tmp_path: Path) -> None:
    plain = _write(tmp_path / "g.fa", _TEXT + "\n")
    pysam.tabix_compress(str(plain), str(tmp_path / "g.fa.gz"))
    if importlib.util.find_spec("Bio") is None:  # pyfaidx reads BGZF through BioPython
        with pytest.raises(ImportError, match="bgzipped FASTA .*g.fa.gz needs BioPython"):
            Genome(tmp_path / "g.fa.gz")
        return
    genome = Genome(tmp_path / "g.fa.gz")
    assert _codes(genome) == _EXPECTED
    assert genome.get_sequence_from_coords("a", 3, 8, "-") == "cgtNA"  # of "TNacg"


def test_fasta_without_sequences(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every sequence in the FASTA .*empty.fa is empty"):
        Genome(_write(tmp_path / "empty.fa", ">a\n>b\n"))


def _encode_in_worker(genome: Genome) -> tuple[bool, bool, list[int]]:
    lazy = genome._codes is None
    codes = genome.get_encodings(["a", "b"], [0, 0], [6, 6], ["-", "+"])
    return lazy, isinstance(genome._codes, np.memmap), codes.ravel().tolist()


def _open_in_worker(path: str) -> str:
    return str(Genome(path)._cache_file)


def test_workers_share_the_cache(tmp_path: Path) -> None:
    fasta = _write(tmp_path / "g.fa")
    genome = Genome(fasta)
    expected = genome.get_encodings(["a", "b"], [0, 0], [6, 6], ["-", "+"]).ravel().tolist()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_encode_in_worker, [genome, genome])
        assert results == [(True, True, expected)] * 2
        # Processes racing to build the same cache all get one complete file.
        shutil.rmtree(tmp_path / "g.fa.selcache")
        paths = pool.map(_open_in_worker, [str(fasta)] * 4)
    assert len(set(paths)) == 1 and Path(paths[0]).is_file()
    assert [p.name for p in Path(paths[0]).parent.iterdir()] == [Path(paths[0]).name]
