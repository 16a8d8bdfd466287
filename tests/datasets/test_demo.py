"""The demo's DataModule makes its data in ``prepare_data``, never while a config resolves."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from selene.datasets.demo import DEMO_FEATURES, DemoSampler
from selene.datasets.synthetic import make_synthetic
from selene.utils.config import config_dir

SMALL = {"n_validation_samples": 32, "n_test_samples": 32, "batch_size": 8}


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("config", ["train", "evaluate", "predict"])
def test_composing_and_resolving_the_demo_writes_nothing(tmp_path, config) -> None:
    data_dir = tmp_path / "data"
    overrides = [f"paths.data_dir={data_dir}", f"paths.output_dir={tmp_path / 'out'}"]
    overrides += ["ckpt_path=x.ckpt"] if config == "evaluate" else []
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config, overrides=overrides)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    if config != "predict":
        assert resolved["data"]["data_dir"] == str(data_dir / "demo")
        datamodule = instantiate(cfg.data)
        assert datamodule.features == DEMO_FEATURES and datamodule.sequence_length == 300
        assert datamodule.modes == ["train", "validate", "test"] and datamodule.batch_size == 64
    else:
        assert resolved["analysis"]["input_path"] == str(data_dir / "demo" / "query.fa")
    assert not data_dir.exists()


def test_prepare_data_makes_the_data_once(tmp_path) -> None:
    demo = DemoSampler(tmp_path / "demo", **SMALL)
    assert not (tmp_path / "demo").exists()
    demo.prepare_data()
    made = _files(tmp_path / "demo")
    assert {"genome.fa", "features.bed.gz", "intervals.bed", "query.fa"} <= set(made)
    demo.prepare_data()
    assert _files(tmp_path / "demo") == made  # same files, none rewritten
    demo.setup("fit")
    batch = demo.on_after_batch_transfer(next(iter(demo.val_dataloader())), 0)
    assert batch["sequence"].shape == (8, 4, 300) and batch["sequence"].dtype == torch.float32
    assert batch["targets"].shape == (8, len(DEMO_FEATURES))
    assert demo.sampler is not None and demo.sampler.features == DEMO_FEATURES


def test_setup_before_prepare_data_says_what_to_do(tmp_path) -> None:
    demo = DemoSampler(tmp_path / "demo", **SMALL)
    with pytest.raises(RuntimeError, match=r"DemoSampler.val_dataloader before setup"):
        demo.val_dataloader()
    with pytest.raises(FileNotFoundError, match=r"holds no complete synthetic dataset"):
        demo.setup("fit")


def test_another_synthetic_dataset_is_refused(tmp_path) -> None:
    make_synthetic(tmp_path / "demo", n_chroms=2, chrom_length=20_000, n_features=3)
    with pytest.raises(ValueError, match=r"of 3 features, not the demo's 20: call prepare_data"):
        DemoSampler(tmp_path / "demo", **SMALL).setup("fit")


def test_bad_arguments_are_refused_at_construction(tmp_path) -> None:
    with pytest.raises(TypeError, match=r"DemoSampler got \['intervals_path'\]"):
        DemoSampler(tmp_path, intervals_path="x.bed")
    with pytest.raises(TypeError, match=r"batch_size must be int"):
        DemoSampler(tmp_path, batch_size="64")
    assert not any(tmp_path.iterdir())


def test_the_stream_position_reaches_the_sampler_opened_later(tmp_path) -> None:
    demo = DemoSampler(tmp_path / "demo", seed=3, **SMALL)
    assert demo.state_dict() == {}  # nothing drawn yet
    demo.load_state_dict({"train_epoch": 0, "train_batches": 6, "seed": 3})
    demo.prepare_data()
    demo.setup("fit")
    assert demo.sampler is not None and demo.sampler._resume_at == (0, 6)
