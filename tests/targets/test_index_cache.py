"""The GenomicFeatures index cache: mapped when warm, rebuilt when stale or corrupt, optional."""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pysam
import pytest

from selene.io import bed as io_bed
from selene.targets import GenomicFeatures, _index_cache
from selene.utils.warnings import SeleneWarning

FEATURES = [f"f{i}" for i in range(12)]


def _write_bgzip(tmp_path: Path, n: int = 4000, seed: int = 0) -> Path:
    """A bgzipped, unsorted BED with long intervals (split when indexed) and feature f12."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 200_000, n)
    rows = (f"chr{c}\t{s}\t{s + w}\tf{f}\n" for c, s, w, f in zip(
        rng.integers(1, 4, n), starts, rng.integers(0, 3000, n), rng.integers(0, 13, n),
        strict=True,
    ))  # fmt: skip
    plain = tmp_path / "peaks.bed"
    plain.write_text("".join(rows))
    pysam.tabix_compress(str(plain), str(tmp_path / "peaks.bed.gz"), force=True)
    plain.unlink()
    return tmp_path / "peaks.bed.gz"


def _windows(seed: int = 1, n: int = 500) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 205_000, n)
    chroms = [f"chr{c}" for c in rng.integers(1, 5, n)]  # chr4: no interval
    return chroms, starts, starts + rng.integers(1, 1500, n)


def _index_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(f"{path.name}.selcache/gfindex-*"))


def _load(path: Path, **kwargs) -> GenomicFeatures:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeleneWarning)  # f12 is not listed
        return GenomicFeatures(path, FEATURES, cache=True, **kwargs)


def _never_built():
    return patch.object(_index_cache, "index_bed", side_effect=AssertionError("index built again"))


def test_second_init_maps_the_index_and_labels_alike(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path)
    with pytest.warns(SeleneWarning, match="not in the features list"):
        uncached = GenomicFeatures(path, FEATURES, cache=False)
    assert _index_files(path) == []
    first = _load(path)
    names = _index_files(path)
    assert any(n.endswith(".json") for n in names) and any(".sources." in n for n in names)
    with (
        _never_built(),
        patch.object(io_bed, "read_bed", side_effect=AssertionError("BED read")),
        pytest.warns(SeleneWarning, match=r"1 feature\(s\) not in the features list"),
    ):
        second = GenomicFeatures(path, FEATURES, cache=True)
    assert isinstance(second._starts, np.memmap) and not second._starts.flags.writeable
    assert second.absent_features == uncached.absent_features
    assert second._chroms == uncached._chroms
    chroms, starts, ends = _windows()
    expected = uncached.get_feature_data_batch(chroms, starts, ends)
    for target in (first, second):
        np.testing.assert_array_equal(
            target.get_feature_data_batch(chroms, starts, ends), expected
        )
    with pytest.warns(SeleneWarning, match="not in the features list"):
        frac = GenomicFeatures(path, FEATURES, binary=False, cache=False)
    with _never_built(), warnings.catch_warnings():
        warnings.simplefilter("ignore", SeleneWarning)
        mapped = GenomicFeatures(path, FEATURES, binary=False, cache=True)  # same index
    np.testing.assert_array_equal(
        mapped.get_feature_data_batch(chroms, starts, ends),
        frac.get_feature_data_batch(chroms, starts, ends),
    )
    for c, s, e in zip(chroms[:100], starts[:100].tolist(), ends[:100].tolist(), strict=True):
        assert second.is_positive(c, s, e) == uncached.is_positive(c, s, e)


def test_a_changed_bed_is_indexed_again_and_its_old_index_removed(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path, seed=0)
    _load(path)
    old = _index_files(path)
    os.replace(_regenerate(tmp_path), path)
    with patch.object(_index_cache, "index_bed", wraps=_index_cache.index_bed) as built:
        changed = _load(path)
    assert built.call_count == 1
    new = _index_files(path)
    assert new and not set(new) & set(old)
    chroms, starts, ends = _windows()
    with pytest.warns(SeleneWarning, match="not in the features list"):
        fresh = GenomicFeatures(path, FEATURES, cache=False)
    np.testing.assert_array_equal(
        changed.get_feature_data_batch(chroms, starts, ends),
        fresh.get_feature_data_batch(chroms, starts, ends),
    )


def _regenerate(tmp_path: Path) -> Path:
    other = tmp_path / "other"
    other.mkdir()
    return _write_bgzip(other, seed=2)


def test_another_feature_list_gets_its_own_index(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path)
    _load(path)
    n = len(_index_files(path))
    with patch.object(_index_cache, "index_bed", wraps=_index_cache.index_bed) as built:
        with pytest.warns(SeleneWarning, match="10 feature"):
            fewer = GenomicFeatures(path, FEATURES[:3], cache=True)
    described = [name for name in _index_files(path) if name.endswith(".json")]
    assert built.call_count == 1 and len(described) == 2 and len(_index_files(path)) > n
    assert fewer.n_features == 3


def test_a_corrupt_index_is_rebuilt_with_a_warning(tmp_path: Path, caplog) -> None:
    path = _write_bgzip(tmp_path)
    _load(path)
    (starts,) = path.parent.glob(f"{path.name}.selcache/gfindex-*.starts.npy")
    starts.write_bytes(starts.read_bytes()[:200])  # truncated
    with (
        caplog.at_level(logging.WARNING, logger="selene.targets._index_cache"),
        patch.object(_index_cache, "index_bed", wraps=_index_cache.index_bed) as built,
    ):
        target = _load(path)
    assert built.call_count == 1
    assert "ignoring the unreadable index cache" in caplog.text
    assert target._starts.shape == target._ends.shape
    with _never_built():
        _load(path)  # the rebuilt index replaced the corrupt one


def test_unwritable_folder_leaves_the_index_in_memory(tmp_path: Path, caplog) -> None:
    path = _write_bgzip(tmp_path)
    with (
        patch.object(_index_cache, "write_atomically", side_effect=PermissionError("ro")),
        caplog.at_level(logging.INFO, logger="selene.targets._index_cache"),
    ):
        target = _load(path)
    assert "index not cached" in caplog.text
    assert target._index_files is None and not isinstance(target._starts, np.memmap)
    assert _index_files(path) == []


def test_small_files_are_not_cached_by_default(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tA\n")
    GenomicFeatures(path, ["A"])
    assert not list(tmp_path.glob("*.selcache"))
    with patch.object(io_bed, "CACHE_MIN_BYTES", 1):
        GenomicFeatures(path, ["A"])
    assert len(list(tmp_path.glob("x.bed.selcache/gfindex-*.json"))) == 1


def test_pickles_as_the_names_of_its_files(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path)
    target = _load(path)
    blob = pickle.dumps(target)
    assert len(blob) < target._starts.nbytes  # the arrays are not in it
    with _never_built():
        clone = pickle.loads(blob)
    assert isinstance(clone._feats, np.memmap)
    chroms, starts, ends = _windows()
    np.testing.assert_array_equal(
        clone.get_feature_data_batch(chroms, starts, ends),
        target.get_feature_data_batch(chroms, starts, ends),
    )


def test_unpickled_after_its_index_is_gone_indexes_again(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path)
    target = _load(path)
    blob = pickle.dumps(target)
    for file in path.parent.glob(f"{path.name}.selcache/gfindex-*"):
        file.unlink()
    with (
        pytest.warns(SeleneWarning, match="index cache .* is gone or unreadable"),
        pytest.warns(SeleneWarning, match="not in the features list"),
    ):
        clone = pickle.loads(blob)
    chroms, starts, ends = _windows()
    np.testing.assert_array_equal(
        clone.get_feature_data_batch(chroms, starts, ends),
        target.get_feature_data_batch(chroms, starts, ends),
    )


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_text("chr1\t0\t10\tZ\n")
    with pytest.warns(SeleneWarning, match="not in the features list"):
        GenomicFeatures(path, ["A"], cache=True)
    with _never_built(), pytest.warns(SeleneWarning, match="not in the features list"):
        target = GenomicFeatures(path, ["A"], cache=True)
    assert target.absent_features == ["A"]
    np.testing.assert_array_equal(target.get_feature_data("chr1", 0, 10), [0])
