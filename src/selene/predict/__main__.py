"""Apply a model: ``python -m selene.predict [analysis=fasta|bed|ism|vep|tracks] [key=value ...]``.

With no argument it writes predictions for the demo's query sequences (``analysis=fasta``)
with the demo checkpoint: the newest ``best-*.ckpt`` (else the newest ``.ckpt``) under
``${paths.log_dir}/train``, i.e. what ``python -m selene.train`` saved last, and the demo
genome; a model of the user's needs ``analyzer.reference_sequence.input_path`` for BED and VCF
input. Outputs, with the Selene SDK's file names, go to ``analysis.output_dir``; by default
``${paths.log_dir}/predict/<analysis>/<input name>-<hash of the inputs>``, so the same command
run again after an interruption resumes where it stopped (the log says "resuming ..." or
"writing to ..."). Hydra's log and config stay in ``${paths.log_dir}/predict/runs/<time>``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning import seed_everything

from selene.predict._config import announce, default_output_dir, fill_reference
from selene.utils.config import check_config_types, config_dir

__all__ = ["find_checkpoint", "main", "predict"]

log = logging.getLogger(__name__)


def find_checkpoint(log_dir: str | Path) -> Path:
    """Return the newest ``best-*.ckpt`` (else the newest ``.ckpt``) under ``<log_dir>/train``.

    Raises
    ------
    FileNotFoundError
        If there is none: train the demo first, or pass ``ckpt_path=``.
    """
    found = sorted(Path(log_dir, "train").glob("**/*.ckpt"), key=lambda p: p.stat().st_mtime)
    best = [p for p in found if p.name.startswith("best")]
    if not found:
        raise FileNotFoundError(
            f"no checkpoint under {Path(log_dir, 'train')}: run `python -m selene.train` "
            "first, or pass ckpt_path=PATH"
        )
    return (best or found)[-1]


def predict(cfg: DictConfig) -> object:
    """Build ``cfg.analyzer`` and run ``cfg.analysis.method`` with the rest of ``cfg.analysis``.

    A ``seed`` seeds torch, numpy and ``random`` before the method runs (Selene's
    ``random_seed``). A null ``analysis.output_dir`` becomes
    :func:`~selene.predict._config.default_output_dir`, and a null
    ``analyzer.reference_sequence.input_path`` the demo genome, for the demo checkpoint only
    (see :func:`~selene.predict._config.fill_reference`).

    Returns
    -------
    object
        What the method returns (e.g. the VEP counts).

    Raises
    ------
    TypeError
        If a config value has the wrong type (e.g. ``analyzer.batch_size=abc``), before any work.
    ValueError
        If the analysis is ``selene.interpret``'s (``analysis=modisco``).
    """
    if cfg.analysis.get("method") == "modisco":  # conf/analysis is shared with selene.interpret
        raise ValueError(
            "analysis=modisco runs in `python -m selene.interpret analysis=modisco "
            "ckpt_path=... regions=...`, not in selene.predict"
        )
    check_config_types(cfg)
    demo = cfg.get("ckpt_path") is None and cfg.analyzer.get("model") is None
    if demo:
        OmegaConf.update(cfg, "ckpt_path", str(find_checkpoint(cfg.paths.log_dir)))
        log.info("using the demo checkpoint %s", cfg.ckpt_path)
    fill_reference(cfg, demo)
    if "output_dir" in cfg.analysis:
        if cfg.analysis.output_dir is None:
            cfg.analysis.output_dir = str(default_output_dir(cfg))
        announce(cfg.analysis.output_dir, cfg.analyzer.get("resume", True))
    analyzer = instantiate(cfg.analyzer)
    args = OmegaConf.to_container(cfg.analysis, resolve=True)
    method = args.pop("method")  # type: ignore[union-attr]
    log.info("%s(%s)", method, ", ".join(f"{k}={v!r}" for k, v in args.items()))  # type: ignore[union-attr]
    if cfg.get("seed") is not None:  # Selene's random_seed: torch, numpy and random
        seed_everything(cfg.seed)
    return getattr(analyzer, method)(**args)  # type: ignore[arg-type]


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="predict")
def main(cfg: DictConfig) -> None:
    """Hydra entry point."""
    predict(cfg)


if __name__ == "__main__":
    main()
