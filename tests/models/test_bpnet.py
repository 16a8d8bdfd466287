"""BPNet: bpnet-lite's layers, output shapes, receptive field, control tracks, errors.

That bpnet-lite's weights give the same outputs here is checked against bpnet-lite itself by
``scripts/check_bpnet_lite.py`` in its own venv (bpnet-lite is no dependency of ours).
"""

from __future__ import annotations

import pytest
import torch

from selene.models import BPNet, get_architecture

# bpnetlite.BPNet(n_filters=8, n_layers=3, n_outputs=2, n_control_tracks=2).state_dict(), as
# printed by ``scripts/check_bpnet_lite.py --keys`` with bpnet-lite 1.1.0.
BPNET_LITE_KEYS = [
    ("iconv.weight", (8, 4, 21)),
    ("iconv.bias", (8,)),
    ("rconvs.0.weight", (8, 8, 3)),
    ("rconvs.0.bias", (8,)),
    ("rconvs.1.weight", (8, 8, 3)),
    ("rconvs.1.bias", (8,)),
    ("rconvs.2.weight", (8, 8, 3)),
    ("rconvs.2.bias", (8,)),
    ("fconv.weight", (2, 10, 75)),
    ("fconv.bias", (2,)),
    ("linear.weight", (1, 9)),
    ("linear.bias", (1,)),
]


def _one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    codes = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).double()


def _small(**kwargs) -> BPNet:
    torch.manual_seed(0)
    return BPNet(**{"n_filters": 4, "n_layers": 2, **kwargs}).double().eval()


def test_state_dict_matches_bpnet_lite() -> None:
    with torch.device("meta"):
        model = BPNet(n_filters=8, n_layers=3, n_outputs=2, n_control_tracks=2)
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == BPNET_LITE_KEYS


def test_state_dict_without_controls_or_biases() -> None:
    with torch.device("meta"):
        model = BPNet(8, 1, 1, 0, profile_output_bias=False, count_output_bias=False)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == {
        "iconv.weight": (8, 4, 21),
        "iconv.bias": (8,),
        "rconvs.0.weight": (8, 8, 3),
        "rconvs.0.bias": (8,),
        "fconv.weight": (1, 8, 75),
        "linear.weight": (1, 8),
    }


def test_default_shapes_are_the_papers() -> None:
    with torch.device("meta"):
        model = BPNet(sequence_length=2114)
        profile, counts = model(torch.empty(3, 4, 2114))
    assert model.trimming == 557 and model.output_length == 1000
    assert profile.shape == (3, 2, 1000) and counts.shape == (3, 1)
    assert get_architecture("bpnet") is BPNet


def test_any_length_without_sequence_length() -> None:
    model = _small(n_outputs=3, trimming=10)
    with torch.no_grad():
        for length in (21, 64):
            profile, counts = model(_one_hot(2, length))
            assert profile.shape == (2, 3, length - 20) and counts.shape == (2, 1)


def test_receptive_field_is_the_trimming() -> None:
    """Profile position j reads input bases j .. j + 2 * trimming and no others."""
    model = _small(n_outputs=1)
    with torch.no_grad():  # positive weights keep every ReLU open, so every tap is seen
        for param in model.parameters():
            param.uniform_(0.1, 1.0)
    t = model.trimming
    assert t == 10 + 37 + 2 + 4
    x = _one_hot(1, 2 * t + 20)
    j = 5
    with torch.no_grad():
        before = model(x)[0][0, 0, j]
        for pos, changes in ((j - 1, False), (j, True), (j + 2 * t, True), (j + 2 * t + 1, False)):
            mutant = x.clone()
            mutant[0, :, pos] = mutant[0, :, pos].roll(1)
            after = model(mutant)[0][0, 0, j]
            assert (after != before) == changes, pos


def test_shifting_the_input_shifts_the_profile() -> None:
    model = _small(n_outputs=2)
    x = _one_hot(2, 2 * model.trimming + 30, seed=1)
    with torch.no_grad():
        profile = model(x)[0]
        shifted = model(x[:, :, 3:])[0]
    torch.testing.assert_close(shifted, profile[:, :, 3:], rtol=0, atol=1e-12)


def test_missing_controls_are_zeros() -> None:
    model = _small(n_control_tracks=2)
    x = _one_hot(2, 2 * model.trimming + 8)
    with torch.no_grad():
        implicit = model(x)
        explicit = model(x, torch.zeros(2, 2, x.shape[-1], dtype=x.dtype))
        counted = model(x, torch.ones(2, 2, x.shape[-1], dtype=x.dtype))
    assert torch.equal(implicit[0], explicit[0]) and torch.equal(implicit[1], explicit[1])
    assert not torch.equal(counted[1], explicit[1])  # the counts head reads log(1 + total)


def test_gradients_reach_every_weight() -> None:
    model = _small(n_control_tracks=1).train()
    x = _one_hot(2, 2 * model.trimming + 8)
    profile, counts = model(x, torch.rand(2, 1, x.shape[-1], dtype=x.dtype))
    (profile.square().mean() + counts.square().mean()).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_bad_arguments_and_inputs() -> None:
    with pytest.raises(ValueError, match="BPNet: n_layers must be a non-negative int, got -1"):
        BPNet(n_layers=-1)
    with pytest.raises(ValueError, match="BPNet: n_outputs must be a positive int, got 0"):
        BPNet(n_outputs=0)
    with pytest.raises(ValueError, match="an input of 1000 bases leaves no output with trimming"):
        BPNet(sequence_length=1000, trimming=500)
    model = _small(sequence_length=200)
    with pytest.raises(ValueError, match=r"expects one-hot input of shape \(N, 4, 200\)"):
        model(_one_hot(1, 300))
    free = _small()
    with pytest.raises(ValueError, match=r"BPNet expects one-hot input of shape \(N, 4, L\)"):
        free(torch.zeros(1, 300, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="leaves no output"):
        free(_one_hot(1, 2 * free.trimming))
    with pytest.raises(ValueError, match="control tracks given to a model built with"):
        free(_one_hot(1, 200), torch.zeros(1, 2, 200, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"x_ctl must have shape .* = \(1, 2, 200\)"):
        _small(n_control_tracks=2)(_one_hot(1, 200), torch.zeros(1, 1, 200, dtype=torch.float64))


def test_from_state_dict_reads_the_sizes_from_the_weights() -> None:
    model = _small(n_outputs=3, n_control_tracks=2, profile_output_bias=False)
    rebuilt = BPNet.from_state_dict(model.state_dict()).double().eval()
    sizes = ("n_filters", "n_layers", "n_outputs", "n_control_tracks", "trimming")
    assert [getattr(rebuilt, k) for k in sizes] == [4, 2, 3, 2, model.trimming]
    assert not rebuilt.profile_output_bias and rebuilt.count_output_bias
    x = _one_hot(2, 2 * model.trimming + 8)
    with torch.no_grad():
        for ours, theirs in zip(model(x), rebuilt(x), strict=True):
            assert torch.equal(ours, theirs)


def test_from_state_dict_refuses_other_weights() -> None:
    with pytest.raises(ValueError, match="the weights have no iconv.weight, fconv.weight, linear"):
        BPNet.from_state_dict({"conv_net.0.weight": torch.zeros(3)})
    state = _small().state_dict()
    state["linear.weight"] = torch.zeros(1, 99)
    with pytest.raises(ValueError, match="the weights do not fit a BPNet: .*linear.weight"):
        BPNet.from_state_dict(state)
