"""Tests for selene.io.outputs: the output-file names, and what the writers write read back."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from selene.io.outputs import (
    DATASET,
    ISM_COLS,
    SAVE_DATA,
    VARIANTEFFECT_COLS,
    ism_reference_file,
    ism_reference_prefix,
    kind_of,
    labels_path,
    output_files,
    output_path,
    read_output,
    row_labels_path,
    vcf_prefix,
)
from selene.predict.writers import selene_outputs

FEATURES = ["f1", "f2", "f3"]


def test_names_and_their_inverses(tmp_path):
    files = output_files(tmp_path / "variants", ["ref_predictions", "alt_predictions", "diffs"])
    assert files == {
        "ref_predictions": tmp_path / "variants.ref_predictions",
        "alt_predictions": tmp_path / "variants.alt_predictions",
        "diffs": tmp_path / "variants_diffs",
    }
    assert output_path(tmp_path, "logits", ".tsv") == tmp_path / "logits.tsv"
    labels = tmp_path / "variants_row_labels.txt"
    assert labels_path(tmp_path / "variants") == labels_path(tmp_path / "variants.alt") == labels
    for path in (*files.values(), tmp_path / "variants_abs_diffs"):
        assert row_labels_path(path.with_name(path.name + ".h5")) == labels
    assert [kind_of(tmp_path / f"x_{k}.tsv") for k in SAVE_DATA] == list(SAVE_DATA)
    assert kind_of(tmp_path / "variants.alt_predictions.h5") == "predictions"
    assert kind_of(tmp_path / "notes.tsv") is None
    assert vcf_prefix("/data/my.variants.vcf.gz") == "my.variants"
    assert vcf_prefix("variants") == "variants"
    ism = output_path(tmp_path / "seq", "predictions", ".h5")
    reference = output_path(ism_reference_prefix(tmp_path / "seq"), "predictions", ".h5")
    assert ism_reference_file(ism) == reference == tmp_path / "seq_ref_predictions.h5"


@pytest.mark.parametrize("output_format", ["tsv", "hdf5"])
def test_what_the_writers_write_reads_back(tmp_path, output_format):
    kinds = ["alt_predictions", "diffs", "ref_predictions"]
    out = selene_outputs(tmp_path / "v", kinds, output_format, VARIANTEFFECT_COLS, FEATURES)
    ids = [
        ("chr1", 5, "a", "A", "C", "+", True, False),
        ("chr2", 9, "b", "G", "T", "-", False, True),
    ]
    values = {
        k: np.arange(6, dtype=np.float32).reshape(2, 3) / (i + 3) for i, k in enumerate(kinds)
    }
    out.start(resume=False)
    out.write(ids, values)
    out.finish()
    for kind, path in out.files.items():
        raw = read_output(path, VARIANTEFFECT_COLS, FEATURES if output_format == "hdf5" else None)
        assert raw.columns == VARIANTEFFECT_COLS
        assert raw.ids[0] == ["chr1", "chr2"] and raw.ids[6] == ["True", "False"]
        assert raw.features == FEATURES
        # %.9g round-trips a float32: exact once read back as float32
        np.testing.assert_array_equal(raw.values.astype(np.float32), values[kind])
        assert raw.kind == ("diffs" if kind == "diffs" else "predictions")


def test_hdf5_dataset_name(tmp_path):
    out = selene_outputs(tmp_path / "s", ["logits"], "hdf5", ISM_COLS, FEATURES)
    out.start(resume=False)
    out.write([(0, "A", "C")], {"logits": np.ones((1, 3))})
    with h5py.File(out.files["logits"]) as handle:
        assert list(handle) == [DATASET]
    with pytest.raises(ValueError, match=r"is listed more than once"):
        read_output(out.files["logits"], ISM_COLS, ["f1", "f1", "f2"])
