"""n_validation_samples / n_test_samples: None is the Selene SDK's default, 0 is no set."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

from selene.train import train
from selene.utils.config import config_dir
from selene.utils.warnings import SeleneWarning


def test_zero_means_no_set(make_sampler):
    with pytest.warns(SeleneWarning, match="n_validation_samples=0: training runs without val"):
        sampler = make_sampler(n_validation_samples=0, n_test_samples=0)
    assert sampler.n_samples == {"validate": 0, "test": 0}
    sampler.setup("fit")
    assert len(sampler.fixed_set("validate")) == 0
    assert len(sampler.val_dataloader()) == len(sampler.test_dataloader()) == 0
    default = make_sampler(n_validation_samples=None, n_test_samples=None)
    assert default.n_samples == {"validate": 32000, "test": 640000}


def test_sizes_must_not_be_negative(make_sampler):
    with pytest.raises(ValueError, match=r"n_test_samples must be a whole number >= 0 \(0: no "
                       r"such set; null: the Selene SDK's default, 640000\); got -1"):  # fmt: skip
        make_sampler(n_test_samples=-1)


def test_train_runs_without_validation(synthetic, tmp_path):
    """``python -m selene.train data.n_validation_samples=0`` trains, then tests."""
    overrides = [
        f"paths.output_dir={tmp_path}",
        f"paths.data_dir={synthetic.root}",
        "data=intervals",
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.sequence_length=200",
        "data.center_bin_to_predict=100",
        "data.n_validation_samples=0",
        "data.n_test_samples=32",
        "data.batch_size=16",
        "trainer.accelerator=cpu",
        "trainer.max_steps=2",
        "trainer.val_check_interval=1",
        "+trainer.limit_val_batches=1",  # were 0 taken for a default, val/* would show
        "+trainer.enable_progress_bar=false",
        "+trainer.enable_model_summary=false",
        "~callbacks.progress_bar",
        "+callbacks.last_checkpoint.every_n_train_steps=1",
        "model.min_positives=1",
        "test=false",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with pytest.warns(SeleneWarning, match="every_n_train_steps=N to keep the weights"):
        metrics = train(cfg)
    assert not [key for key in metrics if key.startswith("val/")]
    assert "train/loss" in metrics
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
