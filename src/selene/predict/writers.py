"""Streaming, resumable TSV and HDF5 writers of the Selene SDK's output files.

The file names, columns and layout are :mod:`selene.io.outputs`' (which also reads the files
back). Values are written with full float32 precision (``%.9g`` round-trips a float32), where
Selene keeps three significant digits.

A run is resumable: while it runs, a ``<labels or first file>.inprogress`` marker holds a
fingerprint of the run's inputs. A rerun with the same fingerprint counts the complete rows in
every file, cuts all of them back to the smallest count and carries on from there, so the
finished files equal those of an uninterrupted run. A finished run removes its marker, so a
later run with the same paths starts afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np
from tqdm.auto import tqdm

from selene.io.outputs import DATASET, EXTENSIONS, FORMATS, SAVE_DATA, labels_path, output_files

_CHUNK_BYTES = 1 << 20


def selene_outputs(
    prefix: str | Path,
    kinds: Sequence[str],
    output_format: str,
    columns: Sequence[str],
    features: Sequence[str],
    fingerprint: str = "",
) -> OutputSet:
    """Return the :class:`OutputSet` Selene writes under ``prefix``.

    Files are named by :func:`selene.io.outputs.output_files`; HDF5 rows are labelled in
    :func:`selene.io.outputs.labels_path`.
    """
    check_format(output_format)
    files = output_files(prefix, kinds)
    return OutputSet(files, columns, features, output_format, labels_path(prefix), fingerprint)


def check_save_data(save_data: Sequence[str] | str) -> list[str]:
    """Return the requested outputs, sorted as Selene sorts them.

    Raises
    ------
    ValueError
        If nothing valid is requested, or an unknown name is given.
    """
    requested = [save_data] if isinstance(save_data, str) else list(save_data)
    unknown = sorted(set(requested) - set(SAVE_DATA))
    if unknown or not requested:
        raise ValueError(
            f"save_data must be a non-empty list drawn from {list(SAVE_DATA)}, got {requested!r}"
        )
    return sorted(set(requested))


def check_format(output_format: str) -> str:
    """Return ``output_format`` if it is ``tsv`` or ``hdf5``, else raise a ValueError."""
    if output_format not in FORMATS:
        raise ValueError(f"output_format must be one of {list(FORMATS)}, got {output_format!r}")
    return output_format


class OutputSet:
    """The files of one run: one per output kind (plus row labels for HDF5), written in chunks.

    Parameters
    ----------
    files : Mapping[str, Path]
        Output kind (e.g. ``"diffs"``) to file path without extension; ``.tsv`` or ``.h5`` is
        added.
    columns : Sequence[str]
        ID column names.
    features : Sequence[str]
        Feature (value column) names.
    output_format : {"tsv", "hdf5"}
    labels : Path, optional
        The row-labels file of HDF5 output.
    fingerprint : str
        What identifies the run (inputs, model, options): a rerun resumes only when it equals
        the interrupted run's.
    preamble : Mapping[str, tuple[tuple, numpy.ndarray]], optional
        Kind to one row (IDs, values) written first into that TSV file and not counted as a
        row (Selene's ISM predictions start with the unmutated sequence's row).
    """

    def __init__(
        self,
        files: Mapping[str, Path],
        columns: Sequence[str],
        features: Sequence[str],
        output_format: str,
        labels: Path | None = None,
        fingerprint: str = "",
        preamble: Mapping[str, tuple[tuple, np.ndarray]] | None = None,
    ) -> None:
        self.output_format = check_format(output_format)
        ext = EXTENSIONS[output_format]
        self.files = {kind: Path(f"{path}{ext}") for kind, path in files.items()}
        self.columns, self.features = list(columns), list(features)
        self.labels = labels if output_format == "hdf5" else None
        self.fingerprint = fingerprint
        self.preamble = dict(preamble or {}) if output_format == "tsv" else {}
        self.rows = 0
        first = self.labels or next(iter(self.files.values()))
        self.marker = first.with_name(first.name + ".inprogress")
        self._fmt = "\t".join(["%.9g"] * len(self.features)) + "\n"

    def start(self, resume: bool = True) -> int:
        """Create the files, or resume an interrupted run; return the rows already written."""
        for path in self.files.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        done = 0
        if resume and self.marker.is_file() and self.marker.read_text() == self.fingerprint:
            done = self._complete_rows()
        if done > 0:
            self._truncate(done)
        else:
            self._create()
        self.marker.write_text(self.fingerprint)
        self.rows = done
        return done

    def write(self, ids: Sequence[Sequence[object]], values: Mapping[str, np.ndarray]) -> None:
        """Append rows: ``ids`` (one tuple per row) and a ``(rows, features)`` array per kind."""
        if not len(ids):
            return
        for kind, path in self.files.items():
            data = np.asarray(values[kind], dtype=np.float32)
            if self.output_format == "tsv":
                _append_tsv(path, ids, data, self._fmt)
            else:
                _append_h5(path, data)
        if self.labels is not None:
            with open(self.labels, "a") as handle:
                handle.writelines(_id_line(row) for row in ids)
        self.rows += len(ids)

    def finish(self) -> None:
        """Mark the run complete (a later run with the same paths starts afresh)."""
        self.marker.unlink(missing_ok=True)

    def _create(self) -> None:
        header = "\t".join(self.columns + self.features) + "\n"
        for kind, path in self.files.items():
            if self.output_format == "tsv":
                with open(path, "w") as handle:
                    handle.write(header)
                    if kind in self.preamble:
                        row, data = self.preamble[kind]
                        values = np.asarray(data, dtype=np.float32).reshape(-1)
                        handle.write(_id_line(row)[:-1] + "\t" + self._fmt % tuple(values))
            else:
                rows = max(1, min(1024, _CHUNK_BYTES // (4 * max(1, len(self.features)))))
                with h5py.File(path, "w") as handle:
                    handle.create_dataset(
                        DATASET,
                        (0, len(self.features)),
                        maxshape=(None, len(self.features)),
                        dtype="float32",
                        chunks=(rows, max(1, len(self.features))),
                    )
        if self.labels is not None:
            with open(self.labels, "w") as handle:
                handle.write("\t".join(self.columns) + "\n")

    def _complete_rows(self) -> int:
        counts = []
        for kind, path in self.files.items():
            if not path.is_file():
                return 0
            if self.output_format == "tsv":
                counts.append(_count_lines(path) - 1 - (kind in self.preamble))
            else:
                try:
                    with h5py.File(path, "r") as handle:
                        counts.append(_dataset(handle).shape[0])
                except (OSError, KeyError):  # a file cut mid-write cannot be trusted
                    return 0
        if self.labels is not None:
            if not self.labels.is_file():
                return 0
            counts.append(_count_lines(self.labels) - 1)
        return max(0, min(counts))

    def _truncate(self, rows: int) -> None:
        for kind, path in self.files.items():
            if self.output_format == "tsv":
                _truncate_lines(path, rows + 1 + (kind in self.preamble))
            else:
                with h5py.File(path, "a") as handle:
                    _dataset(handle).resize(rows, axis=0)
        if self.labels is not None:
            _truncate_lines(self.labels, rows + 1)


def _dataset(handle: h5py.File) -> h5py.Dataset:
    dataset = handle[DATASET]
    if not isinstance(dataset, h5py.Dataset):
        raise KeyError(f"{handle.filename} holds no {DATASET!r} matrix")
    return dataset


def _id_line(row: Sequence[object]) -> str:
    return "\t".join(str(value) for value in row) + "\n"


def _append_tsv(path: Path, ids: Sequence[Sequence[object]], data: np.ndarray, fmt: str) -> None:
    lines = [
        _id_line(row)[:-1] + "\t" + fmt % tuple(values)
        for row, values in zip(ids, data.tolist(), strict=True)
    ]
    with open(path, "a") as handle:
        handle.writelines(lines)


def _append_h5(path: Path, data: np.ndarray) -> None:
    # Open and close per chunk, so an interrupted run leaves a readable file behind.
    with h5py.File(path, "a") as handle:
        dataset = _dataset(handle)
        start = dataset.shape[0]
        dataset.resize(start + len(data), axis=0)
        dataset[start:] = data


def _count_lines(path: Path) -> int:
    """Count the complete (newline-terminated) lines."""
    count = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


def _truncate_lines(path: Path, lines: int) -> None:
    """Keep the first ``lines`` complete lines of ``path`` (and drop any partial last line)."""
    seen = offset = position = 0
    with open(path, "r+b") as handle:
        while seen < lines and (block := handle.read(1 << 20)):
            start = 0
            while seen < lines and (end := block.find(b"\n", start)) >= 0:
                seen, start = seen + 1, end + 1
                offset = position + start
            position += len(block)
        handle.truncate(offset)


def fingerprint(*parts: object) -> str:
    """Return a short hash identifying a run from its parts (paths, options, model)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def file_signature(path: str | Path) -> str:
    """Path, size and modification time of a file: changes when the file does."""
    stat = Path(path).stat()
    return f"{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def progress(
    total: int | None, desc: str, initial: int = 0, enabled: bool = True, unit: str = "row"
) -> tqdm:
    """Return a tqdm progress bar (over sequences, mutants or VCF records)."""
    return tqdm(total=total, desc=desc, initial=initial, unit=unit, disable=not enabled)
