"""Damaged or wrong .mat / .h5 files fail with the file's name and what to do."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import scipy.io

from selene.samplers import MatFileSampler

N, L, F = 40, 24, 5


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    one_hot = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (N, L))].transpose(0, 2, 1)
    return one_hot, (rng.random((N, F)) < 0.3).astype(np.uint8)


def _cut(src, dst, keep: float) -> None:
    raw = src.read_bytes()
    dst.write_bytes(raw[: int(len(raw) * keep)])


def test_text_file_named_mat(tmp_path):
    path = tmp_path / "train.mat"
    path.write_text("<html><body>404 Not Found</body></html>\n")
    with pytest.raises(ValueError, match=r"train.mat is neither HDF5 .* starts with b'<html>"):
        MatFileSampler(path, "trainxdata", "traindata")
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.h5 is neither HDF5 .*partial copy"):
        MatFileSampler(empty, "x")


@pytest.mark.parametrize("suffix", [".h5", ".mat"])
def test_truncated_hdf5(data, tmp_path, suffix):
    one_hot, targets = data
    whole, path = tmp_path / f"whole{suffix}", tmp_path / f"half{suffix}"
    # .mat: MATLAB v7.3 puts a 512-byte header before the HDF5 data
    with h5py.File(whole, "w", userblock_size=512 if suffix == ".mat" else 0) as handle:
        handle["x"], handle["y"] = one_hot, targets
    _cut(whole, path, 0.5)
    with pytest.raises(ValueError, match=rf"half\{suffix}: truncated HDF5 file, \d+ of its \d+"):
        MatFileSampler(path, "x", "y")
    header_only = tmp_path / "header.mat"  # cut within MATLAB's header: version 0x0200, 'IM'
    header_only.write_bytes(b"MATLAB 7.3 MAT-file".ljust(116) + bytes(8) + b"\x00\x02IM")
    with pytest.raises(ValueError, match="header says MATLAB v7.3 but no HDF5 data follows"):
        MatFileSampler(header_only, "x")


def test_truncated_v5(data, tmp_path):
    one_hot, targets = data
    whole, path = tmp_path / "whole.mat", tmp_path / "half.mat"
    scipy.io.savemat(whole, {"x": one_hot, "y": targets})
    _cut(whole, path, 0.5)  # inside 'x': scipy still lists 'x' and drops 'y'
    with pytest.raises(ValueError, match=r"half.mat: truncated MATLAB file, variable 'x'"):
        MatFileSampler(path, "x", "y")
    _cut(whole, path, 0.99)
    with pytest.raises(ValueError, match=r"variable 'y' \(from byte \d+\) needs \d+ bytes"):
        MatFileSampler(path, "x", "y")


def test_damaged_hdf5_data(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "damaged.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("x", data=one_hot, chunks=(8, 4, L), compression="gzip")
        handle["y"] = targets
        offset = handle["x"].id.get_chunk_info(1).byte_offset
    with open(path, "r+b") as raw:  # overwrite the second compressed chunk
        raw.seek(offset)
        raw.write(b"\xff" * 16)
    sampler = MatFileSampler(path, "x", "y")
    sampler.read_batch(0, 8)
    with pytest.raises(ValueError, match=r"damaged.h5: cannot read 'x' at .* the file is dam"):
        sampler.read_batch(8, 16)
