"""AnalyzeSequences: model loading, FASTA/BED/ISM entry points and refusals of bad input."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from _predict_goldens import FEATURES, fill_weights
from torch import nn

from _tolerances import LOGIT_DIFF, PROB, PROB_DIFF
from selene.models import DeepSEA
from selene.predict import AnalyzeSequences
from selene.sequences import Genome

SEQ = "ACGTTGCA" * 25


def test_lightning_checkpoint_alone_is_enough(analysis, genome, checkpoint) -> None:
    alone = AnalyzeSequences(trained_model_path=checkpoint, reference_sequence=genome)
    assert alone.features == FEATURES and alone.sequence_length == 200
    # The same weights, path and batch shape as `analysis`: the same kernels on the same inputs.
    np.testing.assert_array_equal(alone.get_predictions(SEQ), analysis.get_predictions(SEQ))
    both = AnalyzeSequences(DeepSEA(200, 4), checkpoint, 200, FEATURES)
    np.testing.assert_array_equal(both.get_predictions(SEQ), analysis.get_predictions(SEQ))


def test_selene_weights_and_sigmoid_models(analysis, tmp_path) -> None:
    state = fill_weights(DeepSEA(200, 4)).state_dict()
    torch.save({"state_dict": state, "arch_name": "DeepSEA", "step": 3}, tmp_path / "w.pth.tar")
    selene = AnalyzeSequences(DeepSEA(200, 4), str(tmp_path / "w.pth.tar"), 200, FEATURES)
    np.testing.assert_array_equal(selene.get_predictions(SEQ), analysis.get_predictions(SEQ))
    with_sigmoid = nn.Sequential(fill_weights(DeepSEA(200, 4)), nn.Sigmoid())
    probabilities = AnalyzeSequences(with_sigmoid, None, 200, FEATURES)
    assert probabilities._runner.activation == "identity"
    # The Sigmoid-ended model takes the plain forward pass (no layer-local engine), whose
    # kernels sum in another order: float32 probabilities agree to PROB, not bitwise.
    np.testing.assert_allclose(
        probabilities.get_predictions(SEQ), analysis.get_predictions(SEQ), **PROB
    )


def test_output_count_must_match_features() -> None:
    with pytest.raises(ValueError, match="outputs 4 values per sequence but 3 features"):
        AnalyzeSequences(DeepSEA(200, 4), None, 200, FEATURES[:3])
    with pytest.raises(ValueError, match="features is required"):
        AnalyzeSequences(DeepSEA(200, 4), None, 200)
    with pytest.raises(ValueError, match="give a model, a trained_model_path"):
        AnalyzeSequences(None, None, 200, FEATURES)


def test_sequences_are_centred_and_letters_checked(analysis) -> None:
    short, long = "ACGT" * 10, "ACGT" * 70
    # Each pair becomes the same codes: the same kernels on the same inputs, bitwise equal.
    np.testing.assert_array_equal(
        analysis.get_predictions(short), analysis.get_predictions("N" * 80 + short + "N" * 80)
    )
    predict = analysis.get_predictions
    np.testing.assert_array_equal(predict(long), predict(long[40:240]))
    np.testing.assert_array_equal(predict(SEQ.lower()), predict(SEQ))
    with pytest.raises(ValueError, match=r"outside the alphabet 'ACGT'.*\['X', 'Z'\].*position 4"):
        analysis.get_predictions("ACGTXACGTZ")


def test_fasta_bad_letters_and_empty_file(analysis, tmp_path) -> None:
    (tmp_path / "bad.fa").write_text(">ok\nACGT\n>oops\nACGU\n")
    with pytest.raises(ValueError, match="'oops' has letters outside the alphabet"):
        analysis.get_predictions_for_fasta_file(str(tmp_path / "bad.fa"), str(tmp_path))
    (tmp_path / "empty.fa").write_text("")
    for fmt in ("tsv", "hdf5"):
        with pytest.warns(UserWarning, match="no sequences to predict"):
            analysis.get_predictions_for_fasta_file(str(tmp_path / "empty.fa"), str(tmp_path), fmt)
    header = (tmp_path / "empty_predictions.tsv").read_text()
    assert header == "index\tname\t" + "\t".join(FEATURES) + "\n"
    assert (tmp_path / "empty_row_labels.txt").read_text() == "index\tname\n"


def test_bed_windows_are_centred(analysis, genome: Genome, tmp_path) -> None:
    chr1 = genome.get_sequence_from_coords("chr1", 0, 3000)
    bed = tmp_path / "regions.bed"
    lines = ["track x", "chr1\t1000\t1011\t.\t0\t-", "1\t2950\t2960", "chrZ\t1\t2", "chr1\tx\t5"]
    bed.write_text("".join(line + "\n" for line in lines))
    analysis.get_predictions(str(bed), str(tmp_path), strand_index=5)
    rows = [r.split("\t") for r in (tmp_path / "regions_predictions.tsv").read_text().splitlines()]
    assert rows[0][:6] == ["index", "chrom", "start", "end", "strand", "contains_unk"]
    assert [r[:6] for r in rows[1:]] == [
        ["1", "chr1", "1000", "1011", "-", "False"],
        ["2", "chr1", "2950", "2960", ".", "True"],
    ]
    complement = str.maketrans("ACGTacgt", "TGCAtgca")
    minus = chr1[905:1105].translate(complement)[::-1]  # mid 1005, window [905, 1105)
    padded = chr1[2855:] + "N" * 55  # mid 2955, window [2855, 3055)
    for row, seq in zip(rows[1:], (minus, padded), strict=True):
        want = analysis.get_predictions(seq)[0]  # a batch of one, the file's a batch of two
        np.testing.assert_allclose(np.array(row[6:], np.float32), want, **PROB)
    assert (tmp_path / "regions.NA").read_text() == "chrZ\t1\t2\nchr1\tx\t5\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_position": -1}, "negative positions"),
        ({"start_position": 50, "end_position": 50}, "must be less than end_position"),
        ({"end_position": 201}, "past the end of the 200-letter sequence"),
        ({"start_position": 10, "end_position": 12, "mutate_n_bases": 3}, "fewer than"),
        ({"mutate_n_bases": 0}, "at least 1"),
    ],
)
def test_ism_range_is_checked(analysis, tmp_path, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        analysis.in_silico_mutagenesis(SEQ, ["diffs"], str(tmp_path / "ism"), **kwargs)


def test_ism_honours_mutate_n_bases(analysis, tmp_path) -> None:
    prefix = str(tmp_path / "ism")
    analysis.in_silico_mutagenesis(
        SEQ, ["diffs", "predictions"], prefix, mutate_n_bases=3, start_position=20, end_position=26
    )
    rows = (tmp_path / "ism_diffs.tsv").read_text().splitlines()[1:]
    assert len(rows) == math.comb(6, 3) * 27
    assert rows[0].split("\t")[:3] == ["20;21;22", "T;G;C", "A;A;A"]
    predictions = (tmp_path / "ism_predictions.tsv").read_text().splitlines()
    assert predictions[1].startswith("input_sequence\tNA\tNA\t")
    assert len(predictions) == len(rows) + 2


def test_bad_options_are_refused(analysis, tmp_path) -> None:
    with pytest.raises(ValueError, match="save_data must be a non-empty list"):
        analysis.in_silico_mutagenesis(SEQ, ["probabilities"], str(tmp_path / "x"))
    with pytest.raises(ValueError, match="output_format must be one of"):
        analysis.in_silico_mutagenesis(SEQ, ["diffs"], str(tmp_path / "x"), output_format="csv")
    plain = AnalyzeSequences(fill_weights(DeepSEA(200, 4)), None, 200, FEATURES)
    with pytest.raises(ValueError, match="pass reference_sequence=Genome"):
        plain.variant_effect_prediction(str(Path(tmp_path) / "v.vcf"), ["diffs"])


def test_full_forward_path_equals_layer_local(analysis, genome, workdir, tmp_path) -> None:
    model = fill_weights(DeepSEA(200, 4))
    naive = AnalyzeSequences(model, None, 200, FEATURES, reference_sequence=genome,
                             layer_local=False, show_progress=False)  # fmt: skip
    assert naive._runner.engine.name == "plain" and analysis._runner.engine.name == "layer_local"
    for tool, name in ((analysis, "local"), (naive, "naive")):
        out = tmp_path / name
        tool.in_silico_mutagenesis(SEQ, ["logits"], str(out / "ism"), 2, "hdf5", 90, 100)
        tool.variant_effect_prediction(str(workdir / "variants.vcf"), ["diffs"], str(out),
                                       "hdf5", 7, score_ref_mismatches=True)  # fmt: skip
    # Layer-local and full passes sum in other orders (tests/_tolerances.py).
    for name, tol in (("ism_logits.h5", LOGIT_DIFF), ("variants_diffs.h5", PROB_DIFF)):
        with h5py.File(tmp_path / "local" / name) as a, h5py.File(tmp_path / "naive" / name) as b:
            np.testing.assert_allclose(a["data"][()], b["data"][()], **tol)


def test_reduced_precision_runs(analysis) -> None:
    bf16 = AnalyzeSequences(fill_weights(DeepSEA(200, 4)), None, 200, FEATURES, precision="bf16")
    low, full = bf16.get_predictions(SEQ), analysis.get_predictions(SEQ)
    # bfloat16 rounds weights and activations to u = 2**-8. The dense layer's 2880 rounding
    # errors are independent and cancel: logits move by ~u·sqrt(Σ(w·h)²) ≈ 6e-3, probabilities
    # by a quarter of that (5e-4 measured under every kernel setting tried): 2e-2 is > 10x both.
    np.testing.assert_allclose(low, full, atol=2e-2)
    assert np.abs(low - full).max() > 1e-6  # bfloat16 was used, not float32
    with pytest.raises(ValueError, match="precision must be one of"):
        AnalyzeSequences(DeepSEA(200, 4), None, 200, FEATURES, precision="8")


def test_model_signature_covers_scalar_buffers() -> None:
    from selene.predict.model import model_signature

    bn = torch.nn.BatchNorm1d(3)  # num_batches_tracked is a 0-d tensor
    before = model_signature(bn)
    bn.running_mean += 1
    assert model_signature(bn) != before


@pytest.mark.parametrize("fmt", ["tsv", "hdf5"])
def test_interrupted_ism_resumes_to_the_same_files(analysis, tmp_path, monkeypatch, fmt) -> None:
    kinds = ["diffs", "predictions"]
    analysis.in_silico_mutagenesis(SEQ, kinds, str(tmp_path / "full" / "ism"), output_format=fmt)
    runner, real, calls = analysis._runner, analysis._runner.mutants, []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "mutants", dying)
    cut = str(tmp_path / "cut" / "ism")
    with pytest.raises(KeyboardInterrupt):
        analysis.in_silico_mutagenesis(SEQ, kinds, cut, output_format=fmt)
    assert len(calls) == 2  # one batch written, then the interruption
    monkeypatch.setattr(runner, "mutants", real)
    analysis.in_silico_mutagenesis(SEQ, kinds, cut, output_format=fmt)
    names = sorted(p.name for p in (tmp_path / "full").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "cut").iterdir())
    for name in names:
        a, b = tmp_path / "full" / name, tmp_path / "cut" / name
        if name.endswith(".h5"):  # the same batches through the same kernels: bitwise equal
            with h5py.File(a) as x, h5py.File(b) as y:
                assert np.array_equal(x["data"][()], y["data"][()]), name
        else:
            assert a.read_bytes() == b.read_bytes(), name
