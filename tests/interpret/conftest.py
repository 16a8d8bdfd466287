"""Fixtures for the interpret tests: headless matplotlib, the selene_sdk golden files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "interpret"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data/interpret: selene_sdk 0.6.0's ISM / VEP output on a tiny model."""
    return DATA


@pytest.fixture(scope="session")
def goldens() -> dict[str, np.ndarray]:
    """selene_sdk's interpret results on those files (scripts/interpret_goldens.py)."""
    with np.load(DATA / "goldens.npz") as npz:
        return dict(npz)
