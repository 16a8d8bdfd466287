"""The oneDNN prepack uses private ``torch.ops.mkldnn`` operators: without them, nothing breaks.

A future PyTorch may drop or rename ``_reorder_convolution_weight`` / ``_convolution_pointwise``.
Each way that can show is simulated here; the engine must then keep the plain convolutions and
give the same results as the plain forward pass (and as the prepacked engine, to float
tolerance). ``test_local.py::test_packed_conv2d_equals_conv2d_on_other_shapes`` asserts that
this PyTorch still has them, so their disappearance is noticed rather than silently slower.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _predict_goldens import fill_weights, random_bases

from _tolerances import LOGIT
from selene.models import DeepSEA
from selene.predict import ModelRunner
from selene.predict.accel import onednn
from selene.sequences import sequence_to_codes

LENGTH = 200


class _Missing:
    """A ``torch.ops.mkldnn`` whose operators cannot be looked up."""

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def __getattr__(self, name: str):
        raise self.error(f"no operator mkldnn::{name}")


class _Broken:
    """A ``torch.ops.mkldnn`` whose operators exist but raise when called (signature changed)."""

    def __getattr__(self, name: str):
        def op(*args, **kwargs):
            raise RuntimeError(f"mkldnn::{name}() expected other arguments")

        return op


class _Wrong:
    """A ``torch.ops.mkldnn`` whose convolution runs but computes something else."""

    _reorder_convolution_weight = staticmethod(lambda weight, *args: weight)

    @staticmethod
    def _convolution_pointwise(x, weight, bias, padding, stride, dilation, groups, *args):
        return torch.nn.functional.conv2d(x, weight, bias, stride, 0, dilation, groups) + 1.0


FAKES = {
    "lookup raises AttributeError": lambda: _Missing(AttributeError),
    "lookup raises RuntimeError": lambda: _Missing(RuntimeError),
    "call raises": _Broken,
    "wrong results": _Wrong,
}


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return fill_weights(DeepSEA(LENGTH, 3)).eval()


@pytest.fixture(scope="module")
def codes() -> np.ndarray:
    return np.stack([sequence_to_codes(random_bases(LENGTH, seed=s)) for s in (21, 22, 23)])


@pytest.fixture(scope="module")
def packed(net) -> ModelRunner:
    """The layer-local runner with this PyTorch's prepacked convolutions."""
    runner = ModelRunner(net, LENGTH, device="cpu")
    assert runner.engine._linear_as_conv is not None  # this PyTorch prepacks
    return runner


@pytest.fixture(scope="module")
def plain(net) -> ModelRunner:
    return ModelRunner(net, LENGTH, device="cpu", layer_local=False)


def _mutants(runner: ModelRunner, codes: np.ndarray) -> torch.Tensor:
    window = np.array([[2, 1], [0, 3], [1, 1]], dtype=np.uint8)
    starts = np.array([0, 99, LENGTH - 2])
    return runner.mutants(runner.reference(codes), np.arange(3), starts, window).logits


@pytest.mark.parametrize("fake", FAKES)
def test_without_the_private_operators_the_engine_falls_back(
    net, codes, packed, plain, fake, monkeypatch
) -> None:
    monkeypatch.setattr(torch.ops, "mkldnn", FAKES[fake]())
    weight = net.conv_net[0].weight.detach().unsqueeze(2)
    assert onednn.packed_conv2d(weight, None, (1, 1), (1, 1), 1, (2, 4, 1, LENGTH)) is None
    runner = ModelRunner(net, LENGTH, device="cpu")
    engine = runner.engine
    assert engine.name == "layer_local"  # still layer-local, with the plain convolutions
    assert engine._linear_as_conv is None
    assert engine._whole_sequence_fns == [layer.fn for layer in engine.layers]
    got = runner.outputs(codes).logits
    torch.testing.assert_close(got, plain.outputs(codes).logits, **LOGIT)
    torch.testing.assert_close(got, packed.outputs(codes).logits, **LOGIT)
    torch.testing.assert_close(_mutants(runner, codes), _mutants(packed, codes), **LOGIT)
