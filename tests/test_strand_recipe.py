"""The guide's strand-averaging recipe: ``model.net.non_strand_specific=mean`` wraps the net."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from _tiny_run import one_thread, tiny_overrides  # noqa: F401 (one_thread: a fixture)
from selene.models import NonStrandSpecific, load_checkpoint
from selene.predict import AnalyzeSequences
from selene.train import train
from selene.utils.config import config_dir, fit_net_to_data

GUIDE = Path(__file__).parents[1] / "docs" / "guide.md"
RECIPE = "python -m selene.train model.net.non_strand_specific=mean"


def _compose(*overrides: str):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("train", overrides=list(overrides))


def _reverse_complement(x: torch.Tensor) -> torch.Tensor:
    return x.flip(1, 2)  # ACGT one-hot: reversing the alphabet axis complements


def test_the_guide_gives_the_recipe_as_tested_here() -> None:
    assert RECIPE in GUIDE.read_text()


@pytest.mark.parametrize("option", ["deepsea", "danq", "basset"])
def test_the_key_wraps_the_net_and_predicts_the_same_on_both_strands(option) -> None:
    overrides = shlex.split(RECIPE)[3:]
    cfg = _compose(f"model={option}", *overrides)
    fit_net_to_data(cfg.model.net, 3, 1000, loss=cfg.model.loss)
    assert cfg.model.net._target_ == "selene.models.NonStrandSpecific"
    assert cfg.model.net.mode == "mean" and cfg.model.net.model.n_targets == 3
    module = instantiate(cfg.model, features=["a", "b", "c"]).eval()
    assert isinstance(module.net, NonStrandSpecific) and module.net.sequence_length == 1000
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 1000)), 4).float().transpose(1, 2)
    with torch.no_grad():
        torch.testing.assert_close(module(x), module(_reverse_complement(x)))


def test_null_is_one_strand_and_bad_values_are_refused() -> None:
    cfg = _compose("model=deepsea")
    fit_net_to_data(cfg.model.net, 3, 1000, loss="bce")
    assert cfg.model.net._target_ == "selene.models.DeepSEA"
    assert "non_strand_specific" not in cfg.model.net
    cfg = _compose("model=deepsea", "model.net.non_strand_specific=avg")
    with pytest.raises(ValueError, match=r"model.net.non_strand_specific='avg': use mean"):
        fit_net_to_data(cfg.model.net, 3, 1000, loss="bce")
    cfg = _compose("model=deepsea", "model.net.non_strand_specific=max", "model.loss=mse")
    with pytest.raises(ValueError, match=r"binary features, but model.loss=mse"):
        fit_net_to_data(cfg.model.net, 3, 1000, loss="mse")


@pytest.mark.usefixtures("one_thread")
def test_a_strand_averaged_run_trains_evaluates_and_predicts(synthetic, tmp_path) -> None:
    cfg = _compose(
        f"paths.output_dir={tmp_path}",
        *tiny_overrides(synthetic.root),
        *shlex.split(RECIPE)[3:],
        "trainer.max_steps=2",
        "trainer.val_check_interval=2",
        "model.min_positives=1",
    )
    train(cfg)
    module = load_checkpoint(tmp_path / "checkpoints" / "last.ckpt").eval()
    assert isinstance(module.net, NonStrandSpecific)
    analyzer = AnalyzeSequences(
        trained_model_path=tmp_path / "checkpoints" / "last.ckpt", show_progress=False
    )
    assert analyzer.sequence_length == 200  # read through the wrapper
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 200)), 4).float().transpose(1, 2)
    with torch.no_grad():
        torch.testing.assert_close(module(x), module(_reverse_complement(x)))
