"""Train a model: ``python -m selene.train [+experiment=NAME] [group=option] [key=value]``.

With no argument it trains the embedded demo. After fitting, the best checkpoint is tested and
the run directory gets ``test_performance.tsv``, ``roc_curves.png``, ``pr_curves.png``
(``track_scatter.png`` and ``track_windows.png`` for tracks), ``metrics.csv``, ``checkpoints/``
and the resolved ``config.yaml``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig

from selene.models.checkpoints import check_resumable, training_checkpoint
from selene.models.reports import write_evaluation
from selene.utils.config import check_config_types, config_dir, fit_net_to_data
from selene.utils.instantiate import build_trainer, save_config, scalars

__all__ = ["main", "train"]

log = logging.getLogger(__name__)


def train(cfg: DictConfig) -> dict[str, float]:
    """Fit ``cfg.model`` on ``cfg.data``, then test the best checkpoint (if ``cfg.test``).

    Parameters
    ----------
    cfg : DictConfig
        A config composed from ``conf/train.yaml``.

    Returns
    -------
    dict of str to float
        The last logged metrics (``val/auroc``, ``test/auroc``, ...).

    Raises
    ------
    TypeError
        If a config value has the wrong type (e.g. ``trainer.max_steps=ten``).
    ValueError
        If ``cfg.ckpt_path`` is remote, not a ``selene.train`` checkpoint, or of another model;
        or if ``cfg.test`` is set and the data has no test partition (before any training).
    """
    check_config_types(cfg)
    ckpt_path = cfg.get("ckpt_path")
    # remote, missing, not a checkpoint, code inside: refused before any work
    checkpoint = training_checkpoint(ckpt_path) if ckpt_path is not None else None
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)
    out_dir = Path(cfg.paths.output_dir)
    datamodule = instantiate(cfg.data)
    if cfg.get("test") and "test" not in getattr(datamodule, "modes", ["test"]):
        raise ValueError(
            f"test=true, but the data ({type(datamodule).__name__}) has no test partition "
            f"(its partitions: {datamodule.modes}); give data.test_holdout (chromosomes or a "
            "fraction) or test sampler, or set test=false"
        )
    n_features, length = datamodule.n_features, datamodule.sequence_length
    fit_net_to_data(cfg.model.net, n_features, length, loss=cfg.model.get("loss"))
    model = instantiate(cfg.model, features=datamodule.features)
    if checkpoint is not None:
        check_resumable(ckpt_path, checkpoint, model)
    trainer = build_trainer(cfg)
    if trainer.is_global_zero:
        save_config(cfg, out_dir / "config.yaml")
    # weights_only: a checkpoint is data, never code (Lightning's default trusts URLs)
    trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
    metrics = scalars(trainer.callback_metrics)
    if cfg.get("test"):
        best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
        if not best:
            log.warning("no best checkpoint was saved: testing the last weights")
        trainer.test(model, datamodule=datamodule, ckpt_path=best or None, weights_only=True)
        metrics |= scalars(trainer.callback_metrics)
        if trainer.is_global_zero and model.test_results is not None:
            written = write_evaluation(model.test_results, out_dir)
            log.info("test results: %s", ", ".join(str(p) for p in written.values()))
    return metrics


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns ``cfg.optimized_metric`` for sweepers."""
    return train(cfg).get(cfg.get("optimized_metric"))


if __name__ == "__main__":
    main()
