"""Training with a Selene model file honours its criterion() and get_optimizer(lr), as Selene.

The fixture ends in ``nn.Sigmoid``: trained on its probabilities with its ``BCELoss``, or with
the sigmoid split off under ``loss="bce"``, the first loss of the untrained net is near ln 2
(a sigmoid applied twice gives ~0.95 on sparse targets); checkpoints rebuild the net.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_dir
from torch import nn
from torch.utils.data import DataLoader, Dataset

from _tiny_run import MODEL_FILE, one_thread, quiet_trainer, tiny_overrides  # noqa: F401
from _tolerances import PROB
from selene.models import SequenceLitModule, file_model, load_checkpoint
from selene.predict import AnalyzeSequences
from selene.train import train
from selene.utils.config import config_dir
from selene.utils.warnings import SeleneWarning

pytestmark = pytest.mark.usefixtures("one_thread")

L, F = 320, 20
NET = {
    "_target_": "selene.models.file_model",
    "path": str(MODEL_FILE),
    "class_name": "DeeperDeepSEA",
    "class_args": {"sequence_length": L, "n_targets": F, "channels": [8, 12, 16]},
}
FILE_OPTIMIZER = {
    "_target_": "selene.models.file_optimizer",
    "_partial_": True,
    "path": str(MODEL_FILE),
    "lr": 0.03,
}


class SparseData(Dataset):
    """Random sequences; each feature is positive in about 10% of them (as peaks are)."""

    def __init__(self, n: int = 64, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.codes = torch.randint(0, 4, (n, L), generator=g, dtype=torch.uint8)
        self.targets = (torch.rand(n, F, generator=g) < 0.1).float()

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"sequence": self.codes[i], "targets": self.targets[i]}


class FirstLoss(pl.Callback):
    """Keep the loss of each training step."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        self.losses.append(float(outputs["loss"]))


def _fit(module: SequenceLitModule, tmp_path: Path, steps: int = 2) -> tuple[pl.Trainer, list]:
    pl.seed_everything(0)
    losses = FirstLoss()
    trainer = quiet_trainer(tmp_path, steps, [losses])
    trainer.fit(module, DataLoader(SparseData(), batch_size=32))
    return trainer, losses.losses


def test_training_honours_the_files_criterion_and_optimizer(tmp_path) -> None:
    torch.manual_seed(0)
    module = SequenceLitModule(
        NET, FILE_OPTIMIZER, loss="file", features=[f"f{i}" for i in range(F)]
    )
    trainer, losses = _fit(module, tmp_path)
    assert type(module.criterion) is nn.BCELoss
    optimizer = trainer.optimizers[0]
    assert type(optimizer) is torch.optim.SGD
    group = optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"], group["momentum"]) == (0.03, 1e-6, 0.9)
    # BCELoss on the net's own probabilities: the sigmoid stays, and is not applied again
    assert isinstance(list(module.net.modules())[-1], nn.Sigmoid)
    assert module.output_activation == "identity"
    assert abs(losses[0] - math.log(2)) < 0.12, losses


def test_loss_bce_splits_the_sigmoid_off_and_warns_of_the_files_parts(tmp_path, caplog) -> None:
    torch.manual_seed(0)
    optimizer = {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.03}
    with caplog.at_level("INFO", logger="selene.models"):
        module = SequenceLitModule(NET, optimizer, loss="bce")
    assert "DeeperDeepSEA ends in nn.Sigmoid: split off for loss='bce'" in caplog.text
    assert isinstance(list(module.net.modules())[-1], nn.Identity)
    with pytest.warns(SeleneWarning) as record:
        _, losses = _fit(module, tmp_path)
    messages = " | ".join(str(w.message) for w in record)
    assert "defines criterion(), which the Selene SDK trains with, but model.loss='bce'" in (
        messages
    )
    assert "defines get_optimizer(lr), which the Selene SDK trains with" in messages
    assert abs(losses[0] - math.log(2)) < 0.12, losses  # logits, not probabilities as logits


