"""DeepLIFT/SHAP on a CUDA model: the same attributions as on the CPU, converged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from selene.interpret import deep_lift_shap
from selene.models.deepsea import DeepSEA

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
]


def test_cuda_attributions_equal_cpu_attributions() -> None:
    torch.manual_seed(0)
    model = DeepSEA(200, 3).eval()
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (3, 200))]
    x = x.transpose(0, 2, 1).copy()
    cpu = deep_lift_shap(model, x, n_shuffles=4, target=1)
    gpu = deep_lift_shap(model.cuda(), x, n_shuffles=4, target=1)  # float32, not TF32
    assert np.abs(gpu.delta).max() < 1e-4
    scale = np.abs(cpu.hypothetical).max()
    np.testing.assert_allclose(gpu.hypothetical, cpu.hypothetical, atol=1e-4 * scale)
    np.testing.assert_allclose(gpu.contributions, cpu.contributions, atol=1e-4 * scale)
