"""The must-show: Selene's simple_train.yml, converted, trains on a synthetic genome with the
tutorial's DeeperDeepSEA (a fixture in its shape), and its first loss is that of BCELoss on
the probabilities the net returns (about ln 2 for an untrained net), not BCE-with-logits on
them (about 0.95)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch
from _selene_configs import SIMPLE_TRAIN
from hydra import compose, initialize_config_dir

from _tiny_run import one_thread  # noqa: F401 (one_thread: a fixture)
from selene.compat import convert
from selene.evaluate import evaluate
from selene.models import load_checkpoint
from selene.train import train
from selene.utils.config import config_dir


def _first_train_loss(metrics: Path) -> float:
    with open(metrics) as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("train/loss")]
    return float(rows[0]["train/loss"])


@pytest.mark.usefixtures("one_thread")
def test_converted_simple_train_trains_with_the_files_loss(
    synthetic, selene_yaml, out, tmp_path
) -> None:
    features = tmp_path / "one_feature.txt"
    features.write_text("f0\n")  # one target, as the tutorial's CTCF
    result = convert(selene_yaml(SIMPLE_TRAIN), out, lr=0.01)
    run = tmp_path / "run"
    # the user's own paths and a seconds-long run, on the command line as the guide shows
    overrides = [
        "+experiment=run",
        f"hydra.searchpath=[file://{out.parent.parent}]",
        f"paths.output_dir={run}",
        f"data.reference_sequence.input_path={synthetic.fasta}",
        f"data.features={features}",
        f"data.target_path={synthetic.features_bed}",
        f"data.intervals_path={synthetic.intervals_bed}",
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.sequence_length=320",  # the smallest window DeeperDeepSEA takes is about 300
        "data.batch_size=8",
        "data.n_validation_samples=16",
        "data.n_test_samples=16",
        "+model.net.class_args.channels=[4,4,4]",  # narrow, to run in seconds
        "model.min_positives=1",
        "trainer.max_steps=2",
        "trainer.val_check_interval=2",
        "trainer.accelerator=cpu",
        "trainer.log_every_n_steps=1",
        "+trainer.num_sanity_val_steps=0",
        "+trainer.enable_progress_bar=false",
        "+trainer.enable_model_summary=false",
        "~callbacks.progress_bar",
    ]
    assert result.commands == [
        f"python -m selene.train +experiment=run 'hydra.searchpath=[file://{out.parent.parent}]'"
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    assert cfg.model.net.class_args.sequence_length == 320  # follows data.sequence_length
    metrics = train(cfg)
    first = _first_train_loss(run / "metrics.csv")
    # BCELoss of p ~ 0.5 for any label: ln 2; BCE-with-logits of sigmoid outputs gave ~0.95
    assert abs(first - math.log(2)) < 0.12, first
    assert math.isfinite(metrics["test/loss"])
    assert (run / "test_performance.tsv").is_file()
    assert (run / "test_data.bed").is_file()  # save_datasets: [validate, test], in the run dir
    assert (run / "validate_data.bed").is_file()
    _evaluate_saved_test_set(selene_yaml, run, features, synthetic.fasta)


EVALUATE_BED = """---
ops: [evaluate]
model: {path: {model_file}, class: DeeperDeepSEA, non_strand_specific: mean,
        class_args: {sequence_length: 320, n_targets: 1, channels: [4, 4, 4]}}
