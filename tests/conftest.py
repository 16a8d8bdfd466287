"""Fixtures shared by every test package: a small synthetic genome built once per session."""

from __future__ import annotations

import pytest
import torch

from selene.datasets.synthetic import SyntheticData, make_synthetic


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> SyntheticData:
    """A small reproducible genome (4 x 200 kb, 8 features) with planted motifs."""
    return make_synthetic(
        tmp_path_factory.mktemp("synthetic"),
        n_chroms=4,
        chrom_length=200_000,
        n_features=8,
        seed=0,
    )


@pytest.fixture(
    params=[
        "cpu",
        pytest.param(
            "cuda",
            marks=[
                pytest.mark.gpu,
                pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
            ],
        ),
    ]
)
def device(request: pytest.FixtureRequest) -> torch.device:
    """Each device the test should run on: the CPU always, CUDA where present."""
    return torch.device(request.param)
