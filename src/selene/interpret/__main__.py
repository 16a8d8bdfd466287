"""Motifs a model learned: ``python -m selene.interpret analysis=modisco ckpt_path= regions=``.

DeepLIFT/SHAP attributions of the model window centred on each region of a BED file, written
batch by batch to ``attributions.h5``; then TF-MoDISco patterns, their TOMTOM matches to JASPAR
and to the user's MEME files, and a report (``motifs.html``, ``motifs.tsv``, ``matches.tsv``,
logo PNGs, ``modisco_results.h5``), one folder per explained feature; ``summary.tsv`` lists
them all (see :mod:`selene.interpret.modisco_run`). ``ckpt_path`` may be a list (folds): their
attributions are averaged. Outputs go to ``analysis.output_dir``; by default
``${paths.log_dir}/interpret/modisco/<regions name>-<hash of the inputs>``, so the same command
run again after an interruption resumes after the last whole batch, and one run again with
other ``databases`` or ``modisco`` options reuses the attributions.

The ``analysis`` group is shared with ``selene.predict``: each app refuses the other's options.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig, ListConfig, OmegaConf

from selene.interpret.modisco_run import load_models, pick_targets, run
from selene.interpret.regions import read_regions
from selene.predict.__main__ import find_checkpoint
from selene.predict.writers import file_signature, fingerprint
from selene.sequences import Genome
from selene.utils.config import check_config_types, config_dir

__all__ = ["interpret", "main"]

log = logging.getLogger("selene.interpret")
#: ``analysis`` options this app runs (the others belong to ``selene.predict``).
METHODS = frozenset({"modisco"})


def interpret(cfg: DictConfig) -> Path:
    """Run ``cfg.analysis`` (``modisco``) as described in the module docstring.

    Returns
    -------
    pathlib.Path
        ``summary.tsv`` in the output folder.

    Raises
    ------
    ValueError
        If the analysis is one of ``selene.predict``'s, ``regions`` is missing, no genome is
        given for a model other than the demo's, or ``ckpt_path`` is not a path or a list of
        paths (and what :func:`~selene.interpret.modisco_run.load_models`,
        :func:`~selene.interpret.modisco_run.pick_targets` and
        :func:`~selene.interpret.regions.read_regions` raise).
    TypeError
        If a config value has the wrong type, before any work.
    """
    method = cfg.analysis.get("method")
    if method not in METHODS:
        raise ValueError(
            f"analysis method {method!r} belongs to `python -m selene.predict`; "
            f"`python -m selene.interpret` runs analysis={'|'.join(sorted(METHODS))}"
        )
    if OmegaConf.is_missing(cfg, "regions") or cfg.regions is None:
        raise ValueError("pass regions=<a BED file>: the regions whose windows are explained")
    checkpoints = _checkpoints(cfg)
    unchecked = cfg.copy()
    unchecked.ckpt_path = None  # a list is allowed here, unlike in the other apps
    check_config_types(unchecked)
    analysis = cfg.analysis
    _check_counts(analysis)
    demo = cfg.ckpt_path is None
    if demo:
        checkpoints = [str(find_checkpoint(cfg.paths.log_dir))]
        log.info("using the demo checkpoint %s", checkpoints[0])
    if cfg.genome is None and not demo:
        raise ValueError(
            f"pass genome=<the FASTA {Path(checkpoints[0]).name} was trained on> (the demo "
            "genome goes only with the demo checkpoint)"
        )
    genome_path = cfg.demo_genome if cfg.genome is None else cfg.genome
    genome = Genome(genome_path)
    device = analysis.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    models, features, length = load_models(checkpoints, device, analysis.sequence_length)
    target = analysis.target
    targets = pick_targets(list(target) if isinstance(target, ListConfig) else target, features)
    regions = read_regions(cfg.regions, genome, length, analysis.max_regions)
    inputs = [file_signature(p) for p in (*checkpoints, cfg.regions, genome_path)]
    signature = fingerprint(inputs, length, analysis.max_regions)
    output_dir = analysis.output_dir
    if output_dir is None:
        key = fingerprint(signature, analysis.n_shuffles, analysis.batch_size, cfg.seed)[:10]
        stem = Path(cfg.regions).name.removesuffix(".gz").removesuffix(".bed")
        output_dir = Path(cfg.paths.log_dir, "interpret", str(method), f"{stem}-{key}")
    log.info(
        "writing to %s: %d regions, %d model(s), targets %s",
        output_dir, len(regions), len(models), ", ".join(name for _, name in targets),
    )  # fmt: skip
    return run(
        models, regions, genome, output_dir, targets, signature=signature,
        n_shuffles=analysis.n_shuffles, batch_size=analysis.batch_size, seed=cfg.seed,
        databases=list(analysis.databases), show_progress=analysis.show_progress,
        modisco=OmegaConf.to_container(analysis.modisco, resolve=True),  # type: ignore[arg-type]
    )  # fmt: skip


def _checkpoints(cfg: DictConfig) -> list[str]:
    """``ckpt_path`` as a list of paths (empty for the demo's null)."""
    paths = cfg.ckpt_path
    if paths is None:
        return []
    items = list(paths) if isinstance(paths, ListConfig) else [paths]
    if not items or not all(isinstance(p, str) for p in items):
        raise ValueError(
            f"ckpt_path must be a checkpoint path or a non-empty list of them; got {paths!r}"
        )
    return items


def _check_counts(analysis: DictConfig) -> None:
    """Raise a TypeError for a count that is not an int >= 1 (null where allowed)."""
    for key in ("n_shuffles", "batch_size", "max_regions", "sequence_length"):
        value, nullable = analysis.get(key), key in ("max_regions", "sequence_length")
        if value is None and nullable:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            expected = "an int >= 1" + (" or null" if nullable else "")
            raise TypeError(f"config key analysis.{key}={value!r} is not {expected}")


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="interpret")
def main(cfg: DictConfig) -> None:
    """Hydra entry point."""
    interpret(cfg)


if __name__ == "__main__":
    main()
