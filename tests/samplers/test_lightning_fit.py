from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch import nn


class _Probe(pl.LightningModule):
    """A linear model that records what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4 * 1000, 8))
        self.seen: dict[str, list] = {"train": [], "val": [], "test": []}

    def _step(self, batch, stage):
        x = batch["sequence"]
        assert x.dtype == torch.float32 and x.shape[1:] == (4, 1000)
        self.seen[stage].append(batch["coords"]["start"].clone())
        return nn.functional.binary_cross_entropy_with_logits(self.net(x), batch["targets"])

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def test_fit_and_test_with_a_trainer(make_sampler, tmp_path):
    sampler = make_sampler(num_workers=1)
    model = _Probe()
    trainer = pl.Trainer(
        max_steps=6,
        val_check_interval=3,
        limit_val_batches=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(model, datamodule=sampler)
    trainer.test(model, datamodule=sampler, verbose=False)
    assert len(model.seen["train"]) == 6
    val = model.seen["val"]
    assert len(val) >= 4 and torch.equal(val[-2], val[0])  # same batches at every validation
    assert sum(len(s) for s in model.seen["test"]) == 100
