from __future__ import annotations

import pytest
import torch
from _model_goldens import KEYS_FILE, OUTPUTS_FILE, fill_weights, load, make_sequences, one_hot

from selene.models import (
    ARCHITECTURES,
    Basset,
    DanQ,
    DeeperDeepSEA,
    DeepSEA,
    HeartENN,
    NonStrandSpecific,
    Sei,
    Seqweaver,
)

# Smallest sensible configuration of each, for tests that run real numbers.
SMALL = {
    "deepsea": lambda: DeepSEA(200, 5),
    "deeper_deepsea": lambda: DeeperDeepSEA(320, 5),
    "danq": lambda: DanQ(64, 3),
    "heartenn": lambda: HeartENN(320, 4),
    "seqweaver": lambda: Seqweaver(200, 4),
    "sei": lambda: Sei(32, 3),
    "basset": lambda: Basset(200, 6),
}
DEFAULTS = {
    "deepsea": (lambda: DeepSEA(), 1000, 919),
    "deeper_deepsea": (lambda: DeeperDeepSEA(), 1000, 919),
    "danq": (lambda: DanQ(), 1000, 919),
    "heartenn": (lambda: HeartENN(1000, 90), 1000, 90),
    "seqweaver": (lambda: Seqweaver(), 1000, 217),
    "sei": (lambda: Sei(), 4096, 21907),
    "basset": (lambda: Basset(), 600, 164),
}
MINIMUM = {
    DeepSEA: 163,
    DeeperDeepSEA: 310,
    DanQ: 38,
    HeartENN: 310,
    Seqweaver: 163,
    Sei: 32,
    Basset: 168,
}


