"""``MatFileSampler``: a fixed dataset of one-hot sequences (and targets) in a .mat / HDF5 file.

MATLAB v5 files are read with ``scipy.io`` (whole: v5 variables are < 2 GB); v7.3 files are
HDF5 and are read with ``h5py`` in blocks of rows, never whole. MATLAB stores v7.3 arrays
transposed, so DeepSEA's ``trainxdata`` (MATLAB ``(L, 4, N)``) reads as ``(N, 4, L)`` with h5py,
while its v5 ``validxdata`` reads as MATLAB shows it. Axes are found from the shapes (the
alphabet axis has size 4, the batch axis matches the targets) unless given.

HDF5 files written for the Selene SDK's ``H5DataLoader`` read the same way (keys
``sequences`` / ``targets``), including its bit-packed form (``unpackbits=True``: sequences
packed with ``numpy.packbits`` along the length axis, targets along the feature axis, the true
sizes in ``<key>_length`` scalars, an all-ones column for an unknown base).

Each block is checked once per process as it is read (no extra pass over the file): every
position must be one-hot, all 0 (DeepSEA's unknown base) or all 0.25 (the Selene SDK's), and
targets must not be NaN, nor outside the range the loss takes once ``require_target_range``
was called (``SequenceLitModule`` does, through ``MultiFileSampler``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from selene.io.features import read_features
from selene.samplers._mat_checks import (
    check_sequences,
    check_targets,
    load_v5,
    open_hdf5,
    read_hdf5,
    v5_variables,
)
from selene.samplers._mat_layout import find_layout
from selene.samplers._windows import Batch

__all__ = ["MatFileSampler"]

_BLOCK_BYTES = 64 << 20


class MatFileSampler:
    """Sequences (one-hot) and optional targets stored in a MATLAB file (v5 or v7.3/HDF5).

    Parameters
    ----------
    filepath : path
        The ``.mat`` (or ``.h5``) file.
    sequence_key : str
        Variable holding the one-hot sequences.
    targets_key : str, optional
        Variable holding the targets.
    random_seed : int
        Seeds the shuffles.
    shuffle : bool
        Shuffle the training order each pass (blocks of rows, then rows within a block).
    sequence_batch_axis, sequence_alphabet_axis, targets_batch_axis : int, optional
        Axes as the reader returns the arrays (see the module docstring); found when None.
    features : list of str or path, optional
        Feature names.
    unpackbits : bool
        The HDF5 arrays are bit-packed as the Selene SDK's ``H5DataLoader`` reads them (see
        the module docstring); they are unpacked block by block.
    use_seq_len, shift : int, optional
        As ``H5DataLoader``'s: use only the central ``use_seq_len`` positions of each stored
        sequence (``[mid - ceil(n / 2), mid + n // 2)`` with ``mid = L // 2``), moved by
        ``shift`` positions.

    Raises
    ------
    KeyError
        If a key is not in the file.
    ValueError
        If the shapes do not fit together, or the file is not MATLAB / HDF5 (e.g. text saved as
        ``.mat``) or is cut short (a partial download). ``read`` raises it for a damaged block,
        sequences that are not one-hot and targets that are NaN or out of range, naming the
        sample.
    """

    def __init__(
        self,
        filepath: str | Path,
        sequence_key: str,
        targets_key: str | None = None,
        random_seed: int = 436,
        shuffle: bool = True,
        sequence_batch_axis: int | None = None,
        sequence_alphabet_axis: int | None = None,
        targets_batch_axis: int | None = None,
        features: Sequence[str] | str | Path | None = None,
        unpackbits: bool = False,
        use_seq_len: int | None = None,
        shift: int = 0,
    ) -> None:
        self.filepath = Path(filepath)
        if not self.filepath.is_file():
            raise FileNotFoundError(f".mat file not found: {self.filepath}")
        self.sequence_key, self.targets_key = sequence_key, targets_key
        self.random_seed, self.shuffle = int(random_seed), bool(shuffle)
        self._hdf5 = h5py.is_hdf5(self.filepath)
        shapes, dtypes = self._shapes()
        self._packed = self._packed_lengths(shapes) if unpackbits else {}
        keys = [k for k in (sequence_key, targets_key) if k is not None]
        missing = [k for k in keys if k not in shapes]
        if missing:
            raise KeyError(
                f"{self.filepath.name}: no variable(s) {missing}; the file has {sorted(shapes)}"
            )
        seq = shapes[sequence_key]
        tgt = shapes[targets_key] if targets_key is not None else None
        self._batch_axis, self._alphabet_axis, self._tgt_axis = find_layout(
            self.filepath.name,
            ", ".join(keys),
            seq,
            tgt,
            sequence_batch_axis,
            sequence_alphabet_axis,
            targets_batch_axis,
        )
        self._length_axis = 3 - self._batch_axis - self._alphabet_axis
        self.n_samples = int(seq[self._batch_axis])
        self._stored_length = self._packed.get(sequence_key, int(seq[self._length_axis]))
        self._crop = self._crop_window(use_seq_len, shift)
        self.sequence_length = self._crop[1] - self._crop[0]
        self.targets_avail = tgt is not None
        self.n_features = None
        if tgt is not None and targets_key is not None:
            self.n_features = self._packed.get(targets_key, int(tgt[1 - self._tgt_axis]))
        self.features = None if features is None else read_features(features)
        if self.features is not None and self.n_features not in (None, len(self.features)):
            raise ValueError(
                f"{self.filepath.name}: {len(self.features)} feature names for "
                f"{self.n_features} targets in {targets_key!r}"
            )
        row_bytes = 4 * self._stored_length + (self.n_features or 0)
        self.block_size = max(256, _BLOCK_BYTES // row_bytes) if self._hdf5 else self.n_samples
        self._data: Any = None
        self._seen: set[tuple[int, int]] = set()  # row ranges already checked
        self.target_bounds: tuple[float, float, str] | None = None
        # workers may send the batches in the file's dtype when it is a small integer type
        self.narrow = {
            (field,): dtype.str
            for field, dtype in (
                ("sequence", dtypes.get(sequence_key)),
                ("targets", dtypes.get(targets_key)),
            )
            if dtype is not None and dtype.kind in "iub" and dtype.itemsize == 1
        }
        if self._packed:  # unknown bases unpack to 1/4
            self.narrow.pop(("sequence",), None)

    def require_target_range(self, low: float, high: float, why: str) -> None:
        """Refuse targets outside ``[low, high]`` from now on; ``why`` ends the message.

        ``SequenceLitModule`` asks for its loss's range through ``MultiFileSampler``.
        """
        self.target_bounds = (float(low), float(high), why)
        self._seen.clear()

    def _crop_window(self, use_seq_len: int | None, shift: int) -> tuple[int, int]:
        stored = self._stored_length
        if use_seq_len is None and not shift:
            return 0, stored
        n = stored if use_seq_len is None else int(use_seq_len)
        mid = stored // 2
        lo, hi = mid - (n + 1) // 2 + shift, mid + n // 2 + shift
        if n < 1 or lo < 0 or hi > stored:
            raise ValueError(
                f"{self.filepath.name}: use_seq_len={use_seq_len}, shift={shift} asks for "
                f"positions [{lo}, {hi}) of sequences {stored} long"
            )
        return lo, hi

    def _packed_lengths(self, shapes: dict[str, tuple[int, ...]]) -> dict[str, int]:
        """``<key>_length`` of each bit-packed array, checked against its packed size."""
        if not self._hdf5:
            raise ValueError(f"{self.filepath.name}: unpackbits needs an HDF5 file")
        lengths = {}
        with open_hdf5(self.filepath) as handle:
            for key, axis in ((self.sequence_key, -2), (self.targets_key, -1)):
                if key is None or key not in shapes:
                    continue
                if f"{key}_length" not in handle:
                    raise KeyError(
                        f"{self.filepath.name}: unpackbits needs the scalar '{key}_length' "
                        f"(the unpacked size of '{key}'); the file has {sorted(shapes)}"
                    )
                length = int(handle[f"{key}_length"][()])
                packed = shapes[key][axis]
                if not 8 * (packed - 1) < length <= 8 * packed:
                    raise ValueError(
                        f"{self.filepath.name}: '{key}_length' is {length}, but '{key}' packs "
                        f"{packed} bytes ({8 * packed} bits) on axis {axis}"
                    )
                lengths[key] = length
        return lengths

    def _shapes(self) -> tuple[dict[str, tuple[int, ...]], dict[str, np.dtype]]:
        if self._hdf5:
            with open_hdf5(self.filepath) as handle:
                sets = {k: v for k, v in handle.items() if isinstance(v, h5py.Dataset)}
                return {k: tuple(v.shape) for k, v in sets.items()}, {
                    k: v.dtype for k, v in sets.items()
                }
        found = v5_variables(self.filepath)
        dtypes = {
            "uint8": np.dtype(np.uint8),
            "int8": np.dtype(np.int8),
            "logical": np.dtype(bool),
        }
        return {name: tuple(shape) for name, shape, _ in found}, {
            name: dtypes[kind] for name, _, kind in found if kind in dtypes
        }

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_data": None}  # each worker opens / loads its own

    def _open(self) -> Any:
        if self._data is None:
            keys = [k for k in (self.sequence_key, self.targets_key) if k is not None]
            if self._hdf5:
                handle = open_hdf5(self.filepath)
                self._data = {k: handle[k] for k in keys}
            else:  # whole, in (N, 4, L) / (N, F) order (free for MATLAB's column-major arrays)
                mat = load_v5(self.filepath, keys)
                self._data = {k: self._canonical(k, mat[k]) for k in keys}
        return self._data

    def _canonical(self, key: str, array: np.ndarray) -> np.ndarray:
        if key == self.sequence_key:
            array = array.transpose(self._batch_axis, self._alphabet_axis, self._length_axis)
        elif self._tgt_axis == 1:
            array = array.T
        return np.ascontiguousarray(array)

    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows ``[start, stop)``: sequences ``(B, 4, L)`` and targets ``(B, F)``, file dtype."""
        data, stop = self._open(), min(stop, self.n_samples)
        if not self._hdf5:
            seq = data[self.sequence_key][start:stop]
            tgt = None if self.targets_key is None else data[self.targets_key][start:stop]
            return self._checked(seq, tgt, start, stop)
        index: list[Any] = [slice(None)] * 3
        index[self._batch_axis] = slice(start, stop)
        seq = self._canonical(self.sequence_key, self._read_hdf5(self.sequence_key, index))
        tgt = None
        if self.targets_key is not None:
            tindex: list[Any] = [slice(None)] * 2
            tindex[self._tgt_axis] = slice(start, stop)
            tgt = self._canonical(self.targets_key, self._read_hdf5(self.targets_key, tindex))
        if self.sequence_key in self._packed:
            bits = np.unpackbits(seq, axis=2, count=self._stored_length)
            seq = bits.astype(np.float32)
            seq[np.broadcast_to(bits.all(axis=1, keepdims=True), seq.shape)] = 0.25
        if tgt is not None and self.targets_key in self._packed:
            tgt = np.unpackbits(tgt, axis=1, count=self.n_features)
        return self._checked(seq, tgt, start, stop)

    def _read_hdf5(self, key: str, index: list[Any]) -> np.ndarray:
        return read_hdf5(self.filepath, key, self._open()[key], tuple(index))

    def _checked(
        self, seq: np.ndarray, tgt: np.ndarray | None, start: int, stop: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Crop, and check each block once per process (the data is read anyway: no extra pass)."""
        seq = self._cropped(seq)
        if (start, stop) not in self._seen:
            check_sequences(self.filepath, self.sequence_key, seq, start, self._crop[0])
            args = (self.targets_key, tgt, start, self.features, self.target_bounds)
            check_targets(self.filepath, *args)
            self._seen.add((start, stop))
        return seq, tgt

    def _cropped(self, seq: np.ndarray) -> np.ndarray:
        lo, hi = self._crop
        return seq if (lo, hi) == (0, self._stored_length) else seq[:, :, lo:hi]

    def batch(self, block: tuple[np.ndarray, np.ndarray | None], rows: np.ndarray) -> Batch:
        """Make the batch of rows ``rows`` of a block: float32 one-hot and targets."""
        seq, targets = block
        out: Batch = {"sequence": np.asarray(seq[rows], dtype=np.float32)}
        if targets is not None:
            out["targets"] = np.asarray(targets[rows], dtype=np.float32)
        return out

    def read_batch(self, start: int, stop: int) -> Batch:
        """Rows ``[start, stop)`` of the file as one batch."""
        block = self.read(start, stop)
        return self.batch(block, np.arange(block[0].shape[0]))
