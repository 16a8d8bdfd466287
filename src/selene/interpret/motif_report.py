"""A ``MotifResult`` as files: the pattern table, logos, an HTML page, modisco's h5 layout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from selene.interpret.motifs import MotifResult


def pattern_table(result: MotifResult) -> pd.DataFrame:
    """One row per pattern with its best match (see :attr:`MotifResult.table`)."""
    raise NotImplementedError


def plot_logos(result: MotifResult, out_dir: str | Path) -> list[Path]:
    """See :meth:`MotifResult.plot_logos`."""
    raise NotImplementedError


def write_report(result: MotifResult, out_dir: str | Path) -> Path:
    """See :meth:`MotifResult.write_report`."""
    raise NotImplementedError


def save_result(result: MotifResult, path: str | Path) -> Path:
    """See :meth:`MotifResult.save`."""
    raise NotImplementedError


def load_result(path: str | Path) -> MotifResult:
    """See :meth:`MotifResult.load`."""
    raise NotImplementedError
