"""A run over fixed datasets (data=bed_files), interrupted and resumed, equals the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import one_thread  # noqa: F401 (a fixture)
from selene.samplers import IntervalsSampler
from selene.samplers.bed_file import write_bed_dataset
from selene.sequences import Genome
from selene.train import train
from selene.utils.config import config_dir
from test_train_resume import _STEPS, _STOP, TinyNet, _assert_same_runs, _rows

_N_TRAIN = 44  # 5 batches of 8 per pass (4 rows dropped): 12 steps run through 3 passes


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def bed_data(synthetic, tmp_path_factory) -> Path:
    """``paths.data_dir`` for ``data=bed_files``: windows around the synthetic peaks."""
    root = tmp_path_factory.mktemp("bed_files")
    for name in ("genome.fa", "genome.fa.fai", "distinct_features.txt"):
        (root / name).symlink_to(synthetic.root / name)
    sampler = IntervalsSampler(
        Genome(synthetic.fasta),
        synthetic.features_bed,
        synthetic.features_txt,
        intervals_path=synthetic.intervals_bed,
        validation_holdout=["chr3"],
        test_holdout=["chr4"],
        sequence_length=200,
        center_bin_to_predict=100,
        n_validation_samples=32,
        n_test_samples=32,
        save_datasets=["validate", "test"],
        output_dir=root,
        seed=3,
    )
    sampler.setup()
    with open(root / "train_data.bed", "w") as handle:
        write_bed_dataset(handle, sampler.sample(_N_TRAIN, "train"))
    return root


def _compose(out: Path, data_dir: Path, num_workers: int, *overrides: str) -> DictConfig:
    tiny = [
        f"paths.output_dir={out}",
        "data=bed_files",
        f"paths.data_dir={data_dir}",
        "data.batch_size=8",
        f"data.num_workers={num_workers}",
        f"model.net._target_={TinyNet.__module__}.TinyNet",
        "model.min_positives=1",
        "trainer.accelerator=cpu",
        "trainer.log_every_n_steps=1",
        "trainer.val_check_interval=4",
        "+trainer.enable_progress_bar=false",
        "+trainer.enable_model_summary=false",
        "~callbacks.progress_bar",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=[*tiny, *overrides])


# 0 workers: one stream reads the (single) block; 2 workers: both walk one order, taking turns
@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_resumed_file_run_equals_the_uninterrupted_run(bed_data, tmp_path, num_workers):
    whole, cut, resumed = tmp_path / "whole", tmp_path / "cut", tmp_path / "resumed"
    metrics = train(_compose(whole, bed_data, num_workers, f"trainer.max_steps={_STEPS}"))
    train(_compose(cut, bed_data, num_workers, f"trainer.max_steps={_STOP}", "test=false"))
    checkpoint = cut / "checkpoints" / "last.ckpt"
    state = torch.load(checkpoint, weights_only=True)["MultiFileSampler"]
    assert (state["train_epoch"], state["train_batches"]) == (0, _STOP)
    overrides = f"trainer.max_steps={_STEPS}", f"ckpt_path={checkpoint}"
    resumed_metrics = train(_compose(resumed, bed_data, num_workers, *overrides))
    _assert_same_runs(whole, resumed, metrics, resumed_metrics)
    assert min(int(r["step"]) for r in _rows(resumed, 0)) >= _STOP - 1
