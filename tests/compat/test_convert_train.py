"""Training configs: every key family lands where selene.train reads it, or is a clear error."""

from __future__ import annotations

import pytest
from _selene_configs import MODEL_FILE, SIMPLE_TRAIN
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from selene.compat import convert
from selene.utils.config import config_dir


def _compose(out, *overrides):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(
            "train",
            overrides=[
                f"+experiment={out.stem}",
                f"hydra.searchpath=[file://{out.parent.parent}]",
                "paths.output_dir=/tmp/unused",
                *overrides,
            ],
        )


def test_simple_train_maps_every_key(selene_yaml, out) -> None:
    result = convert(selene_yaml(SIMPLE_TRAIN), out, lr=0.01)
    exp = OmegaConf.load(out)
    assert exp.defaults == [{"override /data": None}, {"override /model": None}]
    assert exp.data._target_ == "selene.samplers.IntervalsSampler"
    assert exp.data.reference_sequence == {
        "_target_": "selene.sequences.Genome",
        "input_path": "./male.hg19.fasta",
    }
    assert exp.data.features == "./distinct_features.txt"  # load_features_list -> its file
    assert exp.data.save_datasets == ["validate", "test"] and exp.data.mode == "train"
    assert exp.data.batch_size == 64 and exp.data.n_test_samples == 120000
    net = exp.model.net
    assert net._target_ == "selene.models.file_model" and net.path == str(MODEL_FILE)
    assert net.class_name == "DeeperDeepSEA" and net.non_strand_specific == "mean"
    assert exp.model.loss == "file" and exp.model.optimizer.lr == 0.01
    assert exp.model.optimizer._target_ == "selene.models.file_optimizer"
    assert _compose(out).model.optimizer.path == str(MODEL_FILE)  # follows model.net.path
    assert exp.trainer == {"max_steps": 8000, "val_check_interval": 1000}
    assert exp.seed == 1447 and exp.test is True
    assert exp.hydra.run.dir == "./training_outputs"  # create_subdirectory: False
    assert exp.callbacks.model_checkpoint.monitor == "val/loss"  # Selene's best model
    assert any("cpu_n_threads` dropped" in note for note in result.notes)
    assert any("`ops` evaluate: the train run tests its best" in note for note in result.notes)
    cfg = _compose(out)
    assert cfg.model.net.class_args == {"sequence_length": 1000, "n_targets": 1}
    assert cfg.data.output_dir == "/tmp/unused"  # save_datasets go to the run directory
    assert out.read_text().startswith("# @package _global_\n")


def test_sections_no_op_reads_are_noted(selene_yaml, out) -> None:
    text = SIMPLE_TRAIN.replace(
        "random_seed: 1447", "random_seed: 1447\nevaluate_model: !obj:selene_sdk.EvaluateModel {}"
    )
    result = convert(selene_yaml(text), out, lr=0.1)
    assert any("`evaluate_model` ignored: no op in" in note for note in result.notes)


def test_output_dir_with_subdirectories_is_the_log_dir(selene_yaml, out) -> None:
    convert(selene_yaml(SIMPLE_TRAIN.replace("create_subdirectory: False", "")), out, lr=0.1)
    exp = OmegaConf.load(out)
    assert exp.paths.log_dir == "./training_outputs" and "hydra" not in exp


def test_no_lr_is_left_to_the_command_line(selene_yaml, out) -> None:
    result = convert(selene_yaml(SIMPLE_TRAIN), out)
    assert result.commands[0].endswith(" model.optimizer.lr=LR")
    assert OmegaConf.is_missing(OmegaConf.load(out).model.optimizer, "lr")
    assert _compose(out, "model.optimizer.lr=0.02").model.optimizer.lr == 0.02


def test_lr_in_the_file_wins(selene_yaml, out) -> None:
    convert(selene_yaml(SIMPLE_TRAIN.replace("load_test_set: False", "lr: 0.2")), out, lr=0.01)
    assert OmegaConf.load(out).model.optimizer.lr == 0.2


