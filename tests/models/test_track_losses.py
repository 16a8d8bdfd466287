"""Track losses against straightforward references (numpy, scipy, torch.distributions)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import gammaln

from selene.models.track_losses import (
    bpnet_loss,
    log_count_mse,
    mse,
    multinomial_nll,
    poisson,
)

# float64 throughout: the references sum in another order, so they agree to ~1e-15 relative;
# 1e-10 leaves orders of magnitude for any summation order.
CLOSE = {"rtol": 1e-10, "atol": 1e-10}


@pytest.fixture
def tracks() -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs and integer counts of shape (N=3, T=2, L=7)."""
    gen = torch.Generator().manual_seed(0)
    output = torch.randn(3, 2, 7, generator=gen, dtype=torch.float64)
    counts = torch.poisson(torch.full((3, 2, 7), 1.5, dtype=torch.float64), generator=gen)
    return output, counts


def test_mse(tracks) -> None:
    output, target = tracks
    expected = np.mean((output.numpy() - target.numpy()) ** 2)
    torch.testing.assert_close(mse(output, target).item(), expected, **CLOSE)
    assert mse(output, target, reduction="none").shape == (3, 2, 7)


def test_poisson_is_the_nll_without_the_factorial(tracks) -> None:
    log_rate, counts = tracks
    # -log P(k; rate) = rate - k log(rate) + log(k!); the loss drops log(k!)
    nll = -torch.distributions.Poisson(log_rate.exp()).log_prob(counts) - torch.lgamma(counts + 1)
    torch.testing.assert_close(poisson(log_rate, counts, reduction="none"), nll, **CLOSE)
    torch.testing.assert_close(poisson(log_rate, counts), nll.mean(), **CLOSE)


def test_poisson_of_rates(tracks) -> None:
    output, counts = tracks
    rate = output.abs() + 0.1
    expected = rate - counts * torch.log(rate + 1e-8)  # torch keeps the log finite at rate 0
    got = poisson(rate, counts, log_input=False, reduction="none")
    torch.testing.assert_close(got, expected, **CLOSE)


def test_multinomial_nll_is_minus_the_log_probability(tracks) -> None:
    logits, counts = tracks
    got = multinomial_nll(logits, counts, reduction="none")
    assert got.shape == (3, 2)
    for i in range(3):
        for t in range(2):
            dist = torch.distributions.Multinomial(int(counts[i, t].sum()), logits=logits[i, t])
            torch.testing.assert_close(got[i, t], -dist.log_prob(counts[i, t]), **CLOSE)
    torch.testing.assert_close(multinomial_nll(logits, counts), got.mean(), **CLOSE)


def test_multinomial_nll_ignores_the_logits_scale_offset_and_takes_coverage(tracks) -> None:
    logits, counts = tracks
    shifted = multinomial_nll(logits + 3.0, counts, reduction="none")
    torch.testing.assert_close(shifted, multinomial_nll(logits, counts, reduction="none"), **CLOSE)
    coverage = counts * 0.37  # non-integer: the same formula with lgamma
    p = torch.softmax(logits, dim=-1).numpy()
    c = coverage.numpy()
    expected = -(gammaln(c.sum(-1) + 1) - gammaln(c + 1).sum(-1) + (c * np.log(p)).sum(-1))
    got = multinomial_nll(logits, coverage, reduction="none").numpy()
    np.testing.assert_allclose(got, expected, **CLOSE)


def test_log_count_mse() -> None:
    log_counts = torch.tensor([[0.0], [2.0], [5.5]], dtype=torch.float64)
    totals = torch.tensor([[0.0], [10.0], [300.0]], dtype=torch.float64)
    expected = np.mean((log_counts.numpy() - np.log(1 + totals.numpy())) ** 2)
    torch.testing.assert_close(log_count_mse(log_counts, totals).item(), expected, **CLOSE)


def test_bpnet_loss_one_total_is_one_multinomial_over_all_tracks(tracks) -> None:
    logits, counts = tracks
    log_counts = torch.tensor([[1.0], [2.0], [0.5]], dtype=torch.float64)
    result = bpnet_loss(logits, log_counts, counts, count_weight=0.3)
    profile = np.mean(
        [
            -torch.distributions.Multinomial(int(counts[i].sum()), logits=logits[i].flatten())
            .log_prob(counts[i].flatten())
            .item()
            for i in range(3)
        ]
    )
    totals = counts.sum(dim=(1, 2)).numpy()
    count_mse = np.mean((log_counts.numpy()[:, 0] - np.log1p(totals)) ** 2)
    torch.testing.assert_close(result.profile.item(), profile, **CLOSE)
    torch.testing.assert_close(result.counts.item(), count_mse, **CLOSE)
    torch.testing.assert_close(result.loss.item(), profile + 0.3 * count_mse, **CLOSE)


def test_bpnet_loss_one_total_per_track(tracks) -> None:
    logits, counts = tracks
    log_counts = torch.log1p(counts.sum(-1)) + 0.25  # every total off by 0.25 in log space
    result = bpnet_loss(logits, log_counts, counts)
    torch.testing.assert_close(result.profile, multinomial_nll(logits, counts), **CLOSE)
    torch.testing.assert_close(result.counts.item(), 0.0625, **CLOSE)
    torch.testing.assert_close(result.loss, result.profile + 0.0625, **CLOSE)


def test_gradients_flow(tracks) -> None:
    logits, counts = tracks
    logits = logits.clone().requires_grad_()
    log_counts = torch.zeros(3, 1, dtype=torch.float64, requires_grad=True)
    bpnet_loss(logits, log_counts, counts).loss.backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    assert log_counts.grad.abs().sum() > 0


def test_errors(tracks) -> None:
    output, target = tracks
    with pytest.raises(ValueError, match=r"mse: model output \(3, 2, 7\) and targets \(3, 2, 6\)"):
        mse(output, target[..., :6])
    with pytest.raises(ValueError, match="poisson: model output"):
        poisson(output[:, :1], target)
    with pytest.raises(ValueError, match="multinomial_nll: model output"):
        multinomial_nll(output, target[:2])
    with pytest.raises(ValueError, match="log_count_mse: model output"):
        log_count_mse(torch.zeros(3, 1), torch.zeros(3))
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'none', got 'sum'"):
        mse(output, target, reduction="sum")
    with pytest.raises(ValueError, match=r"log counts of shape \(N, 1\) or \(N, T\); got"):
        bpnet_loss(output, torch.zeros(3, 3, dtype=torch.float64), target)
    with pytest.raises(ValueError, match="bpnet_loss: model output"):
        bpnet_loss(output, torch.zeros(3, 1), target[:, :1])
