from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from selene.interpret import reference_importance, rescale_score_matrix

SCALINGS = ["identity", "probability", "max_effect"]


@pytest.mark.parametrize("kind", ["predictions", "diffs"])
@pytest.mark.parametrize("base", SCALINGS)
@pytest.mark.parametrize("position", SCALINGS)
def test_rescale_equals_selene(goldens, kind, base, position):
    matrix = goldens[f"ism_{kind}_f1_none"]
    before = matrix.copy()
    with np.errstate(all="ignore"):
        rescaled = rescale_score_matrix(matrix, base, position)
    np.testing.assert_allclose(
        rescaled, goldens[f"rescale_{kind}_{base}_{position}"], rtol=1e-12, equal_nan=True
    )
    np.testing.assert_array_equal(matrix, before)  # the input is not modified


def test_rescale_by_hand():
    scores = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 1.0, 2.0]])
    np.testing.assert_array_equal(rescale_score_matrix(scores), scores)
    np.testing.assert_allclose(
        rescale_score_matrix(scores, "identity", "probability")[0], [0.1, 0.2, 0.3, 0.4]
    )
    # max_effect: shift each position to min 0, then make it sum to max - min
    expected = np.array([0, 1, 2, 3]) / 6 * 3
    np.testing.assert_allclose(
        rescale_score_matrix(scores, "max_effect", "max_effect")[1], expected
    )
    np.testing.assert_array_equal(rescale_score_matrix(scores, "max_effect")[1], [0, 1, 2, 3])


def test_rescale_accepts_tensors_and_frames():
    scores = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(rescale_score_matrix(torch.tensor(scores)), scores)
    frame = pd.DataFrame(scores, columns=list("ACGT"))
    np.testing.assert_array_equal(rescale_score_matrix(frame), scores)


def test_rescale_errors():
    scores = np.ones((3, 4))
    with pytest.raises(ValueError, match="base_scaling must be one of"):
        rescale_score_matrix(scores, base_scaling="log")
    with pytest.raises(ValueError, match="position_scaling must be one of"):
        rescale_score_matrix(scores, position_scaling="log")
    with pytest.raises(ValueError, match="looks transposed"):
        rescale_score_matrix(np.ones((4, 7)))
    with pytest.raises(ValueError, match="shape \\(length, 4\\)"):
        rescale_score_matrix(np.ones((3, 20)))
    with pytest.raises(ValueError, match="columns \\['A', 'C', 'G', 'U'\\] do not match"):
        rescale_score_matrix(pd.DataFrame(scores, columns=list("ACGU")))
    with pytest.raises(ValueError, match="non-finite value"):
        rescale_score_matrix(np.array([[0.0, np.nan, 0.0, 0.0]]))


def test_reference_importance_by_hand():
    diffs = np.array(
        [
            [0.0, -1.0, -2.0, -3.0],  # ref A: mutations lower the score on average by 2
            [1.0, 1.0, 0.0, 1.0],  # ref G: mutations raise it by 1
            [5.0, 5.0, 5.0, 5.0],  # ref N: no importance
        ]
    )
    expected = np.array([[2.0, 0, 0, 0], [0, 0, -1.0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(reference_importance(diffs, "AgN"), expected)
    # a predictions matrix (reference entry = reference prediction) gives the same numbers
    predictions = diffs[:2] + np.array([[7.0], [3.0]])
    np.testing.assert_allclose(reference_importance(predictions, "AG"), expected[:2])


def test_reference_importance_errors():
    with pytest.raises(ValueError, match="sequence has 3 letters but the score matrix has 2"):
        reference_importance(np.zeros((2, 4)), "ACG")
    with pytest.raises(ValueError, match="outside the alphabet"):
        reference_importance(np.zeros((2, 4)), "AU")
    with pytest.raises(TypeError, match="must be a str"):
        reference_importance(np.zeros((2, 4)), None)
