"""The array operations: predict, in_silico_mutagenesis, variant_effects (no files).

Their arrays equal what AnalyzeSequences writes (the same batches through the same kernels:
bitwise for HDF5, and TSV's ``%.9g`` round-trips float32), and the selene_sdk goldens within
the tolerances test_goldens.py uses.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import torch
from _predict_goldens import (
    FEATURES,
    GOLDENS,
    ISM2_RANGE,
    SEQUENCE_LENGTH,
    VEP_STRAND_INDEX,
    fill_weights,
)
from test_goldens import KINDS, TOL, lines, read_h5

from _tolerances import PROB
from selene.io.fasta import read_fasta
from selene.models.lit_module import SequenceLitModule
from selene.predict import (
    ISMScores,
    in_silico_mutagenesis,
    predict,
    read_vcf,
    variant_effects,
)
from selene.predict.codes import as_codes
from selene.predict.ism import score_mutants
from selene.sequences import sequence_to_codes

BATCH = 16  # the analysis fixture's batch_size: the same batches, the same float sums


@pytest.fixture(scope="module")
def goldens() -> dict[str, np.ndarray]:
    with np.load(GOLDENS) as data:
        return {k: data[k] for k in data.files}


def read_tsv(path: Path, n_ids: int) -> np.ndarray:
    rows = [line.split("\t")[n_ids:] for line in lines(path)[1:]]
    return np.array(rows, dtype=np.float64).astype(np.float32)


def test_ism_arrays_equal_the_files_and_the_goldens(analysis, workdir, tmp_path, goldens):
    sequence = str(goldens["ism_sequence"])
    for fmt in ("hdf5", "tsv"):
        analysis.in_silico_mutagenesis(sequence, KINDS, str(tmp_path / fmt / "ism"),
                                       output_format=fmt)  # fmt: skip
    got = in_silico_mutagenesis(analysis.model, sequence, batch_size=BATCH, device="cpu")
    assert isinstance(got, ISMScores) and len(got) == 601
    for kind in KINDS:
        array = getattr(got, kind)
        assert np.array_equal(array, read_h5(tmp_path / "hdf5" / f"ism_{kind}.h5")), kind
        tsv = read_tsv(tmp_path / "tsv" / f"ism_{kind}.tsv", 3)
        assert np.array_equal(array, tsv[1:] if kind == "predictions" else tsv), kind
        np.testing.assert_allclose(array, goldens[f"ism_{kind}"], **TOL[kind], err_msg=kind)
    assert np.array_equal(got.reference, read_h5(tmp_path / "hdf5" / "ism_ref_predictions.h5")[0])
    np.testing.assert_allclose(got.reference[None], goldens["ism_ref_predictions"], **PROB)
    labels = lines(tmp_path / "hdf5" / "ism_row_labels.txt")[1:]
    assert ["\t".join(row) for row in got.ids()] == labels
    assert got.positions[0, 0] == 0 and got.ref_alleles[0, 0] == sequence[0]
    assert got.alt_alleles[0, 0] != got.ref_alleles[0, 0]


def test_two_base_ism_arrays_equal_the_goldens(analysis, workdir, goldens):
    (_, sequence), *_ = read_fasta(workdir / "ism.fa")
    start, end = ISM2_RANGE
    codes = sequence_to_codes(sequence, "ACGT")  # codes, the model length already
    got = in_silico_mutagenesis(analysis.model, codes, 2, start, end, batch_size=BATCH,
                                device="cpu")  # fmt: skip
    assert got.positions.shape == (150, 2)
    assert ["\t".join(row) for row in got.ids()] == list(goldens["ism2_labels"])[1:]
    for kind in KINDS:
        array = getattr(got, kind)
        np.testing.assert_allclose(array, goldens[f"ism2_{kind}"], **TOL[kind], err_msg=kind)


def test_variant_effects_equal_the_files_and_the_goldens(analysis, workdir, tmp_path, goldens):
    vcf = str(workdir / "variants.vcf")
    for fmt in ("hdf5", "tsv"):
        analysis.variant_effect_prediction(
            vcf, KINDS, str(tmp_path / fmt), fmt, VEP_STRAND_INDEX, score_ref_mismatches=True
        )
    chunks = list(variant_effects(analysis.model, analysis.reference_sequence, vcf,
                                  strand_index=VEP_STRAND_INDEX, score_ref_mismatches=True,
                                  batch_size=BATCH, device="cpu"))  # fmt: skip
    records = [r for c in chunks for r in c.records]
    assert ["\t".join(map(str, r)) for r in records] == list(goldens["vep_labels"])[1:]
    files = {"ref_predictions": "variants.ref_predictions", "alt_predictions":
             "variants.alt_predictions", **{k: f"variants_{k}" for k in KINDS[:3]}}  # fmt: skip
    tol = {"ref_predictions": PROB, "alt_predictions": PROB, **TOL}
    for kind, stem in files.items():
        array = np.concatenate([getattr(c, kind) for c in chunks])
        assert np.array_equal(array, read_h5(tmp_path / "hdf5" / f"{stem}.h5")), kind
        assert np.array_equal(array, read_tsv(tmp_path / "tsv" / f"{stem}.tsv", 8)), kind
        np.testing.assert_allclose(array, goldens[f"vep_{kind}"], **tol[kind], err_msg=kind)


def test_variant_effects_take_records_and_warn_about_skipped_ones(analysis, workdir):
    records = read_vcf(workdir / "variants.vcf", VEP_STRAND_INDEX)
    with pytest.warns(UserWarning, match="1 records whose REF differs"):
        chunks = list(variant_effects(analysis.model, analysis.reference_sequence, records,
                                      batch_size=BATCH, device="cpu"))  # fmt: skip
    assert sum(len(c) for c in chunks) == 28
    assert all(c.diffs.shape == (len(c), len(FEATURES)) for c in chunks)


def test_predict_takes_strings_codes_and_one_hot(analysis, workdir, goldens):
    sequences = [seq for _, seq in read_fasta(workdir / "query.fa")]
    from_strings = predict(analysis.model, sequences, batch_size=BATCH, device="cpu")
    assert from_strings.shape == (5, len(FEATURES)) and from_strings.dtype == np.float32
    np.testing.assert_allclose(from_strings, goldens["fasta_predictions"], **PROB)
    out = workdir / "ops_fasta"
    analysis.get_predictions_for_fasta_file(str(workdir / "query.fa"), str(out), "hdf5")
    assert np.array_equal(from_strings, read_h5(out / "query_predictions.h5"))
    seq = "ACGT" * (SEQUENCE_LENGTH // 4)
    codes = sequence_to_codes(seq, "ACGT")[None]
    one_hot = torch.nn.functional.one_hot(torch.as_tensor(codes).long(), 4).permute(0, 2, 1)
    by_string = predict(analysis.model, seq, device="cpu")
    assert np.array_equal(predict(analysis.model, codes, device="cpu"), by_string)
    assert np.array_equal(predict(analysis.model, one_hot.float(), device="cpu"), by_string)


def test_unknown_columns_of_a_one_hot_are_unknown_codes(analysis):
    seq = "N" * 10 + "ACGT" * ((SEQUENCE_LENGTH - 10) // 4) + "AC"
    one_hot = np.zeros((1, 4, SEQUENCE_LENGTH), np.float32)
    codes = sequence_to_codes(seq, "ACGT")
    one_hot[0, codes[codes < 4], np.flatnonzero(codes < 4)] = 1
    by_string = predict(analysis.model, seq, device="cpu")
    assert np.array_equal(predict(analysis.model, one_hot, device="cpu"), by_string)


def test_a_lit_module_predicts_as_its_network(analysis):
    net = {"_target_": "selene.models.DeepSEA", "sequence_length": 200, "n_targets": 4}
    module = SequenceLitModule(net, optimizer=functools.partial(torch.optim.SGD, lr=0.0))
    fill_weights(module.net)
    seq = "ACGGT" * 40
    expected = predict(analysis.model, seq, device="cpu")
    assert np.array_equal(predict(module, seq, device="cpu"), expected)
    assert np.all((expected > 0) & (expected < 1))  # sigmoid of the network's logits


def test_bad_inputs_are_refused(analysis):
    model = analysis.model
    with pytest.raises(ValueError, match="does not record its sequence_length"):
        predict(torch.nn.Sequential(torch.nn.Flatten()), "ACGT")
    with pytest.raises(ValueError, match=r"codes \(N, L\) in 0..4"):
        predict(model, np.full((1, SEQUENCE_LENGTH), 7, np.uint8), device="cpu")
    with pytest.raises(ValueError, match=r"one-hot \(N, 4, L\)"):
        predict(model, np.zeros((1, 5, SEQUENCE_LENGTH), np.float32), device="cpu")
    with pytest.raises(ValueError, match="the model takes 200"):
        predict(model, np.zeros((1, 10), np.uint8), device="cpu")
    with pytest.raises(ValueError, match="outside the alphabet"):
        predict(model, "ACGTX", device="cpu")
    with pytest.raises(ValueError, match="takes one sequence, got 2"):
        in_silico_mutagenesis(model, ["ACGT", "ACGT"], device="cpu")


def test_strings_of_different_lengths_need_a_model_length():
    with pytest.raises(ValueError, match="different lengths"):
        as_codes(["A" * 200, "A" * 199], None)
    assert as_codes(["acgn"], None).tolist() == [[0, 1, 2, 4]]


def test_scores_not_asked_for_are_not_computed(analysis):
    codes = sequence_to_codes("ACGT" * 50, "ACGT")
    ref, chunks = score_mutants(analysis._runner, codes, "ACGTN", end=5, kinds=["diffs"])
    (chunk,) = list(chunks(0))
    assert chunk.predictions is None and chunk.logits is None and chunk.diffs.shape == (15, 4)
    assert np.array_equal(chunk.diffs, in_silico_mutagenesis(analysis._runner, codes, end=5).diffs)
