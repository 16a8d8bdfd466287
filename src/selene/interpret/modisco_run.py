"""``python -m selene.interpret analysis=modisco``'s run: attributions over regions, then motifs.

For each explained output (``target``), in its own folder ``<output_dir>/<feature>/``:
DeepLIFT/SHAP (:func:`~selene.interpret.deep_lift_shap`) of the window centred on every BED
region, batch by batch into ``attributions.h5`` (see :mod:`selene.interpret.attribution_file`;
a rerun resumes after the last whole batch), then TF-MoDISco and TOMTOM
(:func:`selene.interpret.motifs`), then the report (``motifs.html``, ``motifs.tsv``,
``matches.tsv``, logos, ``modisco_results.h5``). ``<output_dir>/summary.tsv`` lists every
target's patterns. Several models (folds) are averaged batch by batch, which is what
:func:`~selene.interpret.motifs` does with a list of attributions.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

import selene.interpret as interpret
from selene.interpret.attribution_file import AttributionFile, read_attributions
from selene.interpret.regions import Regions, region_windows
from selene.models import load_checkpoint
from selene.models.lit_module import SequenceLitModule
from selene.models.registry import TRACK_ARCHITECTURES
from selene.predict.writers import progress
from selene.sequences import Genome

__all__ = ["MAX_DEFAULT_TARGETS", "attribute_regions", "load_models", "pick_targets", "run"]

log = logging.getLogger("selene.interpret")
#: With ``target=null`` a model with at most this many features explains each of them.
MAX_DEFAULT_TARGETS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+=-]")
_PACKAGES = {"modiscolite": "modisco-lite", "memelite": "memelite", "pyjaspar": "pyjaspar"}


def load_models(
    paths: Sequence[str | Path], device: str = "cpu", sequence_length: int | None = None
) -> tuple[list[SequenceLitModule], list[str], int]:
    """Load each checkpoint (a fold each); return the modules, their features and window.

    ``sequence_length`` overrides the window the nets record. A checkpoint that records no
    feature names gets its output indices as names (``"0"``, ``"1"``, ...).

    Raises
    ------
    ValueError
        If a checkpoint is a track model, records no window (``sequence_length``), or the
        models disagree on their features or window (the message names both files).
    """
    if not paths:
        raise ValueError("ckpt_path is empty: pass a checkpoint, or a list of them (folds)")
    modules, first = [], None
    for path in paths:
        module = load_checkpoint(path, map_location=device)
        net = module.net
        if isinstance(net, tuple(TRACK_ARCHITECTURES.values())):
            raise ValueError(
                f"{Path(path).name} is a track model ({type(net).__name__}): modisco explains "
                "a classifier's logits (N, features); track models are not supported yet"
            )
        length = int(sequence_length or getattr(net, "sequence_length", 0) or 0)
        if length < 1:
            raise ValueError(
                f"{Path(path).name} records no window (its net has no sequence_length): "
                "pass analysis.sequence_length=N"
            )
        features = list(module.features or _output_names(net, length))
        if first is None:
            first = (Path(path).name, features, length)
        elif (features, length) != first[1:]:
            raise ValueError(
                f"the folds disagree: {first[0]} has {len(first[1])} features and a "
                f"{first[2]} bp window, {Path(path).name} {len(features)} and {length} bp "
                "(every ckpt_path must be a model of the same features and window)"
            )
        modules.append(module)
    assert first is not None
    return modules, first[1], first[2]


def pick_targets(target: Any, features: list[str]) -> list[tuple[int, str]]:
    """Return ``(output index, feature name)`` of each output to explain.

    Parameters
    ----------
    target : int, str, a list of them, or None
        Feature names or output indices; None: every feature when there are at most
        :data:`MAX_DEFAULT_TARGETS`.

    Raises
    ------
    ValueError
        If ``target`` is None and the model has more features, a name is not a feature, an
        index is out of range, or a target repeats.
    """
    if target is None:
        if len(features) > MAX_DEFAULT_TARGETS:
            raise ValueError(
                f"the model has {len(features)} features: pass analysis.target=<name or index> "
                f"or a list of them (e.g. analysis.target=[{features[0]}]); every feature is "
                f"explained by default only up to {MAX_DEFAULT_TARGETS}"
            )
        return list(enumerate(features))
    picked = []
    for item in target if isinstance(target, list | tuple) else [target]:
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(features):
                raise ValueError(
                    f"analysis.target={item} is out of range: the model has {len(features)} "
                    f"outputs (0 to {len(features) - 1})"
                )
            picked.append((item, features[item]))
        elif isinstance(item, str) and item in features:
            picked.append((features.index(item), item))
        else:
            shown = ", ".join(features[:8]) + (", ..." if len(features) > 8 else "")
            raise ValueError(
                f"analysis.target={item!r} is not one of the model's features ({shown}): "
                "pass a feature name or an output index"
            )
    indices = [i for i, _ in picked]
    if len(set(indices)) < len(indices):
        raise ValueError(f"analysis.target names an output twice: {target!r}")
    return picked


def attribute_regions(
    models: Sequence[nn.Module],
    regions: Regions,
    genome: Genome,
    output: int,
    store: AttributionFile,
    *,
    n_shuffles: int = 20,
    batch_size: int = 64,
    seed: int = 0,
    show_progress: bool = True,
) -> None:
    """Write the attributions of ``output`` for every region not yet in ``store``.

    Batch ``b`` (regions ``b * batch_size`` on) is shuffled with the seed ``(seed, b)``, so
    a resumed run writes what an uninterrupted one does. Each model's result is averaged.
    """
    done, total = store.done, len(regions)
    with progress(total, f"deep_lift_shap {store.path.parent.name}", done, show_progress,
                  "region") as bar:  # fmt: skip
        for start in range(done, total, batch_size):  # done: a multiple of batch_size
            stop = min(start + batch_size, total)
            one_hot = region_windows(regions, genome, start, stop)
            results = [
                interpret.deep_lift_shap(
                    model,
                    one_hot,
                    n_shuffles,
                    output,
                    random_state=np.random.default_rng([seed, start // batch_size]),
                )  # fmt: skip
                for model in models
            ]
            hypothetical = np.mean([r.hypothetical for r in results], axis=0)
            arrays = {
                "hypothetical": hypothetical,
                "contributions": hypothetical * one_hot,
                "one_hot": one_hot,
            }
            store.write(start, arrays, np.mean([r.delta for r in results], axis=0))
            bar.update(stop - start)


def run(
    models: Sequence[nn.Module],
    regions: Regions,
    genome: Genome,
    output_dir: str | Path,
    targets: Sequence[tuple[int, str]],
    *,
    signature: str,
    n_shuffles: int = 20,
    batch_size: int = 64,
    seed: int = 0,
    databases: Sequence[str | Path] = ("jaspar",),
    modisco: dict[str, Any] | None = None,
    show_progress: bool = True,
) -> Path:
    """Attributions, motifs and a report for each target; return ``summary.tsv``'s path.

    Parameters
    ----------
    signature : str
        Identifies the models, regions and genome: ``attributions.h5`` of another signature
        is computed again rather than resumed.
    modisco : dict, optional
        Keyword arguments of :func:`selene.interpret.motifs` (``max_seqlets``, ``window``, ...).

    Raises
    ------
    ImportError
        If the ``motifs`` extra is missing (checked before any attribution is computed).
    FileNotFoundError
        If a MEME file of ``databases`` does not exist (checked first too).
    """
    check_motif_inputs(databases)
    output_dir = Path(output_dir)
    tables = []
    for output, name in targets:
        folder = output_dir / (_UNSAFE.sub("_", name).lstrip(".") or f"output_{output}")
        key = f"{signature}:{output}:{n_shuffles}:{batch_size}:{seed}"
        with AttributionFile(folder / "attributions.h5", regions, len(genome.BASES_ARR), key,
                             name, len(models)) as store:  # fmt: skip
            attribute_regions(
                models, regions, genome, output, store, n_shuffles=n_shuffles,
                batch_size=batch_size, seed=seed, show_progress=show_progress,
            )  # fmt: skip
        arrays = read_attributions(folder / "attributions.h5")
        log.info("%s: TF-MoDISco on %d regions", name, len(regions))
        result = interpret.motifs(
            arrays["hypothetical"], arrays["one_hot"], arrays["contributions"],
            databases=list(databases), random_state=seed, **(modisco or {}),
        )  # fmt: skip
        report = result.write_report(folder)
        result.save(folder / "modisco_results.h5")
        log.info("%s: %d patterns, report %s", name, len(result.patterns), report)
        tables.append(result.table.assign(feature=name))
    summary = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if "feature" in summary:
        summary = summary[["feature", *[c for c in summary if c != "feature"]]]
    path = output_dir / "summary.tsv"
    summary.to_csv(path, sep="\t", index=False)
    log.info("wrote %s", path)
    return path


def check_motif_inputs(databases: Sequence[str | Path]) -> None:
    """Raise before any work if the ``motifs`` extra or a MEME file of ``databases`` is missing."""
    missing = [pip for name, pip in _PACKAGES.items() if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(
            f"analysis=modisco needs {', '.join(missing)}: pip install 'selene[motifs]'"
        )
    if isinstance(databases, str):
        databases = [databases]
    for database in databases:
        if str(database) != "jaspar" and not Path(database).is_file():
            raise FileNotFoundError(
                f"analysis.databases names {database}, which is neither 'jaspar' nor an "
                "existing MEME file"
            )


def _output_names(net: nn.Module, length: int) -> list[str]:
    """``"0"``, ``"1"``, ...: one name per output of ``net`` (found by a forward pass)."""
    param = next(iter(net.parameters()))
    with torch.no_grad():
        out = net(torch.zeros(1, 4, length, device=param.device, dtype=param.dtype))
    return [str(i) for i in range(out.shape[-1])]
