from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import nn
from torch.utils.data import DataLoader, Dataset

from selene.models.lit_module import SequenceLitModule
from selene.models.load import load_checkpoint
from selene.utils.warnings import SeleneWarning

L, F = 24, 3


class TinyNet(nn.Module):
    """One convolution and a max over positions: enough to find a base at a position."""

    def __init__(self, sequence_length: int = L, n_targets: int = F) -> None:
        super().__init__()
        self.sequence_length, self.n_targets = sequence_length, n_targets
        self.conv = nn.Conv1d(4, n_targets, kernel_size=sequence_length)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).amax(-1)


class OpaqueNet(TinyNet):
    def __init__(self, layer: nn.Module) -> None:  # no attribute records `layer`
        super().__init__()


class ToyData(Dataset):
    """Feature f is positive where base f sits at position 5 + f."""

    def __init__(self, n: int, seed: int, quantitative: bool = False) -> None:
        g = torch.Generator().manual_seed(seed)
        self.codes = torch.randint(0, 4, (n, L), generator=g, dtype=torch.uint8)
        targets = torch.stack([self.codes[:, 5 + f] == f for f in range(F)], 1).float()
        self.targets = targets * 3 if quantitative else targets

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"sequence": self.codes[i], "targets": self.targets[i]}


def _module(**kwargs) -> SequenceLitModule:
    kwargs.setdefault("optimizer", functools.partial(torch.optim.Adam, lr=0.05))
    return SequenceLitModule(
        {"_target_": f"{__name__}.TinyNet"}, features=["a", "b", "c"], **kwargs
    )


def _trainer(tmp_path, **kwargs) -> pl.Trainer:
    defaults = {
        "max_steps": 60,
        "val_check_interval": 30,
        "accelerator": "cpu",
        "default_root_dir": tmp_path,
        "logger": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "enable_checkpointing": False,
    }
    return pl.Trainer(**(defaults | kwargs))


def _loader(n: int, seed: int, **kwargs) -> DataLoader:
    return DataLoader(ToyData(n, seed, **kwargs), batch_size=32)


def test_fit_test_and_per_feature_scores_equal_sklearn(tmp_path) -> None:
    pl.seed_everything(0)
    module = _module(min_positives=5)
    trainer = _trainer(tmp_path)
    trainer.fit(module, _loader(1920, 0), _loader(256, 1))
    assert not math.isnan(trainer.callback_metrics["val/auroc"])
    (logged,) = trainer.test(module, _loader(512, 2), verbose=False)
    assert logged["test/auroc"] > 0.9
    result = module.test_results
    assert result.features == ["a", "b", "c"]
    preds = torch.cat(trainer.predict(module, _loader(512, 2)))
    assert preds.min() >= 0 and preds.max() <= 1
    targets = ToyData(512, 2).targets
    # test and predict run the same batches through the same kernels: the same probabilities.
    # What is left is torchmetrics' float32 area (cascade sums of <= 512 terms, ~5e-7) against
    # sklearn's float64.
    for i in range(F):
        assert result.scores["auroc"][i] == pytest.approx(
            roc_auc_score(targets[:, i], preds[:, i]), abs=1e-5
        )
        assert result.scores["auprc"][i] == pytest.approx(
            average_precision_score(targets[:, i], preds[:, i]), abs=1e-5
        )
    assert result.scores["n_positives"].tolist() == targets.sum(0).long().tolist()
    assert logged["test/auroc"] == pytest.approx(np.mean(result.scores["auroc"].numpy()), abs=1e-6)
    assert len(result.curves.roc) == F


def test_checkpoint_alone_rebuilds_the_module(tmp_path) -> None:
    module = _module(
        lr_scheduler={
            "_target_": "torch.optim.lr_scheduler.StepLR",
            "_partial_": True,
            "step_size": 10,
        }
    )
    trainer = _trainer(tmp_path, max_steps=2, limit_val_batches=0)
    trainer.fit(module, _loader(64, 0))
    trainer.save_checkpoint(tmp_path / "m.ckpt")
    loaded = load_checkpoint(tmp_path / "m.ckpt")
    assert loaded.features == ["a", "b", "c"]
    assert isinstance(loaded.net, TinyNet) and not loaded.training
    assert loaded.hparams["lr_scheduler"]["step_size"] == 10
    x = ToyData(8, 3).codes
    module.eval()
    # The same weights and batch through the same kernels: bitwise equal.
    torch.testing.assert_close(loaded(x), module(x), rtol=0.0, atol=0.0)
    one_hot = nn.functional.one_hot(x.long(), 4).permute(0, 2, 1).float()
    torch.testing.assert_close(loaded(one_hot), loaded(x), rtol=0.0, atol=0.0)


def test_net_config_recovered_from_a_module_when_possible(tmp_path) -> None:
    module = SequenceLitModule(TinyNet(sequence_length=L, n_targets=F))
    assert module.hparams["net"] == {
        "_target_": f"{__name__}.TinyNet",
        "sequence_length": L,
        "n_targets": F,
    }
    opaque = SequenceLitModule(OpaqueNet(nn.Identity()), optimizer=torch.optim.SGD)
    assert opaque.hparams["net"] is None and opaque.hparams["optimizer"] is None
    trainer = _trainer(tmp_path, max_steps=1, limit_val_batches=0)
    with pytest.warns(SeleneWarning, match="does not record how to build OpaqueNet"):
        trainer.fit(opaque, _loader(32, 0))
        trainer.save_checkpoint(tmp_path / "o.ckpt")
    with pytest.raises(ValueError, match="does not record its architecture: pass net="):
        load_checkpoint(tmp_path / "o.ckpt")
    assert isinstance(load_checkpoint(tmp_path / "o.ckpt", net=TinyNet()).net, TinyNet)


def test_load_checkpoint_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.ckpt")
    torch.save({"state_dict": {}}, tmp_path / "w.pth.tar")
    with pytest.raises(ValueError, match="not a selene checkpoint"):
        load_checkpoint(tmp_path / "w.pth.tar")


def test_feature_count_mismatch_names_both_numbers(tmp_path) -> None:
    module = SequenceLitModule(TinyNet(n_targets=5), optimizer=torch.optim.SGD)
    with pytest.raises(ValueError, match=r"predicts \(5,\) .* data has \(3,\) targets"):
        _trainer(tmp_path, max_steps=1, limit_val_batches=0).fit(module, _loader(32, 0))


@pytest.mark.parametrize("loss", ["mse", "poisson"])
def test_quantitative_losses_log_regression_scores(tmp_path, loss) -> None:
    pl.seed_everything(0)
    module = _module(loss=loss, optimizer=functools.partial(torch.optim.Adam, lr=0.02))
    trainer = _trainer(tmp_path, max_steps=60, limit_val_batches=0)
    trainer.fit(module, _loader(1920, 0, quantitative=True))
    (logged,) = trainer.test(module, _loader(256, 1, quantitative=True), verbose=False)
    assert set(logged) == {"test/loss", "test/pearson", "test/spearman", "test/mse"}
    assert logged["test/pearson"] > 0.5
    assert set(module.test_results.scores) == {"pearson", "spearman", "mse"}
    assert module.test_results.curves is None
    if loss == "poisson":
        assert module(ToyData(4, 0).codes).min() > 0


def test_argument_errors(tmp_path) -> None:
    with pytest.raises(ValueError, match="loss must be one of"):
        _module(loss="hinge")
    module = SequenceLitModule(TinyNet())
    with pytest.raises(ValueError, match="no optimizer to train with"):
        module.configure_optimizers()
