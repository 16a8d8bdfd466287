"""Convolutions of mutants as the reference's output plus a change (selene.predict.accel.delta)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _predict_goldens import fill_weights
from torch import nn

from selene.predict.accel import build_local_engine
from selene.predict.accel.delta import DeltaConv
from selene.predict.accel.graph import split_network

U = 2.0**-24  # float32 unit roundoff
# As in test_local.py: the engine's float32 sums run in other orders than the model's.
LOCAL = 1e-5


class StridedGrouped(nn.Module):
    """A stride-2 and a grouped convolution (the full recomputation) around a dilated one."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, 8, 5, stride=2),
            nn.ReLU(),
            nn.Conv1d(8, 8, 3, padding=2, dilation=2),
            nn.ReLU(),
            nn.Conv1d(8, 8, 3, groups=2),
            nn.ReLU(inplace=True),
        )
        self.out = nn.Linear(8 * 46, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.flatten(self.features(x), 1))


@pytest.mark.parametrize(
    ("kernel", "dilation", "width", "unchanged"),
    [(8, 1, 1, None), (5, 2, 3, None), (3, 1, 12, None), (5, 2, 4, 1), (8, 1, 6, 0)],
)
def test_delta_conv_equals_the_difference_of_two_convolutions(
    kernel, dilation, width, unchanged
) -> None:
    """``unchanged``: a position of the change left equal (its row skips the products)."""
    g = torch.Generator().manual_seed(0)
    conv = nn.Conv1d(6, 5, kernel, dilation=dilation)
    split = split_network(nn.Sequential(conv))
    assert split is not None
    delta_conv = DeltaConv(split.layers[0])
    length = 40
    x = torch.randn(3, 6, length, generator=g)
    start = 17
    y = x.clone()
    y[:, :, start : start + width] += torch.randn(3, 6, width, generator=g)
    if unchanged is not None:
        y[1:, :, start + unchanged] = x[1:, :, start + unchanged]
    with torch.no_grad():
        want = conv(y) - conv(x)
        step = delta_conv((y - x)[:, :, start : start + width].permute(0, 2, 1))
    first = start - (kernel - 1) * dilation
    got = torch.zeros_like(want)
    got[:, :, first : first + step.shape[1]] = step.permute(0, 2, 1)
    size = conv.weight.detach().abs().sum() * float((y - x).abs().max()) + 1  # a bound on |Σ w·Δx|
    assert step.shape[1] == width + (kernel - 1) * dilation
    # Both sides sum at most 2·C_in·k float32 products of that size, in their own orders.
    assert float((got - want).abs().max()) <= 4 * 6 * kernel * U * float(size)


def test_engine_skips_the_delta_for_strided_and_grouped_convolutions() -> None:
    net = fill_weights(StridedGrouped()).eval()
    engine = build_local_engine(net, 100)[0]
    assert engine is not None
    convs = [i for i, layer in enumerate(engine.layers) if layer.conv is not None]
    assert sorted(engine._delta) == [convs[1]]  # only the stride-1, ungrouped one
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 100)), 4).permute(0, 2, 1).float()
    ref = engine.reference(x)
    starts = np.array([0, 3, 50, 97, 99, 60])
    window = torch.nn.functional.one_hot(torch.tensor([[1], [2], [0], [3], [1], [2]]), 4)
    window = window.permute(0, 2, 1).float()
    index = np.array([0, 1, 0, 1, 0, 1])
    got = engine.mutants(ref, index, starts, window)
    mutated = x[torch.as_tensor(index)].clone()
    for i, s in enumerate(starts):
        mutated[i, :, s] = window[i, :, 0]
    with torch.no_grad():
        want = net(mutated)
    assert float((got - want).abs().max()) <= LOCAL * (1 + float(want.abs().max()))
