from __future__ import annotations

import pytest
import torch
from torch import nn

from selene.models import DeepSEA, NonStrandSpecific, Seqweaver
from selene.models.strand import mean_probability_logit


class Fixed(nn.Module):
    """Returns hand-set logits: the sum of the first base channel, and its negative."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = x[:, 0].sum(-1) - x[:, 3].sum(-1) * 2
        return torch.stack([a, -a, 3 * a], dim=1)


def rc(x: torch.Tensor) -> torch.Tensor:
    return x.flip(1, 2)


def test_mean_is_the_logit_of_the_mean_probability() -> None:
    x = torch.zeros(1, 4, 5)
    x[0, 0, :3] = 1  # AAA then TT: forward logit 3 - 4 = -1; reverse complement AA + TTT
    x[0, 3, 3:] = 1
    fwd, rev = Fixed()(x), Fixed()(rc(x))
    out = NonStrandSpecific(Fixed())(x)
    expected = (torch.sigmoid(fwd) + torch.sigmoid(rev)) / 2
    torch.testing.assert_close(torch.sigmoid(out), expected)
    torch.testing.assert_close(fwd[0, 0], torch.tensor(-1.0))
    torch.testing.assert_close(rev[0, 0], torch.tensor(2 - 6.0))


def test_max_and_identity_modes() -> None:
    x = torch.eye(4)[torch.tensor([0, 0, 1, 3, 2, 3])].T[None]
    fwd, rev = Fixed()(x), Fixed()(rc(x))
    torch.testing.assert_close(NonStrandSpecific(Fixed(), mode="max")(x), torch.maximum(fwd, rev))
    torch.testing.assert_close(NonStrandSpecific(Fixed(), link="identity")(x), (fwd + rev) / 2)


def test_strand_symmetry_of_a_real_model() -> None:
    torch.manual_seed(0)
    model = NonStrandSpecific(DeepSEA(200, 5)).eval()
    x = torch.eye(4)[torch.randint(0, 4, (3, 200))].transpose(1, 2)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(rc(x)))


def test_mean_is_finite_for_extreme_logits() -> None:
    a = torch.tensor([100.0, -100.0, 100.0, -100.0, 0.0])
    b = torch.tensor([100.0, -100.0, -100.0, 30.0, 0.0])
    out = mean_probability_logit(a, b)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[[0, 1, 2, 4]], torch.tensor([100.0, -100.0, 0.0, 0.0]))
    torch.testing.assert_close(torch.sigmoid(out), (torch.sigmoid(a) + torch.sigmoid(b)) / 2)


def test_state_dict_keys_gain_the_selene_prefix() -> None:
    with torch.device("meta"):
        wrapped = NonStrandSpecific(Seqweaver())
    assert next(iter(wrapped.state_dict())) == "model.model.0.weight"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "sum"}, "mode must be 'mean' or 'max', got 'sum'"),
        ({"link": "probit"}, "link must be 'logit' or 'identity'"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NonStrandSpecific(Fixed(), **kwargs)
