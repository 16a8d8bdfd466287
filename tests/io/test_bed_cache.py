"""The parsed-interval cache of selene.io.bed: used when valid, rebuilt when stale, optional."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pysam
import pytest

from selene.io import bed as io_bed
from selene.io.bed import read_bed
from selene.targets import GenomicFeatures


def _write_bgzip(tmp_path: Path, n: int, seed: int = 0) -> Path:
    """A bgzipped BED of ``n`` lines on a few chromosomes (several bgzip blocks when large)."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 5_000_000_000, n)  # some past uint32: the cache keeps int64
    rows = (f"chr{c}\t{s}\t{s + w}\tf{f}\n" for c, s, w, f in zip(
        rng.integers(1, 5, n), starts, rng.integers(0, 900, n), rng.integers(0, 919, n),
        strict=True,
    ))  # fmt: skip
    plain = tmp_path / "peaks.bed"
    plain.write_text("# peaks\n" + "".join(rows))
    pysam.tabix_compress(str(plain), str(tmp_path / "peaks.bed.gz"), force=True)
    plain.unlink()
    return tmp_path / "peaks.bed.gz"


def _same(a: io_bed.BedIntervals, b: io_bed.BedIntervals) -> None:
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, field.name
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


def _caches(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.selcache/bed*.npz"))


def test_second_read_comes_from_the_cache_and_equals_the_file(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path, 30_000)
    assert path.read_bytes().count(b"\x1f\x8b\x08\x04") > 5  # several bgzip members
    uncached = read_bed(path, cache=False)
    assert not _caches(path)
    first = read_bed(path, cache=True)
    assert [p.name[:5] for p in _caches(path)] == ["bed4-"]
    with patch.object(io_bed, "_parse", side_effect=AssertionError("parsed again")):
        second = read_bed(path, cache=True)
    _same(uncached, first)
    _same(uncached, second)
    assert second.compressed and second.starts.max() > 2**32
    assert len(second.starts) == 30_000 and len(second.names) == 919


def test_a_changed_file_is_parsed_again_and_its_old_cache_removed(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    read_bed(path, cache=True)
    old = _caches(path)
    stat = path.stat()
    path.write_text("chr1\t0\t99\tA\n")  # same size; the mtime set back: the ctime still moves
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert read_bed(path, cache=True).ends.tolist() == [99]
    new = _caches(path)
    assert len(new) == 1 and new != old
    three = read_bed(path, columns=3, cache=True)  # another layout: its own cache beside
    assert three.names == () and len(_caches(path)) == 2


def test_default_caches_only_large_files(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    read_bed(path)
    assert not _caches(path)
    with patch.object(io_bed, "CACHE_MIN_BYTES", 1):
        read_bed(path)
    assert len(_caches(path)) == 1
    read_bed(path, columns=3, extra=True)  # extra columns are never cached
    assert len(_caches(path)) == 1


def test_cache_dir_and_an_unwritable_folder(tmp_path: Path, caplog) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    elsewhere = tmp_path / "caches"
    read_bed(path, cache=True, cache_dir=elsewhere)
    assert len(list(elsewhere.glob("x.bed-*.selcache/bed4-*.npz"))) == 1 and not _caches(path)
    blocked = tmp_path / "a_file"
    blocked.write_text("")  # a folder cannot be made under a file, even by root
    with caplog.at_level(logging.INFO, logger="selene.io._bed_cache"):
        bed = read_bed(path, cache=True, cache_dir=blocked / "sub")
    assert bed.ends.tolist() == [10] and "not cached" in caplog.text


def test_an_unreadable_cache_is_rebuilt(tmp_path: Path, caplog) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    read_bed(path, cache=True)
    (cache,) = _caches(path)
    cache.write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING, logger="selene.io._bed_cache"):
        assert read_bed(path, cache=True).ends.tolist() == [10]
    assert "unreadable BED cache" in caplog.text
    with np.load(cache) as stored:  # rewritten whole
        assert stored["ends"].tolist() == [10]


@pytest.mark.parametrize("columns", [3, 4])
def test_empty_file_caches(tmp_path: Path, columns: int) -> None:
    path = tmp_path / "empty.bed"
    path.write_text("# nothing\n")
    read_bed(path, columns=columns, cache=True)
    cached = read_bed(path, columns=columns, cache=True)
    _same(cached, read_bed(path, columns=columns, cache=False))


def test_genomic_features_keeps_its_cache_in_cache_dir(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    with patch.object(io_bed, "CACHE_MIN_BYTES", 1):
        target = GenomicFeatures(path, ["A"], cache_dir=tmp_path / "caches")
    assert len(list((tmp_path / "caches").glob("x.bed-*.selcache/bed4-*.npz"))) == 1
    np.testing.assert_array_equal(target.get_feature_data("chr1", 0, 10), [1])
    assert not _caches(path)
