"""``mode``, ``save_datasets`` and ``output_dir`` are keys of the online samplers' configs."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException, InstantiationException
from hydra.utils import instantiate

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.samplers import OnlineSampler
from selene.train import train
from selene.utils.config import config_dir

_KEYS = ("mode", "save_datasets", "output_dir")


def _compose(*overrides: str):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=list(overrides))


@pytest.mark.parametrize("option", ["demo", "random_positions", "intervals", "tracks_demo"])
def test_the_keys_default_to_the_sampler_and_the_run_dir(option, tmp_path) -> None:
    cfg = _compose(f"data={option}", f"paths.output_dir={tmp_path}")
    defaults = inspect.signature(OnlineSampler.__init__).parameters
    assert cfg.data.mode == defaults["mode"].default
    assert list(cfg.data.save_datasets) == list(defaults["save_datasets"].default)
    assert cfg.data.output_dir == str(tmp_path)  # the run directory, as Selene's output_dir


@pytest.mark.usefixtures("one_thread")
def test_save_datasets_needs_no_plus_and_writes_beds(synthetic, tmp_path: Path) -> None:
    cfg = _compose(
        f"paths.output_dir={tmp_path}",
        *tiny_overrides(synthetic.root, n_samples=(8, 8)),
        "trainer.max_steps=1",
        "trainer.val_check_interval=1",
        "test=false",
        "data.save_datasets=[train,validate]",
    )
    train(cfg)
    for mode in ("train", "validate"):
        lines = (tmp_path / f"{mode}_data.bed").read_text().splitlines()
        assert lines and all(len(line.split("\t")) == 5 for line in lines), mode
    assert len((tmp_path / "validate_data.bed").read_text().splitlines()) == 8
    assert not (tmp_path / "test_data.bed").exists()


def test_mode_is_checked_by_the_sampler(synthetic, tmp_path) -> None:
    tiny = tiny_overrides(synthetic.root)
    cfg = _compose(*tiny, "data.mode=valid", f"paths.output_dir={tmp_path}")
    with pytest.raises(InstantiationException, match=r"mode must be one of \['train', 'valid"):
        instantiate(cfg.data)
    with pytest.raises(ConfigCompositionException, match="Could not append to config"):
        _compose(*tiny, "+data.mode=train")  # a key already: no +
