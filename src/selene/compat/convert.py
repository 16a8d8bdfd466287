"""Convert a Selene SDK config into Hydra experiments, and the commands that run them.

Selene runs its ``ops`` from one YAML; here ``train`` (which also tests, Selene's ``evaluate``
after training), ``evaluate`` (a checkpoint alone) and ``analyze`` (one ``selene.predict`` run
per analysis) each get an experiment file (``# @package _global_``), run with
``python -m selene.<app> +experiment=NAME 'hydra.searchpath=[file://DIR]'`` where the file is
``DIR/experiment/NAME.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from selene.compat._analyze import analyses, analyzer_config
from selene.compat._model import lit_module_config, net_config
from selene.compat._sampler import data_config
from selene.compat._source import Source, put
from selene.compat._toplevel import apply_top_level, note_top_level
from selene.compat._train import apply_evaluate_model, apply_train_model
from selene.compat._writer import command, write_experiment, write_fasta
from selene.compat._yaml import SeleneMap, load_selene_yaml

__all__ = ["Conversion", "convert"]

_OPS = ("train", "evaluate", "analyze")
_SECTIONS = {
    "ops", "model", "sampler", "train_model", "evaluate_model", "analyze_sequences", "lr",
    "prediction", "in_silico_mutagenesis", "variant_effect_prediction", "random_seed",
    "output_dir", "create_subdirectory", "load_test_set", "evaluate_on_test", "save_datasets",
    "batch_size",
}  # fmt: skip
# top-level keys of the 2018 pre-release layout (parameters.yml + paths.yml)
_PRERELEASE = {"model_controller", "genome"}


@dataclass
class _Run:
    """One app run: its experiment, the file name's suffix, extra command words, FASTAs."""

    app: str
    name: str
    exp: dict[str, Any]
    extra: list[str] = field(default_factory=list)
    fastas: list[tuple[str, str]] = field(default_factory=list)  # (record name, sequence)


@dataclass
class Conversion:
    """What :func:`convert` wrote and how to run it.

    Attributes
    ----------
    files : list of Path
        The experiment files (and FASTA files) written.
    commands : list of str
        One shell command per run, in Selene's order of ``ops``.
    notes : list of str
        ``file:line: `key` ...``: keys mapped loosely or dropped, and why.
    """

    files: list[Path] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def convert(in_path: str | Path, out_path: str | Path, lr: float | None = None) -> Conversion:
    """Write the Hydra experiment(s) of the Selene config ``in_path`` to ``out_path``.

    Parameters
    ----------
    in_path : str or Path
        A Selene SDK YAML (``ops``, ``model``, ``sampler``, ``train_model``, ...).
    out_path : str or Path
        The experiment to write (``.yaml``). Put it in a folder named ``experiment`` (e.g.
        ``my_conf/experiment/NAME.yaml``) to run it with ``hydra.searchpath``. An ``analyze``
        op with several analyses also writes ``NAME_<analysis>.yaml`` beside it.
    lr : float, optional
        The learning rate when the file has no ``lr`` (Selene's ``parse_configs_and_run(configs,
        lr=...)``); without either, the experiment leaves ``model.optimizer.lr`` to the command.

    Returns
    -------
    Conversion
        The files written, the commands to run them and the notes on loosely mapped keys.

    Raises
    ------
    FileNotFoundError
        If ``in_path`` does not exist.
    ValueError
        Naming ``file:line`` and the key, for anything the converter cannot map, and what to do.
    """
    src = Source(Path(in_path))
    config = load_selene_yaml(src.path)
    _check_sections(src, config)
    ops = _ops(src, config)
    out = Path(out_path)
    runs: list[_Run] = []
    if "train" in ops:
        runs.append(_train(src, config, lr, "evaluate" in ops))
    elif "evaluate" in ops:
        runs.append(_Run("evaluate", "evaluate", _evaluate(src, config)))
    elif not ops:
        runs.append(_Run("train", "data", _data_only(src, config), ["model=<option>"]))
    if "analyze" in ops:
        runs.extend(_analyze(src, config))
    for run in runs:
        apply_top_level(config, run.exp)
    note_top_level(src, config)
    result = Conversion(notes=src.notes)
    for i, run in enumerate(runs):
        path = out if i == 0 else out.with_name(f"{out.stem}_{run.name}{out.suffix}")
        for name, sequence in run.fastas:
            written = write_fasta(path, name, sequence)
            result.files.append(written)
            put(run.exp, "analysis.input_path", str(written.resolve()))
        setup, line = command(run.app, path, run.extra)
        result.commands.append(f"{setup} && {line}" if setup else line)
        result.files.append(write_experiment(path, run.exp, src.path, line))
    return result


def _check_sections(src: Source, config: SeleneMap) -> None:
    for key in _PRERELEASE & set(config):
        raise src.error(
            config,
            key,
            key,
            "is from Selene's 2018 pre-release layout (split paths/parameters files), which "
            "selene_sdk itself does not read",
            "write the config as selene_sdk documents it (ops, model, sampler: !obj:..., "
            "train_model: !obj:selene_sdk.TrainModel {...}), then convert it",
        )
    for key in config:
        if key not in _SECTIONS:
            raise src.error(
                config,
                key,
                str(key),
                f"is not a Selene config section the converter knows ({sorted(_SECTIONS)})",
                "remove it, or move it into the section it belongs to",
            )


