from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from selene.interpret import ISMResult, ism_score_matrix

FEATURES = ["f0", "f1", "f2"]
SEQUENCE = "ACGTTGCANGTA"


@pytest.mark.parametrize("kind", ["predictions", "diffs"])
@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize(("mask", "tag"), [(None, "none"), (0.5, "half")])
def test_tsv_score_matrix_equals_selene(data_dir, goldens, kind, feature, mask, tag):
    result = ISMResult.from_file(data_dir / "ism_tsv" / f"seq_{kind}.tsv")
    matrix = result.get_score_matrix_for(feature, reference_mask=mask)
    np.testing.assert_array_equal(matrix, goldens[f"ism_{kind}_{feature}_{tag}"])
    assert result.reference_sequence == str(goldens[f"reference_{kind}"]) == SEQUENCE


@pytest.mark.parametrize("kind", ["abs_diffs", "diffs", "logits", "predictions"])
def test_hdf5_matches_tsv(data_dir, kind):
    tsv = ISMResult.from_file(data_dir / "ism_tsv" / f"seq_{kind}.tsv")
    h5 = ISMResult.from_file(data_dir / "ism_hdf5" / f"seq_{kind}.h5", features=FEATURES)
    assert h5.kind == tsv.kind == kind
    assert h5.reference_sequence == SEQUENCE
    np.testing.assert_array_equal(h5.positions, tsv.positions)
    for feature in FEATURES:  # the TSV rounds to 3 significant digits
        np.testing.assert_allclose(
            h5.score_matrix(feature), tsv.score_matrix(feature), rtol=6e-3, atol=1e-12
        )
    if kind == "predictions":  # read from seq_ref_predictions.h5
        np.testing.assert_allclose(h5.reference_prediction, tsv.reference_prediction, rtol=6e-3)
    else:
        assert h5.reference_prediction is None


def test_hdf5_features_from_file_and_default_names(data_dir, tmp_path):
    path = tmp_path / "features.txt"
    path.write_text("a\nb\nc\n")
    h5 = data_dir / "ism_hdf5" / "seq_diffs.h5"
    assert ISMResult.from_file(h5, features=path).features == ["a", "b", "c"]
    assert ISMResult.from_file(h5).features == ["feature_0", "feature_1", "feature_2"]


def test_score_matrix_values_by_hand():
    # position 0 is A (mutated to C, G, T); position 1 is N (all four substitutions)
    result = ISMResult(
        positions=[0, 0, 0, 1, 1, 1, 1],
        refs=["A", "A", "A", "N", "N", "N", "N"],
        alts=["C", "G", "T", "A", "C", "G", "T"],
        values=np.arange(14, dtype=float).reshape(7, 2),
        features=["x", "y"],
        reference_prediction=[10.0, 20.0],
        kind="predictions",
    )
    assert result.reference_sequence == "AN"
    expected_y = np.array([[20.0, 1, 3, 5], [7, 9, 11, 13]])
    np.testing.assert_array_equal(result.score_matrix("y"), expected_y)
    np.testing.assert_array_equal(result.score_matrix(1, reference_mask=0)[0], [0, 1, 3, 5])
    frame = result.to_frame()
    assert list(frame.columns) == ["pos", "ref", "alt", "x", "y"] and len(frame) == 7


def test_partial_span_starts_at_first_mutated_position(data_dir):
    result = ISMResult.from_file(data_dir / "ism_span" / "seq_diffs.tsv")
    assert result.start == 3
    assert result.reference_sequence == SEQUENCE[3:9]
    full = ism_score_matrix(data_dir / "ism_tsv" / "seq_diffs.tsv", "f2")
    np.testing.assert_array_equal(ism_score_matrix(result, "f2"), full[3:9])


def test_ism_score_matrix_from_path_and_object(data_dir):
    path = data_dir / "ism_tsv" / "seq_logits.tsv"
    result = ISMResult.from_file(path)
    np.testing.assert_array_equal(ism_score_matrix(path, "f0"), result.score_matrix("f0"))
    assert ism_score_matrix(path, "f0").shape == (len(SEQUENCE), 4)


