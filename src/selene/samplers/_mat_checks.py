"""What ``MatFileSampler`` checks of a file: whole and readable, one-hot sequences, targets.

Every check names the file (and the variable and sample where it applies) and says what to do,
so that a damaged download or a wrong array fails with a message rather than a library's
``OSError`` or a silently wrong model. The content checks work on the blocks the sampler reads
anyway, so they add no pass over the data.
"""

from __future__ import annotations

import functools
import re
import struct
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import scipy.io
from scipy.io.matlab import MatReadError, matfile_version

# what scipy.io raises on files it cannot parse (IndexError: a header cut short)
_SCIPY_ERRORS = (MatReadError, ValueError, NotImplementedError, TypeError, IndexError, OSError)
_MI_COMPRESSED, _MI_MATRIX = 15, 14
_TRUNCATED = re.compile(r"truncated file: eof = (\d+).*stored_eof = (\d+)")
_AGAIN = "copy or download it again (and compare its size or checksum with the source)"


def open_hdf5(path: Path) -> h5py.File:
    """Open an HDF5 (MATLAB v7.3) file for reading, explaining why it cannot be opened."""
    try:
        return h5py.File(path, "r")
    except OSError as err:
        found = _TRUNCATED.search(str(err))
        if found:
            have, need = (int(n) for n in found.groups())
            raise ValueError(
                f"{path}: truncated HDF5 file, {have} of its {need} bytes are there (a copy "
                f"or download stopped part-way); {_AGAIN}"
            ) from err
        raise ValueError(f"{path}: cannot open as HDF5 / MATLAB v7.3 ({err}); {_AGAIN}") from err


def read_hdf5(path: Path, key: str, dataset: h5py.Dataset, index: tuple[Any, ...]) -> np.ndarray:
    """Read ``dataset[index]``, naming the file and variable when the bytes are damaged."""
    try:
        return dataset[index]
    except OSError as err:
        raise ValueError(
            f"{path}: cannot read {key!r} at {index} ({err}): the file is damaged; {_AGAIN}"
        ) from err


def v5_variables(path: Path) -> list[tuple[str, tuple[int, ...], str]]:
    """List a MATLAB v4/v5 file's variables (``scipy.io.whosmat``), checking the file is whole.

    Raises
    ------
    ValueError
        If the file is not a MATLAB file (e.g. text saved as ``.mat``), is a v7.3 header whose
        HDF5 part is missing, or is cut short.
    """
    try:
        major, _ = matfile_version(path)
    except _SCIPY_ERRORS as err:
        raise ValueError(_not_mat(path, err)) from err
    if major == 2:  # (h5py found no HDF5 signature)
        raise ValueError(
            f"{path}: the header says MATLAB v7.3 but no HDF5 data follows: the file is cut "
            f"short or damaged; {_AGAIN}"
        )
    try:
        found = scipy.io.whosmat(path)
    except _SCIPY_ERRORS as err:
        raise ValueError(_not_mat(path, err)) from err
    if major == 1:
        _check_v5_whole(path, [name for name, _, _ in found])
    return found


def load_v5(path: Path, keys: list[str]) -> dict[str, np.ndarray]:
    """Load variables of a MATLAB v4/v5 file whole (``scipy.io.loadmat``)."""
    try:
        return scipy.io.loadmat(path, variable_names=keys)
    except _SCIPY_ERRORS as err:
        raise ValueError(
            f"{path}: cannot load {keys} ({err}): the file is damaged; {_AGAIN}"
        ) from err


def _not_mat(path: Path, err: BaseException) -> str:
    with open(path, "rb") as handle:
        head = handle.read(24)
    return (
        f"{path} is neither HDF5 (.h5, MATLAB v7.3) nor a MATLAB v5 file ({err}); it starts "
        f"with {head!r}. Is it a text or HTML page saved under this name, or a partial copy? "
        "Point filepath at the real .mat / .h5 file, or " + _AGAIN
    )


