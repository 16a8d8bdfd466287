from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import scipy.io
import torch

from selene.samplers import MatFileSampler, MultiFileSampler
from selene.samplers.multi_file import FileStream

N, L, F = 50, 40, 6


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    one_hot = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (N, L))].transpose(0, 2, 1)  # (N,4,L)
    targets = (rng.random((N, F)) < 0.3).astype(np.uint8)
    return one_hot, targets


def _write_v73(path, arrays):
    """Write arrays as MATLAB v7.3 does: HDF5 behind a 512-byte header, dims reversed."""
    with h5py.File(path, "w", userblock_size=512) as handle:
        for key, matlab_array in arrays.items():
            handle.create_dataset(key, data=matlab_array.transpose())  # column-major on disk
            handle[key].attrs["MATLAB_class"] = np.bytes_("uint8")
    with open(path, "r+b") as raw:
        raw.write(b"MATLAB 7.3 MAT-file, written by a test".ljust(116))


def _check(sampler, data):
    one_hot, targets = data
    assert (sampler.n_samples, sampler.sequence_length, sampler.n_features) == (N, L, F)
    batch = sampler.read_batch(0, N)
    assert batch["sequence"].dtype == np.float32 and batch["sequence"].shape == (N, 4, L)
    np.testing.assert_array_equal(batch["sequence"], one_hot)
    np.testing.assert_array_equal(batch["targets"], targets)
    np.testing.assert_array_equal(sampler.read_batch(10, 20)["sequence"], one_hot[10:20])


def test_deepsea_layout_v5(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "train.mat"
    # DeepSEA's MATLAB layout: sequences (L, 4, N), targets (F, N)
    scipy.io.savemat(path, {"trainxdata": one_hot.transpose(2, 1, 0), "traindata": targets.T})
    _check(MatFileSampler(path, "trainxdata", "traindata"), data)


def test_sample_major_layout_v5(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "valid.mat"
    scipy.io.savemat(path, {"validxdata": one_hot, "validdata": targets})  # (N, 4, L), (N, F)
    _check(MatFileSampler(path, "validxdata", "validdata", shuffle=False), data)


def test_deepsea_layout_v73(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "train73.mat"
    _write_v73(path, {"trainxdata": one_hot.transpose(2, 1, 0), "traindata": targets.T})
    assert h5py.File(path, "r")["trainxdata"].shape == (N, 4, L)
    sampler = MatFileSampler(path, "trainxdata", "traindata")
    _check(sampler, data)
    # the training stream reads blocks of rows, one pass covers every row once
    sampler.shuffle, sampler.block_size = True, 16
    stream = iter(FileStream(sampler, 8, rank=0, world_size=1))
    seen = np.concatenate([next(stream)["sequence"] for _ in range(6)])  # 3 blocks x 2 batches
    rows = {one_hot[i].tobytes(): i for i in range(N)}
    index = [rows[s.astype(np.uint8).tobytes()] for s in seen]
    # blocks of 16 rows: 3 full ones (the last 2 rows give no full batch), shuffled
    assert sorted(index) == list(range(48)) and index != sorted(index)


def test_multi_file_over_mat(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "valid.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": targets})
    train = MatFileSampler(path, "x", "y")
    multi = MultiFileSampler(
        train,
        MatFileSampler(path, "x", "y"),
        [f"t{i}" for i in range(F)],
        batch_size=16,
        num_workers=1,
    )
    batch = next(iter(multi.train_dataloader()))
    assert batch["sequence"].shape == (16, 4, L) and batch["targets"].shape == (16, F)
    assert batch["sequence"].dtype == batch["targets"].dtype == torch.float32
    rows = {one_hot[i].tobytes(): i for i in range(N)}  # what the worker sent is exact
    index = [rows[s.numpy().astype(np.uint8).tobytes()] for s in batch["sequence"]]
    np.testing.assert_array_equal(batch["targets"].numpy(), targets[index])
    val = list(multi.val_dataloader())
    np.testing.assert_array_equal(torch.cat([b["sequence"] for b in val]).numpy(), one_hot)
    moved = multi.on_after_batch_transfer(batch, 0)
    assert moved["sequence"].dtype == torch.float32 and moved["sequence"].shape == (16, 4, L)
    with pytest.raises(ValueError, match="6 features; 2 feature names given"):
        MultiFileSampler(train, train, ["a", "b"])


def test_bad_files(data, tmp_path):
    one_hot, targets = data
    path = tmp_path / "bad.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": targets[:-1]})
    with pytest.raises(KeyError, match=r"bad.mat: no variable\(s\) \['nope'\]; the file has"):
        MatFileSampler(path, "x", "nope")
    with pytest.raises(
        ValueError,
        match=r"bad.mat \(x, y: sequences \(50, 4, 40\), targets "
        r"\(49, 6\)\): mismatched shapes",
    ):
        MatFileSampler(path, "x", "y")
    h5 = tmp_path / "bad73.mat"
    _write_v73(h5, {"x": one_hot.transpose(2, 1, 0)})
    with pytest.raises(KeyError, match=r"bad73.mat: no variable\(s\) \['y'\]"):
        MatFileSampler(h5, "x", "y")
    scipy.io.savemat(path, {"x": one_hot[:, :3]})
    with pytest.raises(ValueError, match="no axis of size 4"):
        MatFileSampler(path, "x")


