"""Test a checkpoint: ``python -m selene.evaluate ckpt_path=PATH [data=OPTION] [key=value]``.

Writes ``test_performance.tsv``, ``roc_curves.png``, ``pr_curves.png`` (``track_scatter.png``
and ``track_windows.png`` for tracks), ``metrics.csv`` and the resolved ``config.yaml`` to the
run directory. With the training run's data config (and seed)
it reproduces that run's test metrics.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import hydra
import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig

from selene.models.checkpoints import describe_module
from selene.models.lit_module import SequenceLitModule
from selene.models.load import load_checkpoint
from selene.models.loading import load_selene_weights
from selene.models.reports import write_evaluation
from selene.utils.config import check_config_types, config_dir
from selene.utils.instantiate import build_trainer, save_config, scalars
from selene.utils.warnings import SeleneWarning

__all__ = ["check_compatible", "evaluate", "main"]

log = logging.getLogger(__name__)


def check_compatible(
    module: SequenceLitModule, datamodule: pl.LightningDataModule, path: str | None = None
) -> None:
    """Raise if a checkpoint's window or features do not fit the data; warn if names differ."""
    named = f" ({path})" if path else ""
    length, data_length = getattr(module.net, "sequence_length", None), datamodule.sequence_length
    if length is not None and data_length is not None and length != data_length:
        raise ValueError(
            f"the checkpoint{named} holds {describe_module(module.net)} but the data's windows "
            f"are {data_length} bases; evaluate with data.sequence_length={length}"
        )
    features, data_features = module.features, list(datamodule.features)
    if features is None:
        return
    if len(features) != len(data_features):
        raise ValueError(
            f"the checkpoint predicts {len(features)} features but the data has "
            f"{len(data_features)}; evaluate {path or 'it'} on data with the features it was "
            "trained on"
        )
    if features != data_features:
        differ = [(a, b) for a, b in zip(features, data_features, strict=True) if a != b]
        warnings.warn(
            f"{len(differ)} feature names differ between checkpoint and data, e.g. {differ[:3]}",
            SeleneWarning,
            stacklevel=2,
        )


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Test the checkpoint ``cfg.ckpt_path`` on ``cfg.data`` and write the per-feature results.

    Returns
    -------
    dict of str to float
        The logged test metrics (``test/auroc``, ``test/auprc``, ``test/loss``, ...).

    Raises
    ------
    TypeError
        If a config value has the wrong type (e.g. ``seed=abc``).
    ValueError
        If ``cfg.ckpt_path`` is remote, not a selene checkpoint (nor Selene SDK weights that fit
        ``cfg.model``), or does not fit the data.
    """
    check_config_types(cfg)
    module = _load(cfg)  # before the data: a bad file fails fast
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)
    out_dir = Path(cfg.paths.output_dir)
    datamodule = instantiate(cfg.data)
    check_compatible(module, datamodule, str(cfg.ckpt_path))
    trainer = build_trainer(cfg)
    if trainer.is_global_zero:
        save_config(cfg, out_dir / "config.yaml")
    trainer.test(module, datamodule=datamodule)
    if trainer.is_global_zero and module.test_results is not None:
        written = write_evaluation(module.test_results, out_dir)
        log.info("test results: %s", ", ".join(str(p) for p in written.values()))
    return scalars(trainer.callback_metrics)


def _load(cfg: DictConfig) -> SequenceLitModule:
    """Return the checkpoint's module; Selene SDK weights (not ``.ckpt``) go into ``cfg.model``.

    A ``selene.compat`` evaluate experiment of a Selene config sets ``model`` (the model
    file's net and loss) and ``ckpt_path`` to the ``.pth.tar`` that Selene's training saved.
    """
    path = str(cfg.ckpt_path)
    if cfg.get("model") is None or path.endswith(".ckpt"):
        return load_checkpoint(path)
    module = instantiate(cfg.model)
    load_selene_weights(module.net, path)
    log.info("Selene SDK weights %s loaded into %s", path, describe_module(module.net))
    return module.eval()


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="evaluate")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns the test macro AUROC when there is one."""
    return evaluate(cfg).get("test/auroc")


if __name__ == "__main__":
    main()