sampler: !obj:selene_sdk.samplers.file_samplers.BedFileSampler {
    filepath: RUN/test_data.bed,  # written by the training run (save_datasets)
    reference_sequence: !obj:selene_sdk.sequences.Genome {input_path: GENOME},
    n_samples: n_samples_in_file,
    targets_avail: True,
    sequence_length: 320,
    n_features: 1
}
evaluate_model: !obj:selene_sdk.EvaluateModel {
    features: !obj:selene_sdk.utils.load_features_list {input_path: FEATURES},
    trained_model_path: CKPT,
    batch_size: 8,
    report_gt_feature_n_positives: 50,
    use_cuda: False
}
random_seed: 1337
...
"""


def _evaluate(selene_yaml, run: Path, text: str, name: str) -> dict[str, float]:
    out = run.parent / "conf" / "experiment" / f"{name}.yaml"
    result = convert(selene_yaml(text, f"{name}.yml"), out)
    assert result.commands[0].startswith(f"python -m selene.evaluate +experiment={name} ")
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(
            "evaluate",
            overrides=[
                f"+experiment={name}",
                f"hydra.searchpath=[file://{out.parent.parent}]",
                f"paths.output_dir={run.parent / name}",
                "+trainer.enable_progress_bar=false",
            ],
        )
    metrics = evaluate(cfg)
    assert (run.parent / name / "test_performance.tsv").is_file()
    return metrics


def _evaluate_saved_test_set(selene_yaml, run: Path, features: Path, genome: Path) -> None:
    """Selene's evaluate_test_bed.yml, converted, tests the checkpoint on the saved test set,
    and the same weights saved as the Selene SDK saves them (.pth.tar) score the same."""
    ckpt = next((run / "checkpoints").glob("best-*.ckpt"))
    text = EVALUATE_BED.replace("RUN", str(run)).replace("GENOME", str(genome))
    text = text.replace("FEATURES", str(features))
    metrics = _evaluate(selene_yaml, run, text.replace("CKPT", str(ckpt)), "evaluate_ckpt")
    assert math.isfinite(metrics["test/loss"])
    weights = run.parent / "model.pth.tar"
    torch.save({"state_dict": load_checkpoint(ckpt).net.state_dict()}, weights)
    selene = _evaluate(selene_yaml, run, text.replace("CKPT", str(weights)), "evaluate_sdk")
    assert selene["test/loss"] == pytest.approx(metrics["test/loss"], rel=1e-5)


FIXED_OUTPUTS = '''
import torch
from torch import nn


class OneOutput(nn.Module):
    """A Selene model file's class that fixes its own output count (one feature)."""

    def __init__(self, sequence_length):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, kernel_size=9)
        self.linear = nn.Linear(4 * (sequence_length - 8), 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(self.conv(x).flatten(1)))


def criterion():
    return nn.BCELoss()


def get_optimizer(lr):
    return (torch.optim.Adam, {"lr": lr})
'''


@pytest.mark.usefixtures("one_thread")
def test_a_class_without_a_feature_count_trains(synthetic, selene_yaml, tmp_path) -> None:
    """Selene passes class_args only: a class may fix its own outputs."""
    (tmp_path / "one_output.py").write_text(FIXED_OUTPUTS)
    (tmp_path / "one_feature.txt").write_text("f1\n")
    text = SIMPLE_TRAIN.replace("{model_file}", str(tmp_path / "one_output.py"))
    text = text.replace("class: DeeperDeepSEA,", "class: OneOutput,")
    text = text.replace("n_targets: 1,", "").replace("non_strand_specific: mean", "")
    out = tmp_path / "conf" / "experiment" / "fixed.yaml"
    convert(selene_yaml(text), out, lr=0.01)
    overrides = [
        "+experiment=fixed",
        f"hydra.searchpath=[file://{out.parent.parent}]",
        f"paths.output_dir={tmp_path / 'run'}",
        f"data.reference_sequence.input_path={synthetic.fasta}",
        f"data.features={tmp_path / 'one_feature.txt'}",
        f"data.target_path={synthetic.features_bed}",
        f"data.intervals_path={synthetic.intervals_bed}",
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.sequence_length=100",
        "data.center_bin_to_predict=50",
        "data.batch_size=8",
        "data.n_validation_samples=8",
        "data.n_test_samples=8",
        "trainer.accelerator=cpu",
        "+trainer.fast_dev_run=true",
        "+trainer.enable_progress_bar=false",
        "~callbacks.progress_bar",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    assert "n_targets" not in cfg.model.net.class_args
    assert math.isfinite(train(cfg)["test/loss"])
