"""Fixtures of the converter's tests: Selene SDK configs of our own, written per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _selene_configs import MODEL_FILE


@pytest.fixture
def selene_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a Selene config (``{model_file}`` and ``{tmp}`` are filled in); return its path."""

    def write(text: str, name: str = "selene.yml") -> Path:
        path = tmp_path / name
        text = text.replace("{model_file}", str(MODEL_FILE)).replace("{tmp}", str(tmp_path))
        path.write_text(text)
        return path

    return write


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where the experiment goes: ``<tmp>/conf/experiment/run.yaml``."""
    return tmp_path / "conf" / "experiment" / "run.yaml"
