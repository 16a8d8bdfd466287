from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from selene.interpret import input_x_gradient, integrated_gradients, saliency

N, A, L, F = 5, 4, 12, 3


@pytest.fixture(autouse=True)
def _float32_convolutions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep cuDNN's convolutions in float32: its default TF32 (u = 2**-11) would move the
    CUDA gradients by ~5e-4 relative, far past the float32 tolerances below."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def _one_hot(n: int = N, length: int = L, seed: int = 0) -> torch.Tensor:
    codes = torch.randint(0, A, (n, length), generator=torch.Generator().manual_seed(seed))
    return nn.functional.one_hot(codes, A).permute(0, 2, 1).float()


class Linear(nn.Module):
    """logits[f] = sum(W[f] * x) + b[f]: a conv over the whole sequence, weights set by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(A, F, kernel_size=L)
        with torch.no_grad():
            self.conv.weight.copy_(
                torch.arange(F * A * L, dtype=torch.float32).view(F, A, L) / 100
            )
            self.conv.bias.copy_(torch.tensor([1.0, -2.0, 0.5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).flatten(1)


class Smooth(nn.Module):
    """A small nonlinear net (with dropout, to check that attributions run in eval mode)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(A, 6, kernel_size=5, padding=2)
        self.drop = nn.Dropout(0.5)
        self.head = nn.Linear(6 * L, F)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(torch.tanh(self.conv(x))).flatten(1))


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(A, 4, batch_first=True, bidirectional=True)
        self.head = nn.Linear(8, F)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(x.transpose(1, 2))[0][:, -1])


def test_saliency_of_a_linear_model_is_its_weights(device):
    model, x = Linear().to(device), _one_hot().to(device)
    weights = model.conv.weight.detach()
    for feature in range(F):
        grads = saliency(model, x, feature)
        assert grads.shape == (N, A, L) and grads.device == x.device
        torch.testing.assert_close(grads, weights[feature].expand(N, A, L))
    assert all(p.grad is None for p in model.parameters())  # only input gradients


def test_input_x_gradient_and_ig_of_a_linear_model(device):
    model, x = Linear().to(device), _one_hot().to(device)
    weights = model.conv.weight.detach()
    targets = [0, 1, 2, 1, 0]
    expected = x * weights[targets]
    torch.testing.assert_close(input_x_gradient(model, x, targets), expected)
    torch.testing.assert_close(integrated_gradients(model, x, targets, n_steps=3), expected)
    uniform = integrated_gradients(model, x, torch.tensor(targets), baseline="uniform")
    torch.testing.assert_close(uniform, (x - 0.25) * weights[targets])


@pytest.mark.parametrize(
    ("method", "n_steps", "tol"), [("gausslegendre", 32, 1e-4), ("riemann_trapezoid", 100, 5e-3)]
)
def test_integrated_gradients_completeness(device, method, n_steps, tol):
    model, x = Smooth().to(device), _one_hot().to(device)
    baseline = torch.full_like(x, 0.25)
    targets = torch.tensor([2, 0, 1, 1, 2])
    attributions = integrated_gradients(
        model, x, targets, baseline=baseline, n_steps=n_steps, method=method, batch_size=200
    )
    with torch.no_grad():
        model.eval()
        gap = model(x) - model(baseline)
    expected = gap.gather(1, targets.to(device)[:, None]).squeeze(1)
    torch.testing.assert_close(attributions.sum(dim=(1, 2)), expected, atol=tol, rtol=tol)


def test_results_do_not_depend_on_batch_size():
    # Other batch shapes take other kernels: the float32 gradients of this 12-position net
    # (|g| < 0.2) agree to ~2e-8 (measured); the default atol of 1e-5 holds.
    model, x = Smooth(), _one_hot()
    torch.testing.assert_close(saliency(model, x, 1, batch_size=2), saliency(model, x, 1))
    big = integrated_gradients(model, x, 1, n_steps=10)
    torch.testing.assert_close(integrated_gradients(model, x, 1, n_steps=10, batch_size=3), big)
    torch.testing.assert_close(integrated_gradients(model, x, 1, n_steps=10, batch_size=25), big)


def test_eval_mode_during_and_mode_restored_after():
    model, x = Smooth(), _one_hot()
    model.train()
    first = saliency(model, x, 0)
    assert model.training
    torch.testing.assert_close(saliency(model, x, 0), first)  # no dropout noise
    model.eval()
    saliency(model, x, 0)
    assert not model.training


def test_numpy_in_numpy_out_and_recurrent_models():
    x = _one_hot().numpy()
    out = input_x_gradient(Recurrent(), x, 2)
    assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == np.float32
    assert np.all(out[x == 0] == 0)  # one-hot input: only reference letters are attributed
    ig = integrated_gradients(Recurrent(), x.astype(np.float64), 0, n_steps=4)
    assert ig.dtype == np.float64


def test_attribution_errors():
    model, x = Linear(), _one_hot()
    with pytest.raises(ValueError, match="shape \\(N, alphabet, length\\)"):
        saliency(model, x[0], 0)
    with pytest.raises(ValueError, match="float one-hot"):
        saliency(model, x.long(), 0)
    with pytest.raises(ValueError, match="one per sequence \\(5\\); got 2"):
        saliency(model, x, [0, 1])
    with pytest.raises(ValueError, match=">= 0"):
        saliency(model, x, -1)
    with pytest.raises(IndexError, match="model predicts 3 features"):
        saliency(model, x, 3)
    with pytest.raises(ValueError, match="logits of shape \\(N, features\\)"):
        saliency(nn.Conv1d(A, 2, 3), x, 0)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        saliency(lambda t: t, x, 0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        saliency(model, x, 0, batch_size=0)
    with pytest.raises(ValueError, match="baseline must be 'zeros', 'uniform'"):
        integrated_gradients(model, x, 0, baseline="shuffle")
    with pytest.raises(ValueError, match="does not broadcast"):
        integrated_gradients(model, x, 0, baseline=torch.zeros(3, A, L))
    with pytest.raises(ValueError, match="method must be one of"):
        integrated_gradients(model, x, 0, method="simpson")
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        integrated_gradients(model, x, 0, n_steps=0)
    with pytest.raises(ValueError, match="riemann_trapezoid needs n_steps >= 2"):
        integrated_gradients(model, x, 0, n_steps=1, method="riemann_trapezoid")
