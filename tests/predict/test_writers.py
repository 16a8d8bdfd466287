"""Writers: Selene's file names, full float32 precision, resuming from partial files."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from selene.io.outputs import labels_path, output_path
from selene.predict.writers import OutputSet, check_save_data

FEATURES = ["a", "b", "c"]


def test_selene_file_names(tmp_path) -> None:
    assert output_path(tmp_path / "variants", "diffs", ".h5") == tmp_path / "variants_diffs.h5"
    assert output_path(tmp_path, "diffs", ".tsv") == tmp_path / "diffs.tsv"  # a directory
    assert labels_path(tmp_path / "variants.ref") == tmp_path / "variants_row_labels.txt"
    assert labels_path(tmp_path / "ism") == tmp_path / "ism_row_labels.txt"
    assert check_save_data(["predictions", "diffs", "diffs"]) == ["diffs", "predictions"]
    with pytest.raises(ValueError, match="save_data must be a non-empty list"):
        check_save_data([])


def make(tmp_path: Path, fmt: str, key: str = "run") -> OutputSet:
    files = {"diffs": tmp_path / "x_diffs", "predictions": tmp_path / "x_predictions"}
    return OutputSet(files, ["pos", "ref"], FEATURES, fmt, tmp_path / "x_row_labels.txt", key)


def test_tsv_keeps_full_float32_precision(tmp_path) -> None:
    values = np.array([[1 / 3, 1e-30, -2.5e7], [np.pi, 0.1, 1.0]], dtype=np.float32)
    out = make(tmp_path, "tsv")
    out.start()
    out.write([(0, "A"), (1, "C")], {"diffs": values, "predictions": values})
    out.finish()
    lines = (tmp_path / "x_diffs.tsv").read_text().splitlines()
    assert lines[0] == "pos\tref\ta\tb\tc"
    parsed = np.array([line.split("\t")[2:] for line in lines[1:]], dtype=np.float32)
    assert np.array_equal(parsed, values)
    assert not out.marker.exists() and not (tmp_path / "x_row_labels.txt").exists()


def test_hdf5_layout(tmp_path) -> None:
    out = make(tmp_path, "hdf5")
    out.start()
    for i in range(3):
        out.write([(i, "A")], {k: np.full((1, 3), i, np.float32) for k in out.files})
    out.finish()
    with h5py.File(tmp_path / "x_predictions.h5") as handle:
        assert handle["data"].shape == (3, 3) and handle["data"].dtype == np.float32
        assert handle["data"][:, 0].tolist() == [0, 1, 2]
    labels = (tmp_path / "x_row_labels.txt").read_text()
    assert labels == "pos\tref\n0\tA\n1\tA\n2\tA\n"


@pytest.mark.parametrize("fmt", ["tsv", "hdf5"])
def test_resume_cuts_back_to_the_rows_every_file_has(tmp_path, fmt) -> None:
    out = make(tmp_path, fmt)
    out.start()
    out.write([(0, "A"), (1, "C")], {k: np.ones((2, 3), np.float32) for k in out.files})
    if fmt == "tsv":  # one more row in one file only, then a partial line
        with open(tmp_path / "x_diffs.tsv", "a") as handle:
            handle.write("2\tG\t1\t1\t1\n3\tT\t0.5")
    again = make(tmp_path, fmt)
    assert again.start() == 2
    again.write([(2, "G")], {k: np.zeros((1, 3), np.float32) for k in out.files})
    again.finish()
    if fmt == "tsv":
        rows = (tmp_path / "x_diffs.tsv").read_text().splitlines()
        assert rows[1:] == ["0\tA\t1\t1\t1", "1\tC\t1\t1\t1", "2\tG\t0\t0\t0"]
    else:
        with h5py.File(tmp_path / "x_diffs.h5") as handle:
            assert handle["data"][()].tolist() == [[1] * 3, [1] * 3, [0] * 3]
    other = make(tmp_path, fmt, key="another run")  # finished: a rerun starts afresh
    assert other.start() == 0
    if fmt == "tsv":
        rows = (tmp_path / "x_diffs.tsv").read_text().splitlines()
        assert rows == ["pos\tref\ta\tb\tc"]
