"""MultiModelWrapper: several weight files scored as one model, outputs side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from _predict_goldens import fill_weights
from torch import nn

from _tolerances import PROB, PROB_DIFF
from selene.models import DeepSEA, MultiModelWrapper
from selene.predict import AnalyzeSequences

SEQ = "ACGTTGCAAT" * 20


def _weights(tmp_path: Path, gain: float, name: str) -> Path:
    path = tmp_path / name
    state = fill_weights(DeepSEA(200, 2), gain=gain).state_dict()
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, path)
    return path


def test_wrapper_concatenates_the_models_it_loads(tmp_path: Path) -> None:
    paths = [_weights(tmp_path, 1.0, "a.pth.tar"), _weights(tmp_path, 0.5, "b.pth.tar")]
    wrapper = MultiModelWrapper([DeepSEA(200, 2), DeepSEA(200, 2)])
    joint = AnalyzeSequences(wrapper, paths, features=["a0", "a1", "b0", "b1"],
                             show_progress=False)  # fmt: skip
    assert joint.sequence_length == 200
    singles = [
        AnalyzeSequences(DeepSEA(200, 2), p, 200, ["x", "y"], show_progress=False) for p in paths
    ]
    want = np.concatenate([s.get_predictions(SEQ) for s in singles], axis=1)
    got = joint.get_predictions(SEQ)
    assert got.shape == (1, 4)
    # The wrapper takes the plain forward pass, each single model the layer-local engine.
    np.testing.assert_allclose(got, want, **PROB)
    assert not np.allclose(want[:, :2], want[:, 2:])  # the two weight files differ

    for analysis, out in ((joint, "joint"), (singles[0], "single")):
        analysis.in_silico_mutagenesis(SEQ, ["diffs"], str(tmp_path / out), start_position=90,
                                       end_position=95, output_format="tsv")  # fmt: skip
    joint_rows = (tmp_path / "joint_diffs.tsv").read_text().splitlines()
    single_rows = (tmp_path / "single_diffs.tsv").read_text().splitlines()
    assert len(joint_rows) == len(single_rows) == 1 + 5 * 3
    for j, s in zip(joint_rows[1:], single_rows[1:], strict=True):
        j_values, s_values = j.split("\t"), s.split("\t")
        assert j_values[:3] == s_values[:3]  # pos, ref, alt
        joint_diffs, single_diffs = np.float64(j_values[3:5]), np.float64(s_values[3:5])
        np.testing.assert_allclose(joint_diffs, single_diffs, **PROB_DIFF)


def test_wrapper_errors_say_what_does_not_match(tmp_path: Path) -> None:
    a = _weights(tmp_path, 1.0, "a.pth.tar")
    with pytest.raises(ValueError, match="1 trained_model_path for 2 sub-models"):
        AnalyzeSequences(MultiModelWrapper([DeepSEA(200, 2), DeepSEA(200, 2)]), [a], 200, ["f"])
    with pytest.raises(
        ValueError, match="a list of 2 trained_model_path needs a MultiModelWrapper"
    ):
        AnalyzeSequences(DeepSEA(200, 2), [a, a], 200, ["f", "g"])
    with pytest.raises(ValueError, match="different sequence lengths: \\[200, 300\\]"):
        MultiModelWrapper([DeepSEA(200, 2), DeepSEA(300, 2)])
    selene_style = nn.Sequential(DeepSEA(200, 2), nn.Sigmoid())
    with pytest.raises(ValueError, match="some end in a sigmoid and others return logits"):
        AnalyzeSequences(MultiModelWrapper([DeepSEA(200, 2), selene_style]), None, 200, ["f"] * 4)
