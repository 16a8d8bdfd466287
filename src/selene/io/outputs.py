"""The prediction output files (the Selene SDK's layout): their names, columns and reader.

``selene.predict``'s writers write these files and ``selene.interpret`` reads them; both take
the names below from here.

- Names: ``<prefix>_<kind>.tsv`` or ``<prefix>_<kind>.h5``, ``kind`` one of :data:`SAVE_DATA`
  (or, for a track model's VEP, of :data:`TRACK_KINDS`: one column per track)
  (a ``prefix`` that is a directory gives ``<dir>/<kind>.<ext>``). VEP's predictions are split
  into ``<prefix>.ref_predictions.*`` and ``<prefix>.alt_predictions.*``.
- TSV: a header of ID columns (:data:`FASTA_COLS`, :data:`BED_COLS`, :data:`ISM_COLS` or
  :data:`VARIANTEFFECT_COLS`) then one column per feature; one row per input.
- HDF5: a :data:`DATASET` matrix (rows x features, float32) and, beside it,
  ``<prefix>_row_labels.txt``: a header line of ID columns, then one tab-separated row per matrix
  row (VEP's ref and alt files share one).
- ISM ``predictions`` start with the unmutated sequence's row (``pos`` = :data:`ISM_REFERENCE_ROW`)
  in TSV; in HDF5 that row is ``<prefix>_ref_predictions.h5``, labelled by :data:`ISM_REF_COLS`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from selene.io.features import read_features

#: The score kinds ``save_data`` may ask for, in the order Selene creates its handlers.
SAVE_DATA = ("abs_diffs", "diffs", "logits", "predictions")
#: VEP score kinds of track models, one column per track: the predicted coverage summed over
#: the reference and the alternative window, and ``log2((alt + pseudocount) / (ref +
#: pseudocount))`` of those sums; ``_span``: the same over the window's central span (see
#: :mod:`selene.predict.vep_tracks`). Written as ``<prefix>_<kind>.tsv`` / ``.h5``.
TRACK_KINDS = (
    "track_ref_sum",
    "track_alt_sum",
    "track_log2fc",
    "track_ref_sum_span",
    "track_alt_sum_span",
    "track_log2fc_span",
)
FORMATS = ("tsv", "hdf5")
EXTENSIONS = {"tsv": ".tsv", "hdf5": ".h5"}
DATASET = "data"
ROW_LABELS = "row_labels"
FASTA_COLS = ["index", "name"]
BED_COLS = ["index", "chrom", "start", "end", "strand", "contains_unk"]
ISM_COLS = ["pos", "ref", "alt"]
ISM_REF_COLS = ["name"]
ISM_REFERENCE_ROW = "input_sequence"
VARIANTEFFECT_COLS = ["chrom", "pos", "name", "ref", "alt", "strand", "ref_match", "contains_unk"]
_VEP_SIDES = (".ref", ".alt")


def output_path(prefix: str | Path, name: str, extension: str) -> Path:
    """Return Selene's file name for output ``name`` under ``prefix``.

    ``prefix`` is a directory (files are named ``<name><extension>`` inside it) or a directory
    plus a file-name prefix (``<dir>/<prefix>_<name><extension>``), as in Selene's handlers.
    """
    prefix = str(prefix)
    if os.path.isdir(prefix):
        return Path(prefix) / f"{name}{extension}"
    directory, stem = os.path.split(prefix)
    return Path(directory) / f"{stem}_{name}{extension}"


def output_files(prefix: str | Path, kinds: Sequence[str]) -> dict[str, Path]:
    """Return each kind's file under ``prefix``, without extension.

    ``<prefix>_<kind>``, except VEP's ``ref_predictions`` / ``alt_predictions``:
    ``<prefix>.ref_predictions`` / ``<prefix>.alt_predictions``.
    """
    files = {}
    for kind in kinds:
        side, _, rest = kind.partition("_")
        if rest == "predictions" and side in ("ref", "alt"):
            files[kind] = output_path(f"{prefix}.{side}", "predictions", "")
        else:
            files[kind] = output_path(prefix, kind, "")
    return files


def labels_path(prefix: str | Path) -> Path:
    """Return the ``row_labels.txt`` path Selene pairs with HDF5 outputs under ``prefix``."""
    prefix = str(prefix)
    if not os.path.isdir(prefix):
        directory, stem = os.path.split(prefix)
        if stem.endswith(_VEP_SIDES):
            prefix = os.path.join(directory, stem[:-4])
    return output_path(prefix, ROW_LABELS, ".txt")


def ism_reference_prefix(prefix: str | Path) -> str:
    """Prefix of the HDF5 file holding ISM's unmutated-sequence prediction: ``<prefix>_ref``."""
    return f"{prefix}_ref"


