"""Build the Lightning objects of a run from its composed config."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

__all__ = ["build_trainer", "save_config", "scalars"]

log = logging.getLogger(__name__)


def build_trainer(cfg: DictConfig) -> pl.Trainer:
    """Instantiate ``cfg.trainer`` with the callbacks and loggers of the config.

    ``cfg.callbacks`` and ``cfg.logger`` map names to configs; ``null`` entries are skipped.
    """
    # the run directory holds config.yaml and .hydra/ besides the CSV logger's files
    warnings.filterwarnings("ignore", message="Experiment logs directory .* is not empty")
    callbacks = [instantiate(c) for c in _configs(cfg.get("callbacks"))]
    loggers = [instantiate(c) for c in _configs(cfg.get("logger"))]
    return instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)


def save_config(cfg: DictConfig, path: str | Path) -> Path:
    """Write the resolved config (what the run used, interpolations filled in) as YAML."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, path, resolve=True)
    return path


def scalars(metrics: dict[str, Any]) -> dict[str, float]:
    """Plain floats of Lightning's ``callback_metrics`` (tensors of one element)."""
    return {key: float(value) for key, value in metrics.items()}


def _configs(group: DictConfig | None) -> list[DictConfig]:
    if not group:
        return []
    return [c for c in group.values() if isinstance(c, DictConfig) and "_target_" in c]
