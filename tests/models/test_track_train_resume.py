"""Track train scores survive a checkpoint saved between two reports (``train/pearson``)."""

from __future__ import annotations

import functools

import pytest
import pytorch_lightning as pl
import torch
from test_train_metrics import Reports
from torch.utils.data import DataLoader, IterableDataset

from selene.models import SequenceLitModule
from selene.models._track_state import merge_states
from selene.models.track_metrics import TrackMetrics

L, T, BIN, BATCH = 64, 2, 8, 4
STEPS, EVERY, SAVE = 8, 4, 6  # reports at steps 4 and 8; the checkpoint of step 6 is between
NET = {"_target_": "selene.models.TrackCNN", "sequence_length": L, "n_tracks": T}
NET |= {"bin_size": BIN, "channels": 8, "n_dilated": 1}
SCORES = ("pearson", "spearman", "mse", "pearson_windows", "spearman_windows", "mse_windows")
# the same batches scored in the same order: the moments are equal up to float64 rounding of
# the weights' float32 outputs (the resumed run's weights are the checkpoint's, bit for bit)
CLOSE = {"rel": 1e-6, "abs": 1e-6}


def _batch(step: int) -> dict[str, torch.Tensor]:
    """Training batch ``step`` (0-based): random codes and Poisson counts with a window level."""
    g = torch.Generator().manual_seed(1000 + step)
    codes = torch.randint(0, 4, (BATCH, L), generator=g, dtype=torch.uint8)
    rate = torch.rand(BATCH, 1, 1, generator=g) * 4 * torch.rand(BATCH, T, L // BIN, generator=g)
    return {"sequence": codes, "targets": torch.poisson(rate, generator=g)}


class Stream(IterableDataset):
    """Endless training batches, from the step the run starts at (a resumed run: the saved one)."""

    def __init__(self, start: int) -> None:
        self.start = start

    def __iter__(self):
        step = self.start
        while True:
            yield _batch(step)
            step += 1


class Data(pl.LightningDataModule):
    def train_dataloader(self) -> DataLoader:
        return DataLoader(Stream(self.trainer.global_step), batch_size=None)

    def val_dataloader(self) -> DataLoader:
        return DataLoader([_batch(-1)], batch_size=None)


def _fit(tmp_path, name: str, ckpt_path=None, callbacks=()) -> Reports:
    torch.manual_seed(0)
    module = SequenceLitModule(NET, functools.partial(torch.optim.SGD, lr=0.01), loss="poisson")
    reports = Reports()
    trainer = pl.Trainer(
        accelerator="cpu",
        default_root_dir=tmp_path / name,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=bool(callbacks),
        max_steps=STEPS,
        val_check_interval=EVERY,
        check_val_every_n_epoch=None,
        num_sanity_val_steps=0,
        callbacks=[reports, *callbacks],
    )
    trainer.fit(module, datamodule=Data(), ckpt_path=ckpt_path)
    return reports


def test_a_run_resumed_between_reports_logs_the_uninterrupted_train_scores(tmp_path) -> None:
    save = pl.callbacks.ModelCheckpoint(
        dirpath=tmp_path / "steps", filename="step{step}", every_n_train_steps=SAVE, save_top_k=-1
    )
    whole = _fit(tmp_path, "whole", callbacks=[save])
    (checkpoint,) = (tmp_path / "steps").glob("*.ckpt")
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["global_step"] == SAVE
    assert saved["train_scores"]["n_windows"].item() == (SAVE - EVERY) * BATCH  # steps 5, 6
    resumed = _fit(tmp_path, "resumed", ckpt_path=checkpoint)
    assert len(whole.seen) == 2 and len(resumed.seen) == 1  # steps 4, 8; the resumed: step 8
    for name in SCORES:
        assert resumed.seen[0][f"train/{name}"] == pytest.approx(
            whole.seen[1][f"train/{name}"], **CLOSE
        ), name


def _updated(batches: list[int], n_examples: int = 2) -> TrackMetrics:
    metric = TrackMetrics(T, sample_size=16, n_examples=n_examples)
    for step in batches:
        batch = _batch(step)
        metric.update(torch.rand_like(batch["targets"]) + batch["targets"], batch["targets"])
    return metric


def _scores(metric: TrackMetrics) -> dict[str, torch.Tensor]:
    return {k: v.double() for k, v in metric.compute().items()}


def test_a_restored_metric_goes_on_as_the_original() -> None:
    torch.manual_seed(0)
    original = _updated([0, 1])
    fresh = TrackMetrics(T, sample_size=16, n_examples=2)
    fresh.restore(original.pending())
    assert fresh.update_count == original.update_count
    torch.manual_seed(1)  # the same next batches for both
    batch = _batch(2)
    for metric in (original, fresh):
        metric.update(batch["targets"] * 2, batch["targets"])
    expected, got = _scores(original), _scores(fresh)
    for name in SCORES:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-6, atol=1e-6)
    for key in ("sample", "examples"):  # the same sampled rows: the key streams went on
        for a, b in zip(fresh.last_plot_data[key], original.last_plot_data[key], strict=True):
            assert torch.equal(a, b), key


def test_merged_process_states_score_as_one_process() -> None:
    """What ``pending`` does under DDP: two halves merged equal one metric over all."""
    torch.manual_seed(0)
    whole = _updated([0, 1, 2, 3], n_examples=0)
    torch.manual_seed(0)
    first = _updated([0, 1], n_examples=0)
    second = _updated([2, 3], n_examples=0)  # its own key streams, as another process
    merged = merge_states([first.pending(), second.pending()], 16, 0)
    fresh = TrackMetrics(T, sample_size=16, n_examples=0)
    fresh.restore(merged)
    expected, got = _scores(whole), _scores(fresh)
    for name in ("pearson", "mse", "pearson_windows", "mse_windows"):
        torch.testing.assert_close(got[name], expected[name], rtol=1e-9, atol=1e-9)
    assert len(fresh.last_plot_data["totals"][0]) == 16  # pooled windows, cut to sample_size


def test_a_state_of_other_tracks_is_refused() -> None:
    state = _updated([0]).pending()
    with pytest.raises(ValueError, match=r"do not fit TrackMetrics\(3\).*tracks \(2,\)"):
        TrackMetrics(3).restore(state)
