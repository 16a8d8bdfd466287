"""Train metrics per stage: ``train/auroc`` over the training batches since the last report."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from test_lit_module import ToyData, _trainer
from torch.utils.data import DataLoader

from selene.models.lit_module import SequenceLitModule

N, BATCH = 128, 32  # four training batches an epoch


class Reports(pl.Callback):
    """The train scores in ``callback_metrics`` after each validation."""

    def __init__(self) -> None:
        self.seen: list[dict[str, float]] = []

    def on_validation_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            metrics = trainer.callback_metrics
            self.seen.append({k: float(v) for k, v in metrics.items() if k.startswith("train/")})


def _frozen(**kwargs) -> SequenceLitModule:
    """Weights that never change (lr 0): the training predictions are the model's outputs."""
    torch.manual_seed(0)
    return SequenceLitModule(
        {"_target_": "test_lit_module.TinyNet"},
        optimizer=functools.partial(torch.optim.SGD, lr=0.0),
        features=["a", "b", "c"],
        min_positives=1,
        **kwargs,
    )


def _expected(module: SequenceLitModule, data: ToyData, rows: slice) -> dict[str, float]:
    with torch.no_grad():
        preds = module(data.codes[rows]).numpy()
    target = data.targets[rows].numpy()
    return {
        "train/auroc": np.mean([roc_auc_score(target[:, f], preds[:, f]) for f in range(3)]),
        "train/auprc": np.mean(
            [average_precision_score(target[:, f], preds[:, f]) for f in range(3)]
        ),
    }


def test_each_validation_reports_the_batches_since_the_last(tmp_path) -> None:
    module, data, reports = _frozen(), ToyData(N, 0), Reports()
    trainer = _trainer(tmp_path, max_steps=4, val_check_interval=2, callbacks=[reports])
    trainer.fit(module, DataLoader(data, batch_size=BATCH), DataLoader(ToyData(64, 1), BATCH))
    assert len(reports.seen) == 2  # steps 2 and 4 (the sanity check reports nothing)
    for seen, rows in zip(reports.seen, [slice(0, 64), slice(64, 128)], strict=True):
        expected = _expected(module, data, rows)
        assert seen.keys() >= expected.keys()
        for name, value in expected.items():
            assert seen[name] == pytest.approx(value, abs=1e-6), name
    assert module.metrics["train_metrics"].update_count == 0  # reported, then reset


def test_without_validation_the_epoch_end_reports(tmp_path) -> None:
    module, data = _frozen(), ToyData(N, 0)
    trainer = _trainer(tmp_path, max_steps=-1, max_epochs=1, limit_val_batches=0)
    trainer.fit(module, DataLoader(data, batch_size=BATCH))
    expected = _expected(module, data, slice(0, N))
    assert float(trainer.callback_metrics["train/auroc"]) == pytest.approx(
        expected["train/auroc"], abs=1e-6
    )


def test_train_metrics_can_be_turned_off(tmp_path) -> None:
    module = _frozen(train_metrics=False)
    trainer = _trainer(tmp_path, max_steps=4, val_check_interval=2)
    trainer.fit(module, DataLoader(ToyData(N, 0), BATCH), DataLoader(ToyData(64, 1), BATCH))
    assert "train_metrics" not in module.metrics and "val_metrics" in module.metrics
    assert not any(k.startswith("train/au") for k in trainer.callback_metrics)
    assert "train/loss" in trainer.callback_metrics
    assert module.hparams["train_metrics"] is False


@pytest.mark.parametrize("loss", ["mse", "poisson"])
def test_quantitative_losses_report_train_correlations(tmp_path, loss) -> None:
    torch.manual_seed(0)
    module = SequenceLitModule(
        {"_target_": "test_lit_module.TinyNet"},
        optimizer=functools.partial(torch.optim.Adam, lr=0.01),
        loss=loss,
    )
    trainer = _trainer(tmp_path, max_steps=4, val_check_interval=2)
    data = ToyData(N, 0, quantitative=True)
    trainer.fit(module, DataLoader(data, BATCH), DataLoader(ToyData(64, 1, quantitative=True), 32))
    for name in ("train/pearson", "train/spearman", "train/mse"):
        assert torch.isfinite(trainer.callback_metrics[name]), name


def test_a_checkpoint_between_reports_keeps_the_unreported_batches(tmp_path) -> None:
    saved: list[dict] = []

    class Save(pl.Callback):  # what a checkpoint holds after each training step
        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
            saved.append({})
            module.on_save_checkpoint(saved[-1])

    module = _frozen()
    trainer = _trainer(tmp_path, max_steps=3, val_check_interval=2, callbacks=[Save()])
    trainer.fit(module, DataLoader(ToyData(N, 0), BATCH), DataLoader(ToyData(64, 1), BATCH))
    assert [len(c["train_scores"][0]) for c in saved] == [BATCH, 2 * BATCH, BATCH]
    preds, targets = saved[-1]["train_scores"]  # step 3: after the report at step 2
    assert preds.shape == targets.shape == (BATCH, 3)
    fresh = _frozen()
    fresh._stage_metrics("train", 3).restore(preds, targets)  # what on_train_start does
    assert fresh.metrics["train_metrics"].update_count == 1
    assert torch.equal(fresh.metrics["train_metrics"].pending()[0], preds)
    checkpoint: dict = {}
    module.on_save_checkpoint(checkpoint)  # the run's end reported the last batch
    assert "train_scores" not in checkpoint
