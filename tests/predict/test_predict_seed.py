"""``python -m selene.predict seed=N`` seeds torch, numpy and random before the analysis."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir

from selene.predict import AnalyzeSequences
from selene.predict.__main__ import predict
from selene.utils.config import config_dir


def _draws() -> tuple[float, float, float]:
    return torch.rand(1).item(), float(np.random.rand()), random.random()  # noqa: NPY002


def _compose(checkpoint, workdir, tmp_path, *overrides: str):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(
            "predict",
            overrides=[
                f"ckpt_path={checkpoint}",
                f"analysis.input_path={workdir / 'query.fa'}",
                f"analysis.output_dir={tmp_path}",
                "+analyzer.show_progress=false",
                *overrides,
            ],
        )


def test_seed_seeds_the_analysis(checkpoint, workdir, tmp_path, monkeypatch) -> None:
    seen = []
    method = "get_predictions_for_fasta_file"
    monkeypatch.setattr(AnalyzeSequences, method, lambda self, **kw: seen.append(_draws()))
    torch.manual_seed(0), np.random.seed(0), random.seed(0)  # noqa: NPY002 (seeded again)
    predict(_compose(checkpoint, workdir, tmp_path, "seed=7"))
    torch.manual_seed(7), np.random.seed(7), random.seed(7)  # noqa: NPY002 (what seed=7 is)
    assert seen == [_draws()]


def test_seed_type_and_write_mem_limit(checkpoint, workdir, tmp_path) -> None:
    with pytest.raises(TypeError, match="seed"):
        predict(_compose(checkpoint, workdir, tmp_path, "seed=abc"))
    cfg = _compose(checkpoint, workdir, tmp_path, "analyzer.write_mem_limit=4000")  # no + needed
    assert cfg.analyzer.write_mem_limit == 4000 and cfg.seed is None
    predict(cfg)  # accepted (Selene's buffer size); rows are written batch by batch
    assert (tmp_path / "query_predictions.tsv").is_file()