def _check_v5_whole(path: Path, names: list[str]) -> None:
    """Walk the top-level data elements (``names``, in order) of a v5 file; each must fit."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(128)
        order = "<" if header[126:128] == b"IM" else ">"
        pos, n = 128, 0
        while pos < size:
            handle.seek(pos)
            tag = handle.read(8)
            kind, nbytes = struct.unpack(order + "II", tag.ljust(8, b"\0"))
            # a small data element packs its size into the tag's upper half
            end = pos + 8 if kind >> 16 else pos + 8 + nbytes
            if len(tag) < 8 or end > size:
                name = repr(names[n]) if n < len(names) else f"number {n + 1}"
                raise ValueError(
                    f"{path}: truncated MATLAB file, variable {name} (from byte {pos}) needs "
                    f"{end} bytes but the file has {size} (a copy or download stopped "
                    f"part-way); {_AGAIN}"
                )
            if kind not in (_MI_MATRIX, _MI_COMPRESSED) and not kind >> 16:
                end += -nbytes % 8  # other elements are padded to 8 bytes
            pos, n = end, n + 1


def check_sequences(path: Path, key: str, seq: np.ndarray, start: int, offset: int) -> None:
    """Refuse a block ``(B, A, L)`` (rows from ``start``) that is not one-hot.

    ``offset`` is the block's first position in the stored sequences (a central crop's start).
    """
    bad = _first_not_one_hot(seq)
    if bad is None:
        return
    i, j = bad
    raise ValueError(
        f"{path}: {key!r} is not one-hot at sample {start + i}, position {offset + j}: "
        f"{seq[i, :, j].tolist()}. Each position needs one 1 and zeros elsewhere (all 0 or all "
        "0.25 for an unknown base): check sequence_key and sequence_alphabet_axis, and "
        "unpackbits=True for bit-packed files"
    )


def check_targets(
    path: Path,
    key: str | None,
    tgt: np.ndarray | None,
    start: int,
    features: list[str] | None,
    bounds: tuple[float, float, str] | None,
) -> None:
    """Refuse NaN targets, and targets outside ``bounds`` ``(low, high, why)`` when given."""
    if tgt is None:
        return
    if tgt.dtype.kind == "f" and np.isnan(tgt).any():
        i, j = np.argwhere(np.isnan(tgt))[0]
        raise ValueError(
            f"{path}: {key!r} holds NaN at sample {start + i}, feature {j}{_name(features, j)}: "
            "NaN targets would make the loss NaN"
        )
    if bounds is None or tgt.dtype == bool:
        return
    low, high, why = bounds
    outside = (tgt < low) | (tgt > high)
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise ValueError(
            f"{path}: {key!r} holds {tgt[i, j].item()} at sample {start + i}, feature "
            f"{j}{_name(features, j)}, outside [{low}, {high}]: {why}"
        )


def _name(features: list[str] | None, j: int) -> str:
    return f" ({features[j]!r})" if features else ""


def _first_not_one_hot(seq: np.ndarray) -> tuple[int, int] | None:
    """Find the first ``(sample, position)`` whose column is not one-hot.

    A column (``seq[i, :, j]`` of ``(B, A, L)``) is one-hot (one 1, the rest 0), all 0 or all
    0.25: DeepSEA's .mat files write an unknown base as all 0 (they are integer arrays), the
    Selene SDK as all 0.25.
    """
    rows = [seq[:, k] for k in range(seq.shape[1])]  # (B, L) each: fast elementwise passes
    if seq.dtype.itemsize == 1 and seq.dtype.kind in "biu":
        rows = [r.view(np.uint8) for r in rows]  # int8 -1 reads 255: caught below
        # every value is 0 or 1 iff their bitwise or is; then the sum cannot overflow
        ok = (functools.reduce(np.bitwise_or, rows) <= 1) & (sum(rows) <= 1)
    else:
        binary = functools.reduce(np.logical_and, [(r == 0) | (r == 1) for r in rows])
        unknown = functools.reduce(np.logical_and, [r == 0.25 for r in rows])
        ok = (binary & (sum(rows) <= 1)) | unknown
    if ok.all():
        return None
    i, j = np.argwhere(~ok)[0]
    return int(i), int(j)
