"""The remaining refusals: each names the file, line and key, and what to do."""

from __future__ import annotations

import pytest

from selene.compat import convert

TRAIN = """
ops: [train]
model: {path: m.py, class: M, class_args: {sequence_length: 100, n_targets: 1}}
sampler: SAMPLER
train_model: TRAIN_MODEL
lr: 0.1
"""
MULTI = """!obj:selene_sdk.samplers.MultiFileSampler {
    train_sampler: TRAIN_SAMPLER,
    validate_sampler: !obj:selene_sdk.samplers.file_samplers.MatFileSampler {
        filepath: v.mat, sequence_key: x}
}"""
MAT = "!obj:selene_sdk.samplers.file_samplers.MatFileSampler {filepath: t.mat, sequence_key: x}"
INTERVALS = "!obj:selene_sdk.samplers.IntervalsSampler {reference_sequence: g.fa}"


def _train(sampler: str = INTERVALS, train_model: str = "!obj:selene_sdk.TrainModel {}") -> str:
    return TRAIN.replace("SAMPLER", sampler).replace("TRAIN_MODEL", train_model)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            _train().replace("model: {path: m.py,", "model: !obj:a.Model {path: m.py,"),
            r"selene\.yml:3: `model` must be a mapping \{path, class, class_args",
        ),
        (
            _train().replace("{path: m.py, class: M, class_args:", "{file: m.py, class: M, x:"),
            r"`model\.x` is not a key of Selene's model section",
        ),
        (
            _train(INTERVALS.replace("g.fa}", "g.fa, feature_thresholds: !import a.b}")),
            r"`sampler\.feature_thresholds` is !import a\.b \(line 4\); give a value",
        ),
        (
            _train(INTERVALS.replace("g.fa}", "g.fa, features: !obj:x.load_features_list {}}")),
            r"`sampler\.features\.input_path` is required; give the features file",
        ),
        (
            _train(MULTI.replace("TRAIN_SAMPLER", MAT).replace("{\n", "{\n    n_jobs: 2,\n", 1)),
            r"selene\.yml:5: `sampler\.n_jobs` is not an argument of MultiFileSampler",
        ),
        (
            _train(MULTI.replace("train_sampler: TRAIN_SAMPLER,", "")),
            r"`sampler\.train_sampler` is required; give the file sampler",
        ),
        (
            _train(MULTI.replace("TRAIN_SAMPLER", INTERVALS)),
            r"`sampler\.train_sampler` must be !obj:selene_sdk\.samplers\.file_samplers\.Bed",
        ),
        (
            _train(MULTI.replace("TRAIN_SAMPLER", MAT.replace("key: x}", "key: x, axis: 1}"))),
            r"`sampler\.train_sampler\.axis` is not an argument of selene\.samplers\.MatFile",
        ),
        (
            _train(train_model="!obj:selene_sdk.TrainModel {scheduler_kwargs: 3}"),
            r"`train_model\.scheduler_kwargs` must be a mapping of ReduceLROnPlateau arguments",
        ),
    ],
)
def test_training_config_refusals(selene_yaml, out, text, match) -> None:
    with pytest.raises(ValueError, match=match):
        convert(selene_yaml(text), out)


def test_a_selene_01_class_needs_two_arguments(selene_yaml, out, tmp_path) -> None:
    (tmp_path / "m.py").write_text(
        "class M:\n    def __init__(self, sequence_length):\n        pass\n"
    )
    text = _train().replace(
        "{path: m.py, class: M, class_args: {sequence_length: 100, n_targets: 1}}",
        f"{{file: {tmp_path / 'm.py'}, class: M, sequence_length: 100, n_classes_to_predict: 1}}",
    )
    with pytest.raises(
        ValueError, match=r"`model\.class` M\.__init__ takes \['sequence_length'\]"
    ):
        convert(selene_yaml(text), out)


EVALUATE = """
ops: [evaluate]
sampler: !obj:selene_sdk.samplers.file_samplers.BedFileSampler {filepath: t.bed,
    reference_sequence: g.fa}
evaluate_model: !obj:selene_sdk.EvaluateModel {trained_model_path: m.ckpt, KEY}
"""


def test_evaluate_model_refuses_unknown_keys(selene_yaml, out) -> None:
    text = EVALUATE.replace("KEY", "n_jobs: 3")
    with pytest.raises(ValueError, match=r"selene\.yml:5: `evaluate_model\.n_jobs` is not an E"):
        convert(selene_yaml(text), out)


def test_evaluate_maps_its_keys(selene_yaml, out) -> None:
    result = convert(selene_yaml(EVALUATE.replace("KEY", "output_dir: ev, use_cuda: True")), out)
    text = out.read_text()
    assert "ckpt_path: m.ckpt" in text and "dir: ev" in text
    assert "train_sampler: ${.test_sampler}" in text
    assert result.commands[0].startswith("python -m selene.evaluate +experiment=run ")


ANALYZE = """
ops: [analyze]
analyze_sequences: !obj:selene_sdk.predict.AnalyzeSequences {REFERENCE}
prediction: PREDICTION
"""


@pytest.mark.parametrize(
    ("reference", "prediction", "match"),
    [
        (
            "reference_sequence: 3",
            "{input_path: a.fa}",
            r"`analyze_sequences\.reference_sequence` must be a Genome, got 3",
        ),
        ("", "[a.fa]", r"selene\.yml:4: `prediction` must be a mapping"),
    ],
)
def test_analysis_refusals(selene_yaml, out, reference, prediction, match) -> None:
    text = ANALYZE.replace("REFERENCE", reference).replace("PREDICTION", prediction)
    with pytest.raises(ValueError, match=match):
        convert(selene_yaml(text), out)


def test_a_sequence_to_predict_becomes_a_fasta(selene_yaml, out) -> None:
    text = ANALYZE.replace("REFERENCE", "trained_model_path: m.ckpt")
    result = convert(selene_yaml(text.replace("PREDICTION", "{input_path: ACGTNACGT}")), out)
    fasta = out.with_name("run_sequence.fa")
    assert fasta in result.files and fasta.read_text() == ">sequence\nACGTNACGT\n"
    assert f"input_path: {fasta.resolve()}" in out.read_text()