def ism_reference_file(path: str | Path) -> Path:
    """Return the ``<prefix>_ref_predictions.h5`` going with HDF5 ISM predictions ``path``."""
    path = Path(path)
    return path.with_name(path.name.replace("_predictions", "_ref_predictions", 1))


def vcf_prefix(path: str | Path) -> str:
    """Selene's output prefix for a VCF: its file name without the last extension (and ``.gz``)."""
    name = Path(path).name
    if name.endswith(".gz"):
        name = name[:-3]
    return ".".join(name.split(".")[:-1]) if "." in name else name


def kind_of(path: str | Path) -> str | None:
    """Return the score kind an output file's name ends with (``diffs``, ...), else None."""
    path = Path(path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    # The longer suffix wins: "abs_diffs" before "diffs", "track_log2fc_span" before
    # "track_log2fc".
    for kind in sorted((*SAVE_DATA, *TRACK_KINDS), key=len, reverse=True):
        if stem == kind or stem.endswith("_" + kind):
            return kind
    return None


def row_labels_path(path: str | Path) -> Path:
    """Return the ``<prefix>_row_labels.txt`` labelling the rows of HDF5 output ``path``."""
    path = Path(path)
    stem, kind = path.name[: -len(path.suffix)], kind_of(path)
    if kind is not None:
        stem = stem[: -len(kind)].rstrip("_")
    for side in _VEP_SIDES:  # VEP predictions: <prefix>.ref_predictions.h5
        if stem.endswith(side):
            stem = stem[: -len(side)]
    return path.with_name(f"{stem}_{ROW_LABELS}.txt" if stem else f"{ROW_LABELS}.txt")


@dataclass(frozen=True)
class RawOutput:
    """One output file: string ID columns, float values, feature names and the score kind."""

    columns: list[str]
    ids: list[list[str]]  # one list per ID column
    values: np.ndarray  # (rows, features) float64
    features: list[str]
    kind: str | None


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
        Feature names (a list or a file, one per line: :func:`selene.io.features.read_features`).
        If None, the TSV header's names, or the names stored in an HDF5 file, else
        ``feature_0``, ``feature_1``, ...

    Raises
    ------
    FileNotFoundError
        If the file, or the row labels of an HDF5 file, are missing.
    ValueError
        For a header without ID columns, a row of the wrong width, a score that is not a
        number, a feature count that differs from the names', or row labels that do not match.
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
    _check_width(path, values, names)
    return RawOutput(header[:n_ids], ids, values, names, kind_of(path))


def _check_width(path: Path, values: np.ndarray, names: list[str]) -> None:
    if len(names) != values.shape[1]:
        raise ValueError(
            f"{path.name} has {values.shape[1]} feature columns but {len(names)} feature names "
            "were given; pass the model's feature list"
        )


def _read_hdf5(
    path: Path, known_ids: Sequence[str], features: Sequence[str] | str | Path | None
) -> RawOutput:
    import h5py

    with h5py.File(path, "r") as handle:
        if DATASET not in handle:
            raise ValueError(f"{path.name} has no {DATASET!r} dataset; found {list(handle)}")
        values = np.asarray(handle[DATASET][()], dtype=np.float64)
        stored = handle[DATASET].attrs.get("features", handle.attrs.get("features"))
    if values.ndim != 2:
        raise ValueError(
            f"{path.name}: {DATASET!r} must be 2-D (rows, features); got {values.shape}"
        )
    if features is not None:
        names = read_features(features)
    elif stored is not None:
        names = [f.decode() if isinstance(f, bytes) else str(f) for f in stored]
    else:
        names = [f"feature_{i}" for i in range(values.shape[1])]
    _check_width(path, values, names)
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


_CHUNK = 4096  # HDF5 rows read at a time
Row = tuple[list[str], np.ndarray]  # (ID columns as written, one value per feature)


def output_rows(path: str | Path) -> Iterator[Row]:
    """Stream the rows of a VEP output file (TSV, or HDF5 with its row labels).

    Yields ``(ID columns, values)``; the ID columns are :data:`VARIANTEFFECT_COLS`.
    """
    path = Path(path)
    if path.suffix == ".h5":
        import h5py

        with h5py.File(path, "r") as handle, row_labels_path(path).open(newline="") as labels:
            data, reader = handle["data"], csv.reader(labels, delimiter="\t")
            n_ids = len(next(reader))
            for start in range(0, data.shape[0], _CHUNK):
                block = data[start : start + _CHUNK]
                for ids, values in zip(islice(reader, len(block)), block, strict=True):
                    yield ids[:n_ids], values
        return
    with path.open(newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        n_ids = sum(name in VARIANTEFFECT_COLS for name in next(reader))
        for fields in reader:
            if fields:
                yield fields[:n_ids], np.asarray(fields[n_ids:], dtype=np.float32)