def test_selene_01_model_and_sampler_layout(selene_yaml, out) -> None:
    text = """
ops: [train]
model: {file: {model_file}, class: DeeperDeepSEA, sequence_length: 1000,
        n_classes_to_predict: 919, non_strand_specific: {use_module: True, mode: max}}
sampler: !obj:selene.samplers.IntervalsSampler {
    genome: g.fa, genomic_features: f.bed.gz, distinct_features: f.txt,
    sample_from_regions: i.bed, random_seed: 127, test_holdout: [8, 9],
    validation_holdout: [6, 7]}
train_model: !obj:selene.TrainModel {batch_size: 8, output_dir: ./out}
lr: 0.1
"""
    result = convert(selene_yaml(text), out)
    exp = OmegaConf.load(out)
    assert exp.model.net.class_args == {"sequence_length": 1000, "n_targets": 919}
    assert exp.model.net.non_strand_specific == "max"
    assert exp.data.reference_sequence == "g.fa" and exp.data.target_path == "f.bed.gz"
    assert exp.data.intervals_path == "i.bed" and exp.data.seed == 127
    assert exp.data.test_holdout == ["chr8", "chr9"]
    assert exp.data.sample_negative is False  # Selene's default
    assert exp.paths.log_dir == "./out" and exp.test is False  # no evaluate op
    assert any("named as in the class's __init__" in note for note in result.notes)


def test_file_samplers_scheduler_and_early_stopping(selene_yaml, out) -> None:
    text = """
ops: [train, evaluate]
model: {path: m.py, class: Net, class_args: {sequence_length: 50, n_targets: 1}}
sampler: !obj:selene_sdk.samplers.MultiSampler {
    features: [MRL],
    train_sampler: !obj:selene_sdk.samplers.file_samplers.MatFileSampler {
        filepath: train.mat, sequence_key: x, targets_key: y, shuffle: True},
    validate_sampler: !obj:selene_sdk.samplers.file_samplers.BedFileSampler {
        filepath: v.bed, reference_sequence: !obj:selene_sdk.sequences.Genome {input_path: g.fa},
        n_samples: rows_in_file, targets_avail: True, sequence_length: 50, n_features: 1}
}
train_model: !obj:selene_sdk.TrainModel {
    use_scheduler: True, scheduler_kwargs: {patience: 3, factor: 0.2, verbose: True},
    metrics: {scc: !import metrics.spearman}, stopping_criteria: [scc, 10],
    report_gt_feature_n_positives: 0, data_parallel: True, use_cuda: False,
    deterministic: True, checkpoint_resume: False, logging_verbosity: 2}
lr: 0.001
"""
    result = convert(selene_yaml(text), out)
    exp = OmegaConf.load(out)
    assert exp.data._target_ == "selene.samplers.MultiFileSampler"
    assert exp.data.train_sampler._target_ == "selene.samplers.MatFileSampler"
    assert "n_samples" not in exp.data.validate_sampler  # counted from the file
    assert exp.data.validate_sampler.reference_sequence.input_path == "g.fa"
    assert exp.model.lr_scheduler.patience == 3 and exp.model.lr_scheduler.factor == 0.2
    assert "verbose" not in exp.model.lr_scheduler and exp.model.min_positives == 0
    assert exp.callbacks.early_stopping.monitor == "val/spearman"
    assert exp.callbacks.early_stopping.patience == 10
    assert {"override /trainer": "ddp"} in exp.defaults
    assert exp.trainer.accelerator == "cpu" and exp.trainer.deterministic is True
    assert any("metrics` ['scc'] dropped" in note for note in result.notes)
    assert _compose(out).data.train_sampler.sequence_key == "x"


def test_use_scheduler_false_drops_the_scheduler(selene_yaml, out) -> None:
    text = SIMPLE_TRAIN.replace("batch_size: 64,", "batch_size: 64, use_scheduler: False,")
    convert(selene_yaml(text), out, lr=0.1)
    assert OmegaConf.load(out).model.lr_scheduler is None


