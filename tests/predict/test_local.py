"""The layer-local engine equals full forward passes of the mutants, on several architectures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _predict_goldens import fill_weights, random_bases
from torch import nn

from selene.models import Basset, DeeperDeepSEA, DeepSEA, NonStrandSpecific
from selene.predict import ModelRunner
from selene.predict.accel import build_local_engine
from selene.predict.ism import _windows, mutations
from selene.sequences import sequence_to_codes

COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
U = 2.0**-24  # float32 unit roundoff
# The engine's passes sum in other orders than the model's own (tests/_tolerances.py). Their
# float32 errors grow with the activations: measured up to 2.3e-6·(1 + max|logit|) against the
# full pass (DeepSEA(200, 5), under oneDNN AVX-512 / AVX2 / SSE4.1, ATen default, MKL's
# reproducible mode, 1 or 2 threads), so a bound of 1e-5·(1 + max|logit|) holds with 4x to spare.
LOCAL = 1e-5
# DeepSEA(200, 5)'s float32 logits stay within 1.4e-5 of float64 on those settings: two
# evaluations of a probability within 2 · 1.4e-5 / 4 = 7e-6; 2e-5 leaves 3x.
PROB_5 = {"rtol": 0.0, "atol": 2e-5}


class Padded(nn.Module):
    """Padding on both kinds of layer, 'same' + dilation, BN before the activation, avg-pool."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, 16, 5, padding=2),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.MaxPool1d(3, 2, padding=1),
            nn.Conv1d(16, 8, 4, padding="same", dilation=2),
            nn.ELU(),
            nn.AvgPool1d(2),
        )
        self.out = nn.Linear(8 * 25, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.flatten(self.features(x), 1))


