"""The premise of tests/_tolerances.py, checked on the CPU at hand.

Every float32 path that the predict tests compare (full pass, layer-local pass, mutants, a batch
of one or of many) must stay within EVAL of the float64 logits, for each model those tests use.
A CPU whose kernels round worse fails here, naming the tolerance, rather than in a golden.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _predict_goldens import GOLDENS, fill_weights, random_bases

from _tolerances import EVAL
from selene.models import DeepSEA
from selene.predict import ModelRunner
from selene.predict.ism import _windows, mutations
from selene.sequences import sequence_to_codes


def _one_hot(codes: np.ndarray) -> torch.Tensor:
    """As ModelRunner.one_hot: N is 1/4 in every row."""
    codes = torch.as_tensor(codes).long()
    x = torch.nn.functional.one_hot(codes, 5)[..., :4].float() + (codes == 4)[..., None] / 4
    return x.permute(0, 2, 1)


# The golden DeepSEA(200, 4) (also at 201 bp in test_vep: the same errors) and the
# DeepSEA(200, 2) of test_multi_model, whose logits stray furthest (gain 0.5 strays 50x less).
@pytest.mark.parametrize("n_out", [4, 2])
def test_every_float32_path_stays_within_eval_of_float64(analysis, n_out) -> None:
    with np.load(GOLDENS) as goldens:
        ism = str(goldens["ism_sequence"])
    sequences = ["ACGTTGCA" * 25, ism] + [random_bases(200, seed=s) for s in range(6)]
    codes = np.stack([sequence_to_codes(s) for s in sequences])
    exact_model = fill_weights(DeepSEA(200, n_out)).double()
    engine = analysis._runner if n_out == 4 else ModelRunner(fill_weights(DeepSEA(200, 2)), 200)
    plain = ModelRunner(fill_weights(DeepSEA(200, n_out)), 200, layer_local=False)
    assert engine.engine.name == "layer_local" and plain.engine.name == "plain"
    with torch.no_grad():
        exact = exact_model(_one_hot(codes).double())
    paths = {}
    for name, runner in (("layer-local", engine), ("full", plain)):
        paths[f"{name}, batch {len(codes)}"] = runner.outputs(codes).logits
        paths[f"{name}, batch 1"] = torch.cat([runner.outputs(c[None]).logits for c in codes[:3]])
    errors = {name: (z.double() - exact[: len(z)]).abs().max().item() for name, z in paths.items()}

    positions, letters = next(mutations(codes[1], 0, 200, 1, 4))
    keep = np.r_[0:9, 295:301, len(positions) - 9 : len(positions)]  # both ends, the middle
    positions, letters = positions[keep], letters[keep]
    starts, window = _windows(codes[1], positions, letters)
    rows = np.zeros(len(starts), np.int64)
    mutants = engine.mutants(engine.reference(codes[1][None]), rows, starts, window).logits
    mutated = np.tile(codes[1], (len(positions), 1))
    mutated[np.arange(len(positions))[:, None], positions] = letters
    with torch.no_grad():
        exact_mutants = exact_model(_one_hot(mutated).double())
    errors["layer-local mutants"] = (mutants.double() - exact_mutants).abs().max().item()
    worst = max(errors, key=errors.get)
    assert errors[worst] <= EVAL, (
        f"{worst}: float32 logits {errors[worst]:.2e} from float64, over EVAL = {EVAL:.2e} "
        f"(tests/_tolerances.py); all paths: {errors}"
    )
