"""Nets that return probabilities are never trained or read as logits, in train or predict."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import selene.predict.model
import selene.predict.runner
from _tiny_run import MODEL_FILE, one_thread, quiet_trainer  # noqa: F401 (one_thread: a fixture)
from selene.models import SequenceLitModule, file_model, load_checkpoint
from selene.models.probability import criterion_outputs, ends_in_sigmoid, split_sigmoid
from selene.predict import AnalyzeSequences
from selene.sequences import codes_to_one_hot
from selene.utils.warnings import SeleneWarning

pytestmark = pytest.mark.usefixtures("one_thread")

L, F = 40, 32
NAMES = [f"f{i}" for i in range(F)]


class SigmoidInForward(nn.Module):
    """Returns probabilities through ``torch.sigmoid``: no module says so."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, F, kernel_size=L)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.conv(x).flatten(1))


def _selene_style() -> nn.Module:
    return nn.Sequential(nn.Conv1d(4, F, kernel_size=L), nn.Flatten(), nn.Sigmoid())


def _batches(n: int = 64) -> DataLoader:
    g = torch.Generator().manual_seed(0)
    codes = torch.randint(0, 4, (n, L), generator=g, dtype=torch.uint8)
    targets = (torch.rand(n, F, generator=g) < 0.1).float()
    data = [{"sequence": c, "targets": t} for c, t in TensorDataset(codes, targets)]
    return DataLoader(data, batch_size=32)


def _first_loss(module: SequenceLitModule, tmp_path: Path) -> float:
    losses: list[float] = []

    class Keep(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            losses.append(float(outputs["loss"]))

    trainer = quiet_trainer(tmp_path, 1, [Keep()])
    trainer.fit(module, _batches())
    return losses[0]


def test_one_detection_function_serves_train_and_predict() -> None:
    assert selene.predict.model.ends_in_sigmoid is ends_in_sigmoid
    assert not hasattr(selene.predict.runner, "ends_in_sigmoid")  # no second copy


def test_loss_bce_trains_a_sigmoid_net_on_its_logits(tmp_path) -> None:
    torch.manual_seed(0)
    net = _selene_style()
    x = torch.rand(4, 4, L)
    with torch.no_grad():
        probabilities = net(x)
    module = SequenceLitModule(net, functools.partial(torch.optim.SGD, lr=0.0))
    assert isinstance(module.net[-1], nn.Identity)
    with torch.no_grad():  # forward applies the sigmoid once: the net's own probabilities
        torch.testing.assert_close(module.eval()(x), probabilities, rtol=0, atol=1e-6)
    assert abs(_first_loss(module.train(), tmp_path) - math.log(2)) < 0.1


def test_a_net_with_sigmoid_in_forward_is_warned_about(tmp_path) -> None:
    module = SequenceLitModule(SigmoidInForward(), functools.partial(torch.optim.SGD, lr=0.0))
    with pytest.warns(SeleneWarning, match=r"SigmoidInForward with loss='bce': the net's outputs"):
        _first_loss(module, tmp_path)


def test_predict_warns_of_probabilities_read_as_logits() -> None:
    net = SigmoidInForward()
    with pytest.warns(SeleneWarning, match=r"predicting with SigmoidInForward: .*all lie in"):
        analyzer = AnalyzeSequences(net, sequence_length=L, features=NAMES, show_progress=False)
        analyzer.get_predictions("ACGT" * (L // 4))


def test_predict_reads_a_sigmoid_net_as_probabilities() -> None:
    torch.manual_seed(0)
    net = _selene_style()
    x = "ACGT" * (L // 4)
    with torch.no_grad():
        expected = net(codes_to_one_hot(torch.tensor([[0, 1, 2, 3] * (L // 4)])))
    analyzer = AnalyzeSequences(net, sequence_length=L, features=NAMES, show_progress=False)
    np.testing.assert_allclose(analyzer.get_predictions(x)[0], expected[0].numpy(), atol=1e-6)


def test_splitting_keeps_a_strand_average_of_probabilities() -> None:
    torch.manual_seed(0)
    args = {"sequence_length": 320, "n_targets": 5, "channels": [8, 12, 16]}
    net = file_model(MODEL_FILE, "DeeperDeepSEA", args, non_strand_specific="mean").eval()
    x = torch.rand(3, 4, 320)
    with torch.no_grad():
        before = net(x)
        assert split_sigmoid(net) and net.link == "logit"
        after = torch.sigmoid(net(x))
    torch.testing.assert_close(after, before, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("criterion", "sigmoid_net", "expected"),
    [
        (nn.BCEWithLogitsLoss(), False, ("sigmoid", True)),
        (nn.BCELoss(), True, ("identity", True)),
        (nn.PoissonNLLLoss(), False, ("exp", False)),
        (nn.MSELoss(), False, ("identity", False)),
        (nn.MSELoss(), True, ("identity", True)),
    ],
)
def test_a_files_criterion_says_what_the_outputs_are(criterion, sigmoid_net, expected) -> None:
    net = _selene_style() if sigmoid_net else SigmoidInForward()
    assert criterion_outputs(criterion, net) == expected


def test_a_checkpoint_net_config_that_is_no_module_is_refused(tmp_path) -> None:
    module = SequenceLitModule(
        {"_target_": "torch.nn.Linear", "in_features": 2, "out_features": 2}
    )
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_checkpointing=False)
    trainer.strategy.connect(module)
    trainer.save_checkpoint(tmp_path / "good.ckpt")
    assert isinstance(load_checkpoint(tmp_path / "good.ckpt").net, nn.Linear)
    checkpoint = torch.load(tmp_path / "good.ckpt", weights_only=True)
    marker = tmp_path / "RAN"
    checkpoint["hyper_parameters"]["net"] = {
        "_target_": "builtins.open",
        "file": str(marker),
        "mode": "w",
    }
    torch.save(checkpoint, tmp_path / "crafted.ckpt")
    with pytest.raises(ValueError, match=r"refused to build the net of crafted\.ckpt: .*open"):
        load_checkpoint(tmp_path / "crafted.ckpt")
    assert not marker.exists()
    checkpoint["hyper_parameters"]["net"] = {"_target_": "nowhere.Net"}
    torch.save(checkpoint, tmp_path / "unknown.ckpt")
    with pytest.raises(ValueError, match=r"unknown\.ckpt names the net 'nowhere\.Net', which"):
        load_checkpoint(tmp_path / "unknown.ckpt")


class SigmoidGate(nn.Module):
    """Its last registered module is a sigmoid, used as a gate inside, not as the output."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, F, kernel_size=L)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x).flatten(1)
        return h * self.gate(h) - 0.5


def test_a_sigmoid_that_is_not_the_output_layer_is_refused(tmp_path) -> None:
    module = SequenceLitModule(SigmoidGate(), functools.partial(torch.optim.SGD, lr=0.0))
    with pytest.raises(ValueError, match=r"SigmoidGate's last registered module is an nn\.Sig"):
        _first_loss(module, tmp_path)