def _ops(src: Source, config: SeleneMap) -> list[str]:
    ops = config.get("ops", [])
    if isinstance(ops, str):
        ops = [ops]
    if not isinstance(ops, list) or any(op not in _OPS for op in ops):
        raise src.error(
            config, "ops", "ops", f"must be a list of {list(_OPS)}, got {ops!r}", "fix it"
        )
    if not ops:
        if "sampler" not in config:
            raise src.error(
                config, None, "ops", "is missing", "give ops: [train, evaluate] or [analyze]"
            )
        src.note(
            config,
            None,
            "ops",
            "is missing (a sampler config for Selene's scripts): the experiment sets the data "
            "only; choose a model on the command line",
        )
    needs = {
        "train": ("model", "sampler", "train_model"),
        "evaluate": ("sampler", "evaluate_model"),
        "analyze": ("analyze_sequences",),
    }
    if "train" in ops and "evaluate" in ops:
        src.note(
            config,
            "ops",
            "ops",
            "evaluate: the train run tests its best checkpoint at its end (test: true), as "
            "Selene's evaluate after train; test_performance.tsv is in the run directory",
        )
    for op in ops:
        if op == "evaluate" and "train" in ops:
            continue  # train tests the model it trained
        for section in needs[op]:
            if section not in config:
                raise src.error(config, "ops", section, f"is required by the {op!r} op", "add it")
    run = [op for op in ops if op != "evaluate" or "train" not in ops]  # train tests itself
    used = {s for op in run for s in needs[op]} | ({"model"} if "analyze" in ops else set())
    for section in ("model", "sampler", "train_model", "evaluate_model", "analyze_sequences"):
        if section in config and section not in used and ops:
            src.note(config, section, section, f"ignored: no op in {ops} uses it (as Selene)")
    return ops


def _train(src: Source, config: SeleneMap, lr: float | None, test: bool) -> _Run:
    defaults: list[dict[str, Any]] = [{"override /data": None}, {"override /model": None}]
    net = net_config(src, config["model"])
    if "lr" in config:
        lr = config["lr"]
    elif lr is None:
        src.note(config, None, "lr", "is missing (Selene's notebooks pass lr=0.01): give "
                 "model.optimizer.lr=LR on the command line")  # fmt: skip
    exp: dict[str, Any] = {"defaults": defaults, "test": test}
    exp["data"] = data_config(src, config["sampler"], for_training=True)
    exp["model"] = lit_module_config(net, "???" if lr is None else lr)
    _window_from_data(net, exp["data"])
    # Selene keeps the checkpoint of the lowest validation loss as best_model.pth.tar
    exp["callbacks"] = {"model_checkpoint": {"monitor": "val/loss", "mode": "min"}}
    apply_train_model(src, config["train_model"], exp, defaults)
    if "evaluate_on_test" in config:  # Selene 0.1
        exp["test"] = bool(config["evaluate_on_test"])
    return _Run("train", "train", exp, ["model.optimizer.lr=LR"] if lr is None else [])


def _window_from_data(net: dict[str, Any], data: dict[str, Any]) -> None:
    """Let ``class_args.sequence_length`` follow ``data.sequence_length`` when they agree."""
    args = net["class_args"]
    if "sequence_length" in data and args.get("sequence_length") == data["sequence_length"]:
        args["sequence_length"] = "${data.sequence_length}"


def _evaluate(src: Source, config: SeleneMap) -> dict[str, Any]:
    exp: dict[str, Any] = {"defaults": [{"override /data": None}]}
    exp["data"] = data_config(src, config["sampler"], for_training=False)
    apply_evaluate_model(src, config["evaluate_model"], exp)
    min_positives = exp.pop("_min_positives", 10)
    if str(exp.get("ckpt_path")).endswith(".ckpt"):
        if "model" in config:
            src.note(config, "model", "model", "dropped: selene.evaluate rebuilds the model "
                     "from the .ckpt")  # fmt: skip
    elif "model" in config:  # Selene SDK weights: the model file's net and criterion()
        model = lit_module_config(net_config(src, config["model"]), None)
        exp["model"] = model | {"optimizer": None, "lr_scheduler": None}
        exp["model"]["min_positives"] = min_positives
    return exp


def _data_only(src: Source, config: SeleneMap) -> dict[str, Any]:
    exp: dict[str, Any] = {"defaults": [{"override /data": None}]}
    exp["data"] = data_config(src, config["sampler"], for_training=True)
    if "batch_size" in config:
        exp["data"]["batch_size"] = config["batch_size"]
    return exp


def _analyze(src: Source, config: SeleneMap) -> list[_Run]:
    net = net_config(src, config["model"]) if "model" in config else None
    base = analyzer_config(src, config["analyze_sequences"], net)
    found = analyses(src, config, base)
    if not found:
        raise src.error(
            config,
            "ops",
            "ops",
            "has analyze, but the file has no prediction, in_silico_mutagenesis or "
            "variant_effect_prediction section",
            "add the analysis to run",
        )
    runs = []
    for analysis in found:
        exp: dict[str, Any] = {"defaults": [{"override /analysis": analysis.option}]}
        exp |= OmegaConf.to_container(OmegaConf.create(base))  # a deep copy per run
        exp["analysis"] = analysis.keys
        extra = ["-m"] if analysis.sweep else []
        extra += [f"{key}={','.join(values)}" for key, values in analysis.sweep.items()]
        if exp.get("ckpt_path") == "???":
            extra.append("ckpt_path=PATH")
        fastas = [analysis.fasta] if analysis.fasta is not None else []
        runs.append(_Run("predict", analysis.option, exp, extra, fastas))
    return runs
