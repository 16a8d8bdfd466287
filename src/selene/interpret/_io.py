"""Read the prediction writers' files (Selene's layout) into ID columns + a value matrix.

TSV: a header of ID columns then one column per feature. HDF5: ``<prefix>_<kind>.h5`` holding a
``data`` matrix (rows x features) and, beside it, ``<prefix>_row_labels.txt`` (a header line of ID
columns, then one tab-separated row per matrix row). VEP ``predictions`` are split into
``<prefix>.ref_predictions.*`` and ``<prefix>.alt_predictions.*`` sharing one row-labels file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selene.io.features import read_features

KINDS = ("abs_diffs", "diffs", "logits", "predictions")


@dataclass(frozen=True)
class RawOutput:
    """One writer file: string ID columns, float values, feature names and the score kind."""

    columns: list[str]
    ids: list[list[str]]  # one list per ID column
    values: np.ndarray  # (rows, features) float64
    features: list[str]
    kind: str | None


def kind_of(path: Path) -> str | None:
    """Return the ``save_data`` kind a file name ends with (``diffs``, ...), else None."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for kind in KINDS:  # "abs_diffs" before "diffs": the longer suffix wins
        if stem == kind or stem.endswith("_" + kind):
            return kind
    return None


def _prefix(path: Path, kind: str | None) -> str:
    stem = path.name[: -len(path.suffix)]
    if kind is not None:
        stem = stem[: -len(kind)].rstrip("_")
    for side in (".ref", ".alt"):  # VEP predictions: <prefix>.ref_predictions.h5
        if stem.endswith(side):
            stem = stem[: -len(side)]
    return stem


def row_labels_path(path: Path) -> Path:
    """Return the ``<prefix>_row_labels.txt`` labelling the rows of HDF5 output ``path``."""
    prefix = _prefix(path, kind_of(path))
    return path.with_name(f"{prefix}_row_labels.txt" if prefix else "row_labels.txt")


def feature_column(features: Sequence[str], feature: str | int, what: str) -> int:
    """Column of ``feature`` (a name, or an index) among ``features`` of ``what`` (for errors)."""
    if isinstance(feature, (int, np.integer)):
        if not -len(features) <= feature < len(features):
            raise IndexError(f"feature index {feature} out of range for {len(features)}")
        return int(feature) % len(features)
    if feature not in features:
        raise KeyError(f"feature {feature!r} not in {what}; known: {list(features)[:5]}...")
    return list(features).index(feature)


def read_output(
    path: str | Path, known_ids: Sequence[str], features: Sequence[str] | str | Path | None = None
) -> RawOutput:
    """Read a TSV or HDF5 output file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.tsv`` (or ``.txt``) or ``.h5`` / ``.hdf5`` output of a writer.
    known_ids : sequence of str
        Names of the ID columns that may lead each row; the leading header names found in it are
        the ID columns, the rest are features.
    features : sequence of str, str, pathlib.Path or None
        Feature names for HDF5 output (a list or a file, one per line). If None, names stored in
        the file are used, else ``feature_0``, ``feature_1``, ...
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"output file {path} not found")
    if path.suffix.lower() in (".h5", ".hdf5"):
        return _read_hdf5(path, known_ids, features)
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    if not rows:
        raise ValueError(f"{path} is empty; expected a header line of ID and feature columns")
    header = rows[0]
    n_ids = 0
    while n_ids < len(header) and header[n_ids] in known_ids:
        n_ids += 1
    if n_ids == 0:
        raise ValueError(
            f"{path.name}: the header starts with {header[:3]}, not with ID columns "
            f"{list(known_ids)}; is this a selene ISM/VEP output?"
        )
    body = [r for r in rows[1:] if r]
    bad = [i for i, r in enumerate(body, start=2) if len(r) != len(header)]
    if bad:
        raise ValueError(
            f"{path.name}: line {bad[0]} has {len(body[bad[0] - 2])} fields, the header "
            f"{len(header)}; the file is truncated or malformed"
        )
    table = np.array(body, dtype=object).reshape(len(body), len(header))
    try:
        values = table[:, n_ids:].astype(np.float64)
    except ValueError as err:
        raise ValueError(f"{path.name}: a score is not a number ({err})") from err
    ids = [list(map(str, table[:, j])) for j in range(n_ids)]
    names = header[n_ids:] if features is None else read_features(features)
    if len(names) != values.shape[1]:
        raise ValueError(
            f"{path.name} has {values.shape[1]} feature columns but {len(names)} feature names "
            "were given; pass the model's feature list"
        )
    return RawOutput(header[:n_ids], ids, values, names, kind_of(path))


def _read_hdf5(
    path: Path, known_ids: Sequence[str], features: Sequence[str] | str | Path | None
) -> RawOutput:
    import h5py

    with h5py.File(path, "r") as handle:
        if "data" not in handle:
            raise ValueError(f"{path.name} has no 'data' dataset; found {list(handle)}")
        values = np.asarray(handle["data"][()], dtype=np.float64)
        stored = handle["data"].attrs.get("features", handle.attrs.get("features"))
    if values.ndim != 2:
        raise ValueError(f"{path.name}: 'data' must be 2-D (rows, features); got {values.shape}")
    if features is not None:
        names = read_features(features)
    elif stored is not None:
        names = [f.decode() if isinstance(f, bytes) else str(f) for f in stored]
    else:
        names = [f"feature_{i}" for i in range(values.shape[1])]
    if len(names) != values.shape[1]:
        raise ValueError(
            f"{path.name} has {values.shape[1]} feature columns but {len(names)} feature names "
            "were given; pass the model's feature list"
        )
    labels = row_labels_path(path)
    if not labels.is_file():
        raise FileNotFoundError(f"row labels {labels.name} for {path.name} not found beside it")
    with labels.open(newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r]
    header, body = rows[0], rows[1:]
    if not all(h in known_ids for h in header):
        raise ValueError(f"{labels.name}: unexpected header {header}; expected {list(known_ids)}")
    if len(body) > values.shape[0]:
        raise ValueError(
            f"{labels.name} labels {len(body)} rows but {path.name} holds {values.shape[0]}; "
            "the files do not belong together"
        )
    values = values[: len(body)]  # an interrupted run labels only the rows it wrote
    ids = [[r[j] for r in body] for j in range(len(header))]
    return RawOutput(header, ids, values, names, kind_of(path))
