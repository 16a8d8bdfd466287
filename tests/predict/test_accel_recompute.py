"""The reference pass keeps no output of a leading one-hot convolution; mutants recompute it."""

from __future__ import annotations

import numpy as np
import torch
from _predict_goldens import fill_weights
from torch import nn

from selene.models import DeepSEA
from selene.predict.accel import build_local_engine
from selene.predict.accel.layer_local import random_one_hot

# As tests/predict/test_local.py: the engine's float32 sums run in other orders than the
# model's, within 1e-5 * (1 + max|output|) (4x the largest difference measured there).
LOCAL = 1e-5


class Strided(nn.Module):
    """A padded, strided first convolution, then an unpadded pool (the recomputed pair)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, 12, 7, stride=2, padding=3),
            nn.ReLU(),
            nn.MaxPool1d(3, 3),
            nn.Conv1d(12, 8, 3, padding=1),
            nn.ReLU(),
        )
        self.out = nn.Linear(8 * 16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.flatten(self.features(x), 1))


class PaddedPool(nn.Module):
    """The pool after the first convolution pads its input: everything is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, 8, 5), nn.ReLU(), nn.MaxPool1d(3, 2, padding=1), nn.Conv1d(8, 4, 3)
        )
        self.out = nn.Linear(4 * 46, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.flatten(self.features(x), 1))


def _mutants_against_net(net: nn.Module, length: int, width: int) -> tuple[float, float, list]:
    """Mutants of ``width`` bases at both ends, the middle and mixed offsets vs the network."""
    engine, why_not = build_local_engine(net, length)
    assert engine is not None, why_not
    x = random_one_hot(3, length, 4, torch.device("cpu"), seed=5)
    starts = np.array([0, length - width, length // 2, 1, length // 3, length - width - 1])
    ref_index = np.array([0, 1, 2, 2, 1, 0])
    window = random_one_hot(len(starts), width, 4, torch.device("cpu"), seed=6)
    mutated = x[torch.as_tensor(ref_index)].clone()
    for i, start in enumerate(starts):
        mutated[i, :, start : start + width] = window[i]
    with torch.inference_mode():
        ref = engine.reference(x)
        got = torch.cat(
            [
                engine.mutants(ref, ref_index, starts, window),
                engine.mutants(ref, ref_index[:2], starts[[2, 2]], window[:2]),  # one offset
            ]
        )
        centre = x[torch.as_tensor(ref_index[:2])].clone()
        centre[:, :, starts[2] : starts[2] + width] = window[:2]
        want = torch.cat([net(mutated), net(centre)])
    worst = float((got - want).abs().max())
    return worst, LOCAL * (1 + float(want.abs().max())), ref.activations


def test_deepsea_keeps_no_first_convolution_output_and_mutants_match() -> None:
    net = fill_weights(DeepSEA(200, 5)).eval()
    for width in (1, 3):
        worst, bound, activations = _mutants_against_net(net, 200, width)
        assert worst <= bound
        assert activations[1] is None  # the first convolution's output (the pool's input)
        assert all(a is not None for i, a in enumerate(activations) if i != 1)


def test_strided_padded_first_convolution_is_recomputed_exactly() -> None:
    net = fill_weights(Strided()).eval()
    for width in (1, 2, 5):
        worst, bound, activations = _mutants_against_net(net, 100, width)
        assert worst <= bound
        assert activations[1] is None


def test_a_padded_pool_keeps_every_input() -> None:
    net = fill_weights(PaddedPool()).eval()
    worst, bound, activations = _mutants_against_net(net, 100, 1)
    assert worst <= bound
    assert all(a is not None for a in activations)


def test_reference_in_chunks_keeps_what_one_pass_keeps() -> None:
    net = fill_weights(DeepSEA(200, 5)).eval()
    engine, why_not = build_local_engine(net, 200)
    assert engine is not None, why_not
    x = random_one_hot(5, 200, 4, torch.device("cpu"), seed=7)
    with torch.inference_mode():
        whole = engine.reference(x)
        engine.sequences_per_chunk = 2  # chunks of 2, 2 and 1 sequences
        chunked = engine.reference(x)
    assert len(chunked.activations) == len(whole.activations)
    for got, want in zip(chunked.activations, whole.activations, strict=True):
        assert (got is None) == (want is None)
        if got is not None:  # the same layers on the same sequences: summed alike
            torch.testing.assert_close(
                got, want, rtol=0, atol=LOCAL * (1 + float(want.abs().max()))
            )
    assert sorted(chunked.conv_out) == sorted(whole.conv_out)
    for i, got in chunked.conv_out.items():
        want = whole.conv_out[i]
        torch.testing.assert_close(got, want, rtol=0, atol=LOCAL * (1 + float(want.abs().max())))
    assert float((chunked.output - whole.output).abs().max()) <= LOCAL * (
        1 + float(whole.output.abs().max())
    )