@pytest.mark.parametrize("loss", ["file", "bce"])
def test_a_checkpoint_round_trip_predicts_the_same_probabilities(tmp_path, loss) -> None:
    torch.manual_seed(0)
    module = SequenceLitModule(
        NET, FILE_OPTIMIZER, loss=loss, features=[f"f{i}" for i in range(F)]
    )
    trainer, _ = _fit(module, tmp_path)
    path = tmp_path / "model.ckpt"
    trainer.save_checkpoint(path)
    x = SparseData(8, seed=1).codes
    with torch.no_grad():
        expected = module.eval()(x).numpy()
    assert ((expected > 0) & (expected < 1)).all()

    loaded = load_checkpoint(path)
    assert loaded.hparams["net"]["path"] == str(MODEL_FILE)
    assert loaded.output_activation == ("identity" if loss == "file" else "sigmoid")
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), expected, **PROB)
    analyzer = AnalyzeSequences(None, path, sequence_length=L, show_progress=False)
    sequence = "".join("ACGT"[i] for i in x[0].tolist())
    np.testing.assert_allclose(analyzer.get_predictions(sequence)[0], expected[0], **PROB)


def test_a_checkpoint_names_a_model_file_that_is_gone(tmp_path) -> None:
    source = tmp_path / "moved.py"
    source.write_bytes(MODEL_FILE.read_bytes())
    net = {**NET, "path": str(source)}
    module = SequenceLitModule(net, FILE_OPTIMIZER, loss="file")
    trainer, _ = _fit(module, tmp_path, steps=1)
    trainer.save_checkpoint(tmp_path / "model.ckpt")
    source.write_text(source.read_text() + "\n# edited\n")
    with pytest.warns(SeleneWarning, match=r"moved\.py changed since the net was trained"):
        load_checkpoint(tmp_path / "model.ckpt")
    with pytest.raises(
        ValueError,
        match=r"holds DeeperDeepSEA\(sequence_length=320, n_targets"
        r"=20, channels=\[8, 12, 16\]\) of the model file .*moved\.py, which do",
    ):
        other = {**NET["class_args"], "n_targets": 3}
        load_checkpoint(tmp_path / "model.ckpt", net=file_model(source, "DeeperDeepSEA", other))
    source.unlink()
    with pytest.raises(FileNotFoundError, match=r"model\.ckpt holds a net built from the model "):
        load_checkpoint(tmp_path / "model.ckpt")


def test_selene_train_with_model_file_logs_what_it_took(synthetic, tmp_path, caplog) -> None:
    overrides = [
        f"paths.output_dir={tmp_path}",
        *tiny_overrides(synthetic.root),
        "data.sequence_length=320",
        "model=file",
        f"model.net.path={MODEL_FILE}",
        "model.net.class_name=DeeperDeepSEA",
        "+model.net.class_args.channels=[8,12,16]",
        "trainer.max_steps=2",
        "test=false",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with caplog.at_level("INFO", logger="selene.models"):
        train(cfg)
    for line in (
        "built DeeperDeepSEA(sequence_length=320, n_targets=8, channels=[8, 12, 16])",
        "loss BCELoss() (its criterion())",
        "optimizer SGD(lr=0.01, weight_decay=1e-06, momentum=0.9) (its get_optimizer(lr=0.01))",
    ):
        assert f"model file {MODEL_FILE}: {line}" in caplog.text
    checkpoint = load_checkpoint(tmp_path / "checkpoints" / "last.ckpt")
    assert type(checkpoint.criterion) is nn.BCELoss and checkpoint.output_activation == "identity"


def test_a_strand_averaged_file_net_trains_with_the_sigmoid_split_off(tmp_path) -> None:
    torch.manual_seed(0)
    net = {**NET, "non_strand_specific": "mean"}
    optimizer = {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.03}
    module = SequenceLitModule(net, optimizer, loss="bce")
    assert module.net.link == "logit"  # probabilities averaged from the logits
    with pytest.warns(SeleneWarning, match="defines criterion()"):
        _, losses = _fit(module, tmp_path)
    assert abs(losses[0] - math.log(2)) < 0.12, losses
