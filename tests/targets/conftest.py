"""Fixtures for the targets tests."""

from __future__ import annotations

import pytest
from targets_helpers import Interval


@pytest.fixture
def toy_rows() -> list[Interval]:
    return [
        ("chr1", 100, 200, "A"),
        ("chr1", 150, 300, "A"),
        ("chr1", 300, 300, "B"),
        ("chr1", 400, 500, "B"),
        ("chr1", 500, 600, "C"),
        ("chr2", 0, 50, "A"),
    ]