class Recurrent(nn.Module):
    """No convolutional front end: the engine must decline."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(4, 8, batch_first=True)
        self.out = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x.transpose(1, 2))[0][:, -1])


ARCHITECTURES = {
    "deepsea": (lambda: DeepSEA(200, 5), 200),
    "deeper_deepsea": (lambda: DeeperDeepSEA(320, 3), 320),
    "basset": (lambda: Basset(300, 3), 300),
    "padded": (Padded, 100),
}


def local_engine(net: nn.Module, length: int):
    """The checked layer-local engine for ``net``, or None."""
    return build_local_engine(net, length)[0]


@pytest.fixture(autouse=True)
def _float32_convolutions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep cuDNN's convolutions in float32, as ModelRunner does: its default TF32 (u = 2**-11)
    would put the CUDA full passes ~5e-4 relative away from the engine's."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def naive(net: nn.Module, codes: np.ndarray, positions: np.ndarray, letters: np.ndarray):
    batch = np.tile(codes, (len(positions), 1))
    batch[np.arange(len(positions))[:, None], positions] = letters
    x = torch.nn.functional.one_hot(torch.as_tensor(batch).long(), 5)[..., :4].float()
    x = x.permute(0, 2, 1) + (torch.as_tensor(batch) == 4)[:, None].float() / 4
    with torch.no_grad():
        return net(x.to(next(net.parameters()).device))


@pytest.mark.parametrize(
    "name",
    ["deepsea", "basset", "padded", pytest.param("deeper_deepsea", marks=pytest.mark.slow)],
)
def test_engine_equals_naive_forward(name: str, device: torch.device) -> None:
    build, length = ARCHITECTURES[name]
    net = fill_weights(build()).to(device)
    engine = local_engine(net, length)
    assert engine is not None
    codes = sequence_to_codes(random_bases(length, seed=3))
    codes[length // 3] = 4  # an unknown base takes all four letters
    x = torch.nn.functional.one_hot(torch.as_tensor(codes).long(), 5)[:, :4].T.float()[None]
    x[0, :, length // 3] = 0.25
    positions, letters = next(mutations(codes, 0, length, 1, 4))
    n = len(positions)  # every mutant near the ends (edge windows), a sample elsewhere
    keep = np.unique(np.r_[0:12, np.linspace(0, n - 1, 40).astype(int), n - 12 : n])
    positions, letters = positions[keep], letters[keep]
    starts, window = _windows(codes, positions, letters)
    one_hot = torch.nn.functional.one_hot(torch.as_tensor(window).long(), 4).permute(0, 2, 1)
    ref = engine.reference(x.to(device))
    got = engine.mutants(ref, np.zeros(len(starts), np.int64), starts, one_hot.float().to(device))
    want = naive(net, codes, positions, letters).to(device)
    scale = float(want.abs().max())
    assert float((got - want).abs().max()) <= LOCAL * (1 + scale)


def test_engine_two_bases_far_apart() -> None:
    net = fill_weights(DeepSEA(200, 5))
    engine = local_engine(net, 200)
    codes = sequence_to_codes(random_bases(200, seed=4))
    positions, letters = next(mutations(codes, 0, 200, 2, 4))
    pick = np.r_[0:40, len(positions) - 40 : len(positions)]  # spans of 2 and of ~200 bases
    positions, letters = positions[pick], letters[pick]
    starts, window = _windows(codes, positions, letters)
    x = torch.nn.functional.one_hot(torch.as_tensor(codes).long(), 4).T.float()[None]
    one_hot = torch.nn.functional.one_hot(torch.as_tensor(window).long(), 4).permute(0, 2, 1)
    got = engine.mutants(
        engine.reference(x), np.zeros(len(pick), np.int64), starts, one_hot.float()
    )
    want = naive(net, codes, positions, letters)
    assert float((got - want).abs().max()) <= LOCAL * (1 + float(want.abs().max()))


def test_engine_declines_models_without_a_local_front_end() -> None:
    assert local_engine(Recurrent(), 50) is None
    runner = ModelRunner(Recurrent(), 50)
    assert runner.engine.name == "plain"


def test_reverse_complement_average_and_non_strand_specific() -> None:
    net = fill_weights(DeepSEA(200, 5))
    codes = sequence_to_codes(random_bases(200, seed=5))[None]
    averaged = ModelRunner(net, 200, complement=COMPLEMENT, average_reverse_complement=True)
    wrapped = ModelRunner(NonStrandSpecific(net), 200, complement=COMPLEMENT)
    x = torch.nn.functional.one_hot(torch.as_tensor(codes).long(), 4).permute(0, 2, 1).float()
    with torch.no_grad():
        want = torch.sigmoid(NonStrandSpecific(net)(x))
        fwd, rev = torch.sigmoid(net(x)), torch.sigmoid(net(x.flip(1, 2)))
    # The same two passes; only mean_probability_logit's round trip through the logit rounds
    # (a few ulps: < 1e-6).
    torch.testing.assert_close(want, (fwd + rev) / 2, rtol=0.0, atol=1e-6)
    for runner in (averaged, wrapped):
        assert runner.engine.name == "layer_local"
        torch.testing.assert_close(runner.outputs(codes).predictions, want, **PROB_5)
        ref = runner.reference(codes)
        window = np.array([[2, 0]], dtype=np.uint8)
        got = runner.mutants(ref, np.zeros(1, np.int64), np.array([57]), window).predictions
        mutated = codes.copy()
        mutated[0, 57:59] = window
        torch.testing.assert_close(got, runner.outputs(mutated).predictions, **PROB_5)


def test_full_passes_in_cache_sized_chunks_equal_the_model(monkeypatch) -> None:
    import selene.predict.accel.layer_local as local

    net = fill_weights(DeepSEA(200, 5))
    monkeypatch.setattr(local, "CACHE_BYTES", 3 * 320 * 193 * 4)  # 3 sequences a chunk
    engine = local_engine(net, 200)
    assert engine is not None and engine.sequences_per_chunk == 3
    codes = torch.randint(0, 4, (7, 200), generator=torch.Generator().manual_seed(6))
    x = torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).float()
    with torch.no_grad():
        want = net(x)
    got = engine.forward(x)
    assert float((got - want).abs().max()) <= LOCAL * (1 + float(want.abs().max()))


@pytest.mark.parametrize(
    ("stride", "dilation", "groups"), [(1, 1, 1), (2, 1, 1), (1, 3, 1), (1, 1, 2)]
)
def test_packed_conv2d_equals_conv2d_on_other_shapes(stride, dilation, groups) -> None:
    from selene.predict.accel.onednn import packed_conv2d

    g = torch.Generator().manual_seed(7)
    weight = torch.randn(6, 8 // groups, 1, 5, generator=g).contiguous(
        memory_format=torch.channels_last
    )
    bias = torch.randn(6, generator=g)
    conv = packed_conv2d(weight, bias, (1, stride), (1, dilation), groups, (4, 8, 1, 50))
    assert conv is not None  # this PyTorch build (x86 CPU) has oneDNN prepacking
    terms = weight[0].numel() + 1  # products and bias per output
    for n, length in [(4, 50), (1, 50), (9, 23)]:
        x = torch.randn(n, 8, 1, length, generator=g).contiguous(memory_format=torch.channels_last)
        want = torch.nn.functional.conv2d(x, weight, bias, (1, stride), 0, (1, dilation), groups)
        size = torch.nn.functional.conv2d(  # S = Σ|w·x| + |b| of each output
            x.abs(), weight.abs(), bias.abs(), (1, stride), 0, (1, dilation), groups
        )
        # Each float32 side sums `terms` products in its own order: within terms·u·S of the
        # exact value (Higham §3.1), so within twice that of each other.
        assert ((conv(x) - want).abs() <= 2 * terms * U * size).all()
        with torch.autocast("cpu", dtype=torch.bfloat16):  # precision="bf16" stays bf16
            low = conv(x)
        assert low.dtype == torch.bfloat16
        # bfloat16 (u = 2**-8) rounds x, w and b: each term by <= 2u + u² relative; the float32
        # sums add <= 2·terms·U·S; the output is rounded by u relative.
        first = 2**-7 + 2**-16 + 2 * terms * U
        bound = (1 + 2**-8) * first * size + 2**-8 * want.abs()
        assert ((low.float() - want).abs() <= bound).all()
    assert packed_conv2d(weight.double(), None, (1, 1), (1, 1), groups, (4, 8, 1, 50)) is None
