"""ChromBPNet: a frozen bias BPNet plus an accessibility BPNet, and its weights' formats."""

from __future__ import annotations

import functools

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from selene.models import BPNet, ChromBPNet, SequenceLitModule, get_architecture
from selene.models._configs import build, config_of
from selene.predict import ops

L = 300  # bias: 2 layers, trims 53 (194 out); accessibility: 3 layers, trims 61 (178 out)


def _parts(outputs: int = 1) -> tuple[BPNet, BPNet]:
    torch.manual_seed(0)
    return BPNet(8, 2, n_outputs=outputs), BPNet(16, 3, n_outputs=outputs)


def _x(n: int = 4, length: int = L) -> torch.Tensor:
    codes = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(1))
    return torch.nn.functional.one_hot(codes, 4).mT.float()


@pytest.mark.parametrize("outputs", [1, 2])
def test_profiles_add_over_the_output_window_and_counts_add(outputs) -> None:
    bias, accessibility = _parts(outputs)
    model = ChromBPNet(bias, accessibility, sequence_length=L).eval()
    x = _x().double()
    model.double()
    with torch.no_grad():
        profile, log_counts = model(x)
        acc_profile, acc_counts = accessibility(x)
        bias_profile, bias_counts = bias(x)
    assert profile.shape == (4, outputs, L - 2 * 61) and log_counts.shape == (4, 1)
    assert model.output_length == L - 2 * 61 and model.trimming == 61
    # the bias model's output starts 8 bases earlier: its bases 8..185 are the window's
    expected = acc_profile + bias_profile[:, :, 8 : 8 + L - 2 * 61]
    torch.testing.assert_close(profile, expected, rtol=0, atol=1e-12)
    total = acc_counts.exp() + bias_counts.exp()
    torch.testing.assert_close(log_counts.exp(), total, rtol=1e-12, atol=0)


def test_the_bias_model_is_frozen_and_the_accessibility_model_trains(tmp_path) -> None:
    bias, accessibility = _parts()
    before = {k: v.clone() for k, v in bias.state_dict().items()}
    module = SequenceLitModule(
        ChromBPNet(bias, accessibility, sequence_length=L),
        functools.partial(torch.optim.Adam, lr=1e-2),
        loss="bpnet",
    )
    targets = torch.poisson(torch.full((8, 1, L - 122), 0.5))
    codes = torch.randint(0, 4, (8, L), dtype=torch.uint8)
    data = [{"sequence": codes[i], "targets": targets[i]} for i in range(8)]
    trainer = pl.Trainer(
        accelerator="cpu", max_steps=2, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )  # fmt: skip
    start = accessibility.iconv.weight.detach().clone()
    trainer.fit(module, DataLoader(data, batch_size=4))
    assert all(torch.equal(before[k], v) for k, v in bias.state_dict().items())
    assert not any(p.requires_grad for p in bias.parameters())
    assert not torch.equal(accessibility.iconv.weight, start)


def test_bpnet_lite_and_chrombpnet_pytorch_weights_load() -> None:
    model = ChromBPNet(*_parts()).eval()
    ours = model.state_dict()
    assert {k.split(".")[0] for k in ours} == {"bias", "accessibility"}  # bpnet-lite's names
    pytorch_style = {  # chrombpnet-pytorch's Lightning module: model.chrombpnet_wo_bias.*
        "model." + k.replace("accessibility.", "chrombpnet_wo_bias."): v for k, v in ours.items()
    }
    x = _x()
    with torch.no_grad():
        want = model(x)
        for weights in (ours, pytorch_style):
            loaded = ChromBPNet.from_state_dict(weights, sequence_length=L).eval()
            assert loaded.bias.n_filters == 8 and loaded.accessibility.n_layers == 3
            got = loaded(x)
            assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True))
    with pytest.raises(ValueError, match=r"no bias model .*accessibility\. or chrombpnet_wo_bias"):
        ChromBPNet.from_state_dict(model.accessibility.state_dict())


def test_config_of_rebuilds_the_model_and_predict_reads_coverage() -> None:
    model = ChromBPNet(*_parts(), sequence_length=L).eval()
    config = config_of(model)
    assert config["bias"]["n_filters"] == 8 and config["sequence_length"] == L
    rebuilt = build(config)
    assert isinstance(rebuilt, ChromBPNet) and rebuilt.accessibility.n_filters == 16
    assert get_architecture("ChromBPNet") is ChromBPNet
    runner = ops.make_runner(model, device="cpu")  # the bare model: BPNet's coverage
    assert runner.activation == "bpnet"
    coverage = ops.predict(runner, ["ACGT" * (L // 4)])
    assert coverage.shape == (1, 1, L - 122) and (coverage >= 0).all()


def test_defaults_are_chrombpnet_sizes() -> None:
    model = ChromBPNet()
    assert (model.bias.n_filters, model.bias.n_layers) == (128, 4)
    assert (model.accessibility.n_filters, model.accessibility.n_layers) == (512, 8)
    assert model.trimming == 557 and model.n_outputs == 1


def test_misfit_parts_are_refused() -> None:
    bias, accessibility = _parts()
    with pytest.raises(TypeError, match="bias must be a selene.models.BPNet, got Linear"):
        ChromBPNet(torch.nn.Linear(2, 2), accessibility)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="predicts 2 tracks and the accessibility model 1"):
        ChromBPNet(BPNet(8, 2, n_outputs=2), accessibility)
    with pytest.raises(ValueError, match="takes 2 control tracks; ChromBPNet reads sequence"):
        ChromBPNet(bias, BPNet(16, 3, n_outputs=1, n_control_tracks=2))
    with pytest.raises(ValueError, match="trims 61 bases each side, more than the access"):
        ChromBPNet(accessibility, bias)
    with pytest.raises(ValueError, match="sequence_length=400 but the bias model was built"):
        ChromBPNet(BPNet(8, 2, n_outputs=1, sequence_length=L), accessibility, sequence_length=400)
    with pytest.raises(ValueError, match=r"built for inputs of \[300, 400\] bases"):
        ChromBPNet(BPNet(8, 2, n_outputs=1, sequence_length=L),
                   BPNet(16, 3, n_outputs=1, sequence_length=400))  # fmt: skip
    with pytest.raises(ValueError, match=r"ChromBPNet expects one-hot input of shape \(N, 4, 300"):
        ChromBPNet(bias, accessibility, sequence_length=L)(_x(length=320))