def test_registry_covers_every_architecture() -> None:
    assert set(SMALL) == set(DEFAULTS) == set(ARCHITECTURES)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_default_output_shape(name: str) -> None:
    build, length, n_out = DEFAULTS[name]
    with torch.device("meta"):  # shapes only: Sei alone has 890M parameters
        model = build().eval()
        out = model(torch.empty(2, 4, length))
    assert model.sequence_length == length
    assert out.shape == (2, n_out)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_forward_and_gradients(name: str) -> None:
    torch.manual_seed(0)
    model = SMALL[name]().train()
    x = one_hot(make_sequences(2, model.sequence_length, seed=1)).float()
    out = model(x)
    assert out.shape == (2, getattr(model, "n_targets", getattr(model, "n_genomic_features", 0)))
    out.square().mean().backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None, pname
        assert torch.isfinite(param.grad).all(), pname
    assert any(p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize("config", load(KEYS_FILE)["configs"], ids=lambda c: str(c["kwargs"]))
def test_state_dict_keys_match_selene(config: dict) -> None:
    cls = ARCHITECTURES[config["arch"]]
    with torch.device("meta"):
        model = cls(**config["kwargs"])
    ours = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    assert ours == config["keys"]


@pytest.mark.parametrize("record", load(OUTPUTS_FILE)["outputs"], ids=lambda r: r["arch"])
def test_outputs_match_selene(record: dict) -> None:
    kwargs = dict(record["kwargs"])
    if record["arch"] == "danq":
        kwargs["legacy_batch_lstm"] = True  # the golden is Selene's batch-axis LSTM
    model = fill_weights(ARCHITECTURES[record["arch"]](**kwargs), record["gain"]).double().eval()
    x = one_hot(record["sequences"])
    with torch.no_grad():
        probs = torch.sigmoid(model(x))
        expected = torch.tensor(record["probabilities"], dtype=torch.float64)
        # float64 (u = 1.1e-16), so a summation order other than Selene's moves these by
        # ~3e-15 (measured under every kernel setting tried): 1e-10 leaves 4 orders of
        # magnitude. (In float32, u = 6e-8, no such tolerance would hold.)
        torch.testing.assert_close(probs, expected, rtol=1e-9, atol=1e-10)
        for mode in ("mean", "max"):
            if f"nonstrandspecific_{mode}" in record:
                wrapped = torch.sigmoid(NonStrandSpecific(model, mode=mode)(x))
                expected = torch.tensor(record[f"nonstrandspecific_{mode}"], dtype=torch.float64)
                torch.testing.assert_close(wrapped, expected, rtol=1e-9, atol=1e-10)


def test_device(device: torch.device) -> None:
    model = DeepSEA(200, 5).to(device).eval()
    x = one_hot(make_sequences(2, 200, seed=2)).float().to(device)
    with torch.no_grad():
        out = model(x)
    assert out.device.type == device.type and out.shape == (2, 5)


@pytest.mark.parametrize(
    "cls", sorted(MINIMUM, key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_sequence_length_too_short(cls: type) -> None:
    minimum = MINIMUM[cls]
    with torch.device("meta"):
        cls(minimum, 2)
        with pytest.raises(
            ValueError, match=f"sequence_length={minimum - 1} is too short.*minimum is {minimum}"
        ):
            cls(minimum - 1, 2)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_bad_target_count(bad: object) -> None:
    with pytest.raises(ValueError, match="DeepSEA: n_targets must be a positive int"):
        DeepSEA(200, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Sei: n_genomic_features must be a positive int"):
        Sei(64, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="DanQ: sequence_length must be a positive int"):
        DanQ(bad, 3)  # type: ignore[arg-type]


def test_bad_input_shape_says_how_to_fix() -> None:
    model = DeepSEA(200, 5)
    with pytest.raises(ValueError, match=r"got \(2, 4, 300\); build the model with sequence_l"):
        model(torch.zeros(2, 4, 300))
    with pytest.raises(ValueError, match=r"looks like \(N, L, 4\): transpose"):
        model(torch.zeros(2, 200, 4))
    with pytest.raises(ValueError, match=r"expects one-hot input of shape \(N, 4, 200\)"):
        model(torch.zeros(4, 200))


def test_danq_predictions_do_not_depend_on_the_batch() -> None:
    torch.manual_seed(0)
    model = DanQ(64, 3).eval()
    x = one_hot(make_sequences(3, 64, seed=3)).float()
    with torch.no_grad():
        batched = model(x)
        single = torch.cat([model(x[i : i + 1]) for i in range(3)])
        # Batches of 3 and of 1 take other GEMM blockings: float32 logits of this small DanQ
        # (|z| < 0.03) agree to ~3e-8 (measured); the default atol of 1e-5 holds.
        torch.testing.assert_close(batched, single)
        model.legacy_batch_lstm = True  # Selene's LSTM runs across the batch
        assert not torch.allclose(model(x)[0], model(x[:1])[0])


def test_heartenn_max_norm() -> None:
    model = fill_weights(HeartENN(320, 4))
    first = model.conv_net[0].weight
    assert first.flatten(1).norm(dim=1).max() > 0.9
    model.eval()(torch.zeros(2, 4, 320))
    for layer in (*model.conv_net, *model.classifier):
        if isinstance(layer, (torch.nn.Conv1d, torch.nn.Linear)):
            assert layer.weight.flatten(1).norm(dim=1).max() <= 0.9 + 1e-6
    free = fill_weights(HeartENN(320, 4, max_norm=None))
    before = free.conv_net[0].weight.clone()
    free.eval()(torch.zeros(2, 4, 320))
    assert torch.equal(free.conv_net[0].weight, before)
    with pytest.raises(ValueError, match="max_norm must be positive or None"):
        HeartENN(320, 4, max_norm=0)


def test_heartenn_trains_inside_non_strand_specific() -> None:
    # The in-place max-norm must not break autograd when the model runs twice per step.
    model = NonStrandSpecific(HeartENN(320, 4)).train()
    model(one_hot(make_sequences(3, 320, seed=4)).float()).sum().backward()
    assert model.model.conv_net[0].weight.grad is not None


def test_heartenn_refuses_a_bad_input_before_capping_its_weights():
    model = HeartENN(1000, 3)
    with torch.no_grad():
        model.conv_net[0].weight.mul_(100.0)
    before = model.conv_net[0].weight.clone()
    with pytest.raises(ValueError):
        model(torch.zeros(2, 1000, 4))
    assert torch.equal(model.conv_net[0].weight, before)
