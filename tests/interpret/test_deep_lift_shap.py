"""DeepLIFT/SHAP: exact convergence on DeepSEA and Basset, dinucleotide shuffles, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from selene.interpret import DeepLiftShapResult, deep_lift_shap
from selene.interpret._dinuc_shuffle import dinucleotide_shuffle
from selene.models.basset import Basset
from selene.models.deepsea import DeepSEA
from selene.models.lit_module import SequenceLitModule
from selene.utils.warnings import SeleneWarning

# float32 rounding of a few thousand-term sums; the rescale and max-pool rules lose nothing.
DELTA = 1e-4


def _one_hot(n: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, length))].transpose(0, 2, 1)


def _dinucleotides(x: np.ndarray) -> np.ndarray:
    codes = np.where(x.sum(0) == 1, x.argmax(0), 4)
    counts = np.zeros((5, 5), dtype=int)
    np.add.at(counts, (codes[:-1], codes[1:]), 1)
    return counts


def _randomise_batchnorm(model: nn.Module) -> nn.Module:
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen))
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.randn(m.num_features, generator=gen))
    return model


def test_shuffle_keeps_dinucleotides_and_is_seeded() -> None:
    x = _one_hot(4, 150)
    x[1, :, 10:14] = 0  # unknown bases stay unknown, counted as a fifth letter
    shuffled = dinucleotide_shuffle(x, 6, random_state=3)
    assert shuffled.shape == (4, 6, 4, 150)
    for i in range(4):
        for k in range(6):
            np.testing.assert_array_equal(_dinucleotides(shuffled[i, k]), _dinucleotides(x[i]))
    assert (shuffled[:, 0] != x).any()
    np.testing.assert_array_equal(shuffled, dinucleotide_shuffle(x, 6, random_state=3))
    assert not np.array_equal(shuffled, dinucleotide_shuffle(x, 6, random_state=4))


@pytest.mark.parametrize(
    ("model", "length"), [(DeepSEA(200, 3), 200), (_randomise_batchnorm(Basset(600, 3)), 600)]
)
def test_convergence_delta_is_exact(model: nn.Module, length: int) -> None:
    torch.manual_seed(0)
    x = _one_hot(2, length)
    with torch.no_grad():
        model.eval()
        f_x = model(torch.from_numpy(x))[:, 2].numpy()
    result = deep_lift_shap(model, x, n_shuffles=5, target=2, random_state=0)
    assert isinstance(result, DeepLiftShapResult)
    assert result.hypothetical.shape == result.contributions.shape == (2, 4, length)
    np.testing.assert_allclose(result.contributions, result.hypothetical * x)
    np.testing.assert_allclose(np.abs(result.delta), 0.0, atol=DELTA)
    refs = dinucleotide_shuffle(x, 5, random_state=0)
    with torch.no_grad():
        f_r = model(torch.from_numpy(refs.reshape(10, 4, length)))[:, 2].numpy().reshape(2, 5)
    np.testing.assert_allclose(
        result.contributions.sum((1, 2)), f_x - f_r.mean(1), atol=DELTA + 4e-5
    )
    assert model.conv_net[2 if isinstance(model, Basset) else 1].inplace  # restored


def test_linear_model_gives_gradient_times_difference() -> None:
    model = nn.Sequential(nn.Conv1d(4, 2, 3), nn.Flatten(), nn.Linear(2 * 18, 1))
    x = _one_hot(1, 20)
    refs = dinucleotide_shuffle(x, 3, random_state=1)
    result = deep_lift_shap(model, x, references=refs)
    xt = torch.from_numpy(x).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(xt).sum(), xt)
    expected = (grad.numpy()[:, None] * (x[:, None] - refs)).sum(2, keepdims=True).mean(1)
    np.testing.assert_allclose(result.contributions.sum(1, keepdims=True), expected, atol=1e-6)


def test_target_by_feature_name_explains_the_logits() -> None:
    torch.manual_seed(0)
    module = SequenceLitModule(net=DeepSEA(200, 3), features=["a", "b", "c"])
    x = _one_hot(2, 200)
    by_name = deep_lift_shap(module, x, n_shuffles=2, target=["c", "b"])
    by_index = deep_lift_shap(module.net, x, n_shuffles=2, target=[2, 1])
    np.testing.assert_array_equal(by_name.target, [2, 1])
    np.testing.assert_allclose(by_name.hypothetical, by_index.hypothetical, atol=1e-6)


class _Square(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


def test_unsupported_layer_is_named_in_the_warning() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(4, 3, 5), _Square(), nn.Flatten(), nn.Linear(3 * 26, 1))
    with pytest.warns(SeleneWarning, match=r"convergence delta.*1 \(_Square\)"):
        deep_lift_shap(model, _one_hot(2, 30), n_shuffles=3)


def test_errors() -> None:
    model = DeepSEA(200, 3)
    x = _one_hot(2, 200)
    with pytest.raises(ValueError, match="shape \\(N, alphabet, length\\)"):
        deep_lift_shap(model, x[0])
    with pytest.raises(ValueError, match="n_shuffles must be >= 1"):
        deep_lift_shap(model, x, n_shuffles=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        deep_lift_shap(model, x, batch_size=0)
    with pytest.raises(KeyError, match="not among the model's features"):
        deep_lift_shap(model, x, target="CTCF")
    with pytest.raises(ValueError, match="one per sequence \\(2\\)"):
        deep_lift_shap(model, x, target=[0, 1, 2])
    with pytest.raises(IndexError, match="target 5 out of range: the model has 3 outputs"):
        deep_lift_shap(model, x, n_shuffles=1, target=5)
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        deep_lift_shap("model.ckpt", x)
    with pytest.raises(ValueError, match="references must have shape"):
        deep_lift_shap(model, x, references=x)
    with pytest.raises(ValueError, match="must be one-hot"):
        deep_lift_shap(model, x * 0.5)
    with pytest.raises(TypeError, match="target must be an int"):
        deep_lift_shap(model, x, target=1.5)


def test_max_pool_multipliers_stay_bounded_where_an_input_barely_changes() -> None:
    # pool inputs: x gives [5, 1 + 2e-6], the reference [0, 1]; y rises 4, all from position 0.
    # A window's change goes to one argmax (multipliers in [0, 1]); a rule that gave half of it
    # to the reference's argmax divided 2 by a 2e-6 change there: a multiplier of ~1e6, exact
    # in the sum but swamping the hypothetical scores.
    conv = nn.Conv1d(4, 1, 1, bias=False)
    conv.weight.data[:] = torch.tensor([5.0, 1.0, 1.0 + 2e-6, 0.0]).view(1, 4, 1)
    model = nn.Sequential(conv, nn.MaxPool1d(2), nn.Flatten())
    x = np.eye(4, dtype=np.float32)[[0, 2]].T[None]  # A, G
    ref = np.eye(4, dtype=np.float32)[[3, 1]].T[None, None]  # T, C
    result = deep_lift_shap(model, x, references=ref)
    assert np.abs(result.delta).max() < DELTA
    assert np.abs(result.hypothetical).max() <= 5.0 + 1e-4
    np.testing.assert_allclose(result.contributions[0, :, 0], [4.0, 0, 0, 0], atol=1e-4)
    np.testing.assert_allclose(result.contributions[0, :, 1], 0.0, atol=1e-4)