@pytest.mark.parametrize("block_size", [16, N])
def test_ranks_split_each_pass(data, tmp_path, block_size):
    one_hot, targets = data
    path = tmp_path / "x.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": targets})
    sampler = MatFileSampler(path, "x", "y")
    sampler.block_size = block_size
    rows = {one_hot[i].tobytes(): i for i in range(N)}
    seen = []
    for rank in (0, 1):
        stream = iter(FileStream(sampler, 8, rank=rank, world_size=2))
        batches = [next(stream)["sequence"] for _ in range(2)]
        seen.append({rows[s.astype(np.uint8).tobytes()] for b in batches for s in b})
    assert len(seen[0]) == len(seen[1]) == 16 and not seen[0] & seen[1]


def test_selene_h5dataloader_packed_layout(tmp_path):
    """Bit-packed HDF5 as the Selene SDK's H5DataLoader reads it: (B, L, 4) packed along L."""
    rng = np.random.default_rng(1)
    n, length, n_features = 30, 37, 11  # neither a multiple of 8
    codes = rng.integers(0, 4, (n, length))
    codes[3, 5] = codes[7, 36] = 4  # unknown bases: all four bits set
    one_hot_blc = np.vstack([np.eye(4, dtype=np.uint8), np.ones((1, 4), np.uint8)])[codes]
    targets = (rng.random((n, n_features)) < 0.4).astype(np.uint8)
    path = tmp_path / "train.h5"
    with h5py.File(path, "w") as handle:
        handle["sequences"] = np.packbits(one_hot_blc, axis=-2)  # (n, 5, 4)
        handle["targets"] = np.packbits(targets, axis=-1)  # (n, 2)
        handle["sequences_length"], handle["targets_length"] = length, n_features
    bad = tmp_path / "bad.h5"
    shutil.copy(path, bad)
    sampler = MatFileSampler(path, "sequences", "targets", unpackbits=True, shuffle=False)
    assert (sampler.n_samples, sampler.sequence_length, sampler.n_features) == (
        n, length, n_features,
    )  # fmt: skip
    want = one_hot_blc.transpose(0, 2, 1).astype(np.float32)
    want[3, :, 5] = want[7, :, 36] = 0.25
    batch = sampler.read_batch(0, n)
    np.testing.assert_array_equal(batch["sequence"], want)
    np.testing.assert_array_equal(batch["targets"], targets)
    multi = MultiFileSampler(sampler, sampler, [f"t{i}" for i in range(n_features)],
                             batch_size=10, num_workers=1)  # fmt: skip
    got = torch.cat([b["sequence"] for b in multi.val_dataloader()]).numpy()
    np.testing.assert_array_equal(got, want)  # the 1/4 entries survive the worker hand-over
    # H5DataLoader's use_seq_len / shift: mid = 18, [18 - ceil(20 / 2) + 2, 18 + 10 + 2)
    cropped = MatFileSampler(path, "sequences", "targets", unpackbits=True, use_seq_len=20,
                             shift=2)  # fmt: skip
    assert cropped.sequence_length == 20
    np.testing.assert_array_equal(cropped.read_batch(0, n)["sequence"], want[:, :, 10:30])
    with pytest.raises(ValueError, match=r"asks for positions \[-2, 38\) of sequences 37 long"):
        MatFileSampler(path, "sequences", unpackbits=True, use_seq_len=40)

    with h5py.File(bad, "a") as handle:
        del handle["targets_length"]
    with pytest.raises(KeyError, match="unpackbits needs the scalar 'targets_length'"):
        MatFileSampler(bad, "sequences", "targets", unpackbits=True)
    with h5py.File(bad, "a") as handle:
        handle["targets_length"] = 30
    with pytest.raises(ValueError, match="'targets_length' is 30, but 'targets' packs 2 bytes"):
        MatFileSampler(bad, "sequences", "targets", unpackbits=True)
    mat = tmp_path / "v5.mat"
    scipy.io.savemat(mat, {"x": want})
    with pytest.raises(ValueError, match="unpackbits needs an HDF5 file"):
        MatFileSampler(mat, "x", unpackbits=True)


def test_nan_targets_are_refused_naming_the_sample(data, tmp_path):
    one_hot, targets = data
    values = targets.astype(np.float32)
    values[17, 4] = np.nan
    path = tmp_path / "nan.mat"
    scipy.io.savemat(path, {"x": one_hot, "y": values})
    sampler = MatFileSampler(path, "x", "y", features=[f"t{i}" for i in range(F)])
    with pytest.raises(ValueError, match=r"'y' holds NaN at sample 17, feature 4 \('t4'\)"):
        sampler.read_batch(0, N)
    h5 = tmp_path / "nan.h5"
    with h5py.File(h5, "w") as handle:
        handle["x"], handle["y"] = one_hot, values
    sampler = MatFileSampler(h5, "x", "y")
    sampler.read_batch(0, 10)  # rows before the NaN are fine
    with pytest.raises(ValueError, match=r"nan.h5: 'y' holds NaN at sample 17, feature 4:"):
        sampler.read_batch(10, 20)