def test_a_sampler_only_file_writes_the_data(selene_yaml, out) -> None:
    text = """
sampler: !obj:selene_sdk.samplers.RandomPositionsSampler {
    target_path: t.bed.gz, features: !obj:selene_sdk.utils.load_features_list {input_path: f},
    reference_sequence: !obj:selene_sdk.sequences.Genome {input_path: g.fa,
                                                           blacklist_regions: hg19}}
batch_size: 32
"""
    result = convert(selene_yaml(text), out)
    exp = OmegaConf.load(out)
    assert exp.data._target_ == "selene.samplers.RandomPositionsSampler"
    assert exp.data.batch_size == 32 and "model" not in exp
    assert "'model=<option>'" in result.commands[0]
    assert _compose(out, "model=deeper_deepsea").data.reference_sequence.blacklist_regions


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            ("cpu_n_threads: 32,", "cpu_n_threads: 32, checkpoint_resume: ./m.pth.tar,"),
            r"selene\.yml:\d+: `train_model\.checkpoint_resume` resumes a Selene SDK checkpoint",
        ),
        (
            ("cpu_n_threads: 32,", "cpu_n_threads: 32, fancy: 1,"),
            r"selene\.yml:\d+: `train_model\.fancy` is not a TrainModel argument",
        ),
        (
            ("cpu_n_threads: 32,", "stopping_criteria: [f1, 3],"),
            r"`train_model\.stopping_criteria` monitors 'f1', which selene does not log",
        ),
        (
            ("cpu_n_threads: 32,", "stopping_criteria: 3,"),
            r"`train_model\.stopping_criteria` must be \[metric, patience\]",
        ),
        (
            ("random_seed: 1447", "random_seed: 1447\nextra: 1"),
            r"selene\.yml:\d+: `extra` is not a Selene config section",
        ),
        (
            ("non_strand_specific: mean", "non_strand_specific: both"),
            r"`model\.non_strand_specific` must be 'mean' or 'max', got 'both'",
        ),
        (
            ("class: DeeperDeepSEA,", "class: DeeperDeepSEA, wrapper: x,"),
            r"selene\.yml:5: `model\.wrapper` is not a key of Selene's model section",
        ),
        (("class: DeeperDeepSEA,", ""), r"`model\.class` is required"),
        (
            (
                "class_args: {\n        sequence_length: 1000,\n        n_targets: 1,\n    }",
                "class_args: [1000, 1]",
            ),
            r"selene\.yml:6: `model\.class_args` must be a mapping",
        ),
        (
            ("seed: 127,", "seed: 127, n_bins: 3,"),
            r"selene\.yml:\d+: `sampler\.n_bins` is not an argument of selene\.samplers\.Int",
        ),
        (
            ("selene_sdk.samplers.IntervalsSampler", "selene_sdk.samplers.OtherSampler"),
            r"`sampler` is !obj:selene_sdk\.samplers\.OtherSampler, which the converter does not",
        ),
        (
            ("selene_sdk.samplers.IntervalsSampler", "selene_sdk.samplers.BedFileSampler"),
            r"`sampler` is a lone BedFileSampler: training needs train and validation sets",
        ),
        (
            ("selene_sdk.sequences.Genome {", "selene_sdk.sequences.Genome {fasta: x,"),
            r"`sampler\.reference_sequence\.fasta` is not an argument of selene\.sequences\.Gen",
        ),
        (
            ("selene_sdk.utils.load_features_list", "selene_sdk.utils.other_list"),
            r"`sampler\.features` is !obj:selene_sdk\.utils\.other_list, which the converter",
        ),
        (("ops: [train, evaluate]", "ops: [train, plot]"), r"`ops` must be a list of"),
        (
            ("selene_sdk.TrainModel", "selene_sdk.Trainer"),
            r"`train_model` must be !obj:selene_sdk\.TrainModel",
        ),
    ],
)
def test_unmappable_keys_are_errors_naming_them(selene_yaml, out, edit, match) -> None:
    with pytest.raises(ValueError, match=match):
        convert(selene_yaml(SIMPLE_TRAIN.replace(*edit)), out, lr=0.1)


def test_a_section_an_op_needs_is_required(selene_yaml, out) -> None:
    text = SIMPLE_TRAIN[: SIMPLE_TRAIN.index("train_model:")]
    with pytest.raises(ValueError, match=r"`train_model` is required by the 'train' op"):
        convert(selene_yaml(text), out)


def test_an_untagged_sampler_is_refused(selene_yaml, out) -> None:
    text = "ops: [train]\nmodel: {path: m.py, class: M}\nsampler: {seed: 1}\ntrain_model: 1\n"
    with pytest.raises(ValueError, match=r"selene\.yml:3: `sampler` is not an !obj:selene_sdk"):
        convert(selene_yaml(text), out)


def test_the_pre_release_layout_is_refused(selene_yaml, out) -> None:
    text = "sampler:\n  mode: train\nmodel_controller:\n  batch_size: 64\n"
    with pytest.raises(ValueError, match=r"selene\.yml:3: `model_controller` is from Selene's"):
        convert(selene_yaml(text), out)


def test_a_file_with_neither_ops_nor_sampler_is_refused(selene_yaml, out) -> None:
    with pytest.raises(ValueError, match=r"`ops` is missing; give ops: \[train, evaluate\]"):
        convert(selene_yaml("random_seed: 1\n"), out)