def _write_tsv(path: Path, rows: list[str], header: str = "pos\tref\talt\tf") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (["0;1\tA;C\tC;G\t1"], "mutate_n_bases=1"),
        (["0\tA\tC\t1", "2\tA\tC\t1"], "no mutation at positions \\[1\\]"),
        (["0\tA\tC\t1", "0\tG\tC\t1"], "two reference letters"),
        (["0\tA\tZ\t1"], "outside the alphabet"),
        (["0\tA\tC\tx"], "not a number"),
        (["0\tA\tC"], "truncated or malformed"),
    ],
)
def test_bad_tsv_raises(tmp_path, rows, match):
    with pytest.raises(ValueError, match=match):
        ISMResult.from_file(_write_tsv(tmp_path / "seq_diffs.tsv", rows))


def test_file_errors(tmp_path, data_dir):
    with pytest.raises(FileNotFoundError, match="not found"):
        ISMResult.from_file(tmp_path / "missing_diffs.tsv")
    empty = tmp_path / "empty_diffs.tsv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        ISMResult.from_file(empty)
    with pytest.raises(ValueError, match="not with ID columns"):
        ISMResult.from_file(_write_tsv(tmp_path / "x_diffs.tsv", ["1\t2"], header="a\tb"))
    vep = data_dir / "vep_tsv" / "variants_diffs.tsv"
    with pytest.raises(ValueError, match="not with ID columns"):
        ISMResult.from_file(vep)
    with pytest.raises(ValueError, match="3 feature columns but 2"):
        ISMResult.from_file(data_dir / "ism_tsv" / "seq_diffs.tsv", features=["a", "b"])
    with pytest.raises(FileNotFoundError, match="features file"):
        ISMResult.from_file(data_dir / "ism_tsv" / "seq_diffs.tsv", features=tmp_path / "f.txt")


def test_hdf5_errors(tmp_path):
    h5 = tmp_path / "seq_diffs.h5"
    with h5py.File(h5, "w") as handle:
        handle.create_dataset("data", data=np.zeros((2, 1)))
    with pytest.raises(FileNotFoundError, match="seq_row_labels.txt"):
        ISMResult.from_file(h5)
    labels = tmp_path / "seq_row_labels.txt"
    labels.write_text("pos\tref\talt\n0\tA\tC\n0\tA\tG\n0\tA\tT\n")
    with pytest.raises(ValueError, match="do not belong together"):
        ISMResult.from_file(h5)
    labels.write_text("pos\tref\talt\n0\tA\tC\n")  # an interrupted run: keep the labelled rows
    assert len(ISMResult.from_file(h5).positions) == 1
    labels.write_text("when\twhat\n0\tA\n")
    with pytest.raises(ValueError, match="unexpected header"):
        ISMResult.from_file(h5)
    with h5py.File(h5, "w") as handle:
        handle.create_dataset("other", data=np.zeros((2, 1)))
    with pytest.raises(ValueError, match="no 'data' dataset"):
        ISMResult.from_file(h5)
    with h5py.File(h5, "w") as handle:
        handle.create_dataset("data", data=np.zeros(2))
    with pytest.raises(ValueError, match="must be 2-D"):
        ISMResult.from_file(h5)


def test_constructor_and_feature_errors():
    kwargs = dict(positions=[0], refs=["A"], alts=["C"], values=[[1.0]], features=["f"])
    result = ISMResult(**kwargs)
    with pytest.raises(KeyError, match="feature 'g' not in"):
        result.score_matrix("g")
    with pytest.raises(IndexError, match="out of range"):
        result.score_matrix(3)
    with pytest.raises(ValueError, match="no mutations"):
        ISMResult([], [], [], np.zeros((0, 1)), ["f"])
    with pytest.raises(ValueError, match="shape \\(mutations, features\\)"):
        ISMResult(**{**kwargs, "values": [[1.0, 2.0]]})
    with pytest.raises(ValueError, match="differ in length"):
        ISMResult(**{**kwargs, "alts": ["C", "G"]})
    with pytest.raises(ValueError, match="one value per feature"):
        ISMResult(**kwargs, reference_prediction=[1.0, 2.0])
    with pytest.raises(ValueError, match="alphabet must be"):
        ISMResult(**kwargs, alphabet="AAC")
    rna = ISMResult([0], ["A"], ["U"], [[1.0]], ["f"], alphabet="ACGU")
    np.testing.assert_array_equal(rna.score_matrix("f"), [[0, 0, 0, 1.0]])
    with pytest.raises(ValueError, match="mutates several bases"):
        ISMResult([0], ["A;C"], ["C;G"], [[1.0]], ["f"])
