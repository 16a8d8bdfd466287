"""Acceleration as a layer: ``layer_local`` picks the engine; the operations see one runner."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from _predict_goldens import fill_weights, random_bases
from hydra import compose, initialize_config_dir
from torch import nn

import selene.predict as predict_package
from _tolerances import LOGIT, LOGIT_DIFF, PROB
from selene.models import DeepSEA
from selene.predict import AnalyzeSequences, ModelRunner, in_silico_mutagenesis
from selene.predict import accel as accel_package
from selene.predict.accel import build_engine, check
from selene.sequences import sequence_to_codes
from selene.utils.config import config_dir
from selene.utils.warnings import SeleneWarning

LENGTH = 200
COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


class Recurrent(nn.Module):
    """No convolutional front end: no layer-local engine."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(4, 8, batch_first=True)
        self.out = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x.transpose(1, 2))[0][:, -1])


@pytest.fixture(scope="module")
def net() -> nn.Module:
    return fill_weights(DeepSEA(LENGTH, 3)).eval()


@pytest.fixture(scope="module")
def codes() -> np.ndarray:
    return np.stack([sequence_to_codes(random_bases(LENGTH, seed=s)) for s in (11, 12)])


def test_auto_uses_the_local_engine_where_its_check_passes(net) -> None:
    assert ModelRunner(net, LENGTH).engine.name == "layer_local"  # the default is "auto"
    assert ModelRunner(net, LENGTH, layer_local=True).engine.name == "layer_local"
    built = "".join(["au", "to"])  # as a config gives it: equal to, not the same as, "auto"
    assert ModelRunner(net, LENGTH, layer_local=built).engine.name == "layer_local"
    assert ModelRunner(net, LENGTH, layer_local=False).engine.name == "plain"
    assert ModelRunner(Recurrent(), 50).engine.name == "plain"


def test_true_requires_the_local_engine() -> None:
    with pytest.raises(ValueError, match="layer_local=True but Recurrent has no layer-local"):
        ModelRunner(Recurrent(), 50, layer_local=True)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_other_values_are_refused(net, value) -> None:
    with pytest.raises(ValueError, match="layer_local must be 'auto', True or False"):
        ModelRunner(net, LENGTH, layer_local=value)


def test_a_failed_self_check_falls_back_under_auto(net, monkeypatch) -> None:
    monkeypatch.setattr(check, "differences", lambda engine, net: (1.0, 1e-4))
    assert ModelRunner(net, LENGTH).engine.name == "plain"
    with pytest.raises(ValueError, match="self-check differs from the model's output by 1"):
        build_engine(net, LENGTH, layer_local=True)


def test_an_engine_that_cannot_run_warns_and_falls_back(net, monkeypatch) -> None:
    def broken(engine, net):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(check, "differences", broken)
    with pytest.warns(SeleneWarning, match="layer-local passes unavailable.*shape mismatch"):
        assert ModelRunner(net, LENGTH).engine.name == "plain"


def test_self_check_tolerance_is_the_logit_tolerance_of_the_tests() -> None:
    # The engine's check and the tests allow the same difference between two evaluations.
    assert check.TOLERANCE == LOGIT["atol"]


@pytest.mark.parametrize("average", [False, True])
def test_plain_mutants_equal_whole_passes_of_the_mutated_sequences(net, codes, average) -> None:
    runner = ModelRunner(net, LENGTH, complement=COMPLEMENT, layer_local=False,
                         average_reverse_complement=average)  # fmt: skip
    ref = runner.reference(codes)
    torch.testing.assert_close(runner.reference_outputs(ref).logits, runner.outputs(codes).logits)
    ref_index, starts = np.array([1, 0, 1]), np.array([0, 57, LENGTH - 3])
    window = np.array([[2, 0, 1], [3, 3, 4], [0, 1, 2]], dtype=np.uint8)
    mutated = codes[ref_index].copy()
    for i, start in enumerate(starts):
        mutated[i, start : start + 3] = window[i]
    got = runner.mutants(ref, ref_index, starts, window)
    # The same network, inputs and batch shape: the same kernels and sums.
    torch.testing.assert_close(got.logits, runner.outputs(mutated).logits, rtol=0, atol=0)


def test_both_engines_give_the_same_ism(net, codes) -> None:
    fast = in_silico_mutagenesis(net, codes[0], device="cpu", layer_local=True)
    plain = in_silico_mutagenesis(net, codes[0], device="cpu", layer_local=False)
    assert len(fast) == len(plain) == 3 * LENGTH
    np.testing.assert_array_equal(fast.positions, plain.positions)
    np.testing.assert_allclose(fast.predictions, plain.predictions, **PROB)
    np.testing.assert_allclose(fast.logits, plain.logits, **LOGIT_DIFF)


def test_analyze_sequences_and_the_predict_config_default_to_auto(net) -> None:
    analysis = AnalyzeSequences(net, None, LENGTH, ["a", "b", "c"], show_progress=False)
    assert analysis._runner.engine.name == "layer_local"
    plain = AnalyzeSequences(net, None, LENGTH, ["a", "b", "c"], layer_local=False)
    assert plain._runner.engine.name == "plain"
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict")
    assert cfg.analyzer.layer_local == "auto"


def test_the_operations_never_look_at_the_engine() -> None:
    # Only the runner and the accel package know which engine runs.
    package = Path(predict_package.__file__).parent
    accel = Path(accel_package.__file__).parent
    readers = [
        path.name
        for path in package.glob("*.py")
        if path.name != "runner.py" and re.search(r"\.engine\b", path.read_text())
    ]
    assert readers == [], f"{readers} read runner.engine; call the runner's methods instead"
    assert (accel / "layer_local.py").is_file() and (accel / "plain.py").is_file()
