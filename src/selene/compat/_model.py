"""Selene's ``model`` section (a model file) -> a ``selene.models.file_model`` net config.

Selene builds the net from ``model.path``'s class with ``class_args``, wraps it in
``NonStrandSpecific`` when ``non_strand_specific`` is ``mean`` or ``max``, and trains it with the
file's module-level ``criterion()`` and ``get_optimizer(lr)``. ``selene.models.file_model``,
``loss: file`` and ``selene.models.file_optimizer`` do the same here. Selene 0.1's layout
(``file``, ``class``, ``sequence_length``, ``n_classes_to_predict``, ``non_strand_specific:
{use_module, mode}``), whose class took the two numbers positionally, is read too.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from selene.compat._source import Source
from selene.compat._yaml import Obj, SeleneMap

__all__ = ["lit_module_config", "net_config"]

_KEYS = {"path", "class", "class_args", "non_strand_specific"}
_OLD_KEYS = {"file", "class", "sequence_length", "n_classes_to_predict", "non_strand_specific"}
#: Selene's default scheduler in TrainModel: ReduceLROnPlateau('min', patience=16, factor=0.8)
SELENE_SCHEDULER = {
    "_target_": "torch.optim.lr_scheduler.ReduceLROnPlateau",
    "_partial_": True,
    "mode": "min",
    "factor": 0.8,
    "patience": 16,
}


def net_config(src: Source, model: Any) -> dict[str, Any]:
    """Return the ``file_model`` config of Selene's ``model`` section.

    Raises
    ------
    ValueError
        Naming the key, for a section that is not a mapping, a missing ``path`` or ``class``,
        an unknown key, ``class_args`` that is not a mapping or a ``non_strand_specific`` that
        is neither ``mean`` nor ``max``.
    """
    if isinstance(model, Obj) or not isinstance(model, SeleneMap):
        raise src.error(
            model if isinstance(model, Obj) else None,
            None,
            "model",
            "must be a mapping {path, class, class_args, non_strand_specific}",
            "write it as Selene documents it (config_examples/train.yml)",
        )
    old = "file" in model
    known = _OLD_KEYS if old else _KEYS
    for key in model:
        if key not in known:
            raise src.error(
                model,
                key,
                f"model.{key}",
                f"is not a key of Selene's model section (known: {sorted(known)})",
                "remove it, or pass it to the class in model.class_args",
            )
    path_key = "file" if old else "path"
    for key in (path_key, "class"):
        if not isinstance(model.get(key), str) or not model[key]:
            raise src.error(
                model,
                key,
                f"model.{key}",
                "is required (a string)",
                "give the model file's path and the name of its class",
            )
    net: dict[str, Any] = {
        "_target_": "selene.models.file_model",
        "path": model[path_key],
        "class_name": model["class"],
        "class_args": _old_class_args(src, model) if old else _class_args(src, model),
    }
    mode = _strand_mode(src, model)
    if mode is not None:
        net["non_strand_specific"] = mode
    return net


def lit_module_config(net: dict[str, Any], lr: Any) -> dict[str, Any]:
    """Return a ``model`` group config: the file's net, its ``criterion()`` and optimizer."""
    return {
        "_target_": "selene.models.SequenceLitModule",
        "_recursive_": False,
        "net": net,
        "loss": "file",  # the model file's criterion(), as Selene
        "optimizer": {  # the model file's get_optimizer(lr): its class and kwargs
            "_target_": "selene.models.file_optimizer",
            "_partial_": True,
            "path": "${..net.path}",  # one key to change: model.net.path
            "lr": lr,
        },
        "lr_scheduler": dict(SELENE_SCHEDULER),
        "min_positives": 10,  # Selene's report_gt_feature_n_positives
        "train_metrics": True,
    }


def _class_args(src: Source, model: SeleneMap) -> dict[str, Any]:
    args = model.get("class_args", SeleneMap())
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise src.error(
            model,
            "class_args",
            "model.class_args",
            f"must be a mapping of the class's keyword arguments, got {args!r}",
            "write it as {name: value, ...}",
        )
    return dict(args)


def _old_class_args(src: Source, model: SeleneMap) -> dict[str, Any]:
    """Selene 0.1 called ``Class(sequence_length, n_classes_to_predict)``: name the two."""
    read = _init_params(Path(model["file"]), model["class"])
    names = read or ["sequence_length", "n_targets"]
    if len(names) < 2:
        raise src.error(
            model,
            "class",
            "model.class",
            f"{model['class']}.__init__ takes {names}, but Selene 0.1 passes two arguments "
            "(sequence_length, n_classes_to_predict)",
            "write the section as {path, class, class_args: {...}}",
        )
    src.note(
        model,
        "file",
        "model.file",
        f"(Selene 0.1's layout): class_args {{{names[0]}: sequence_length, {names[1]}: "
        "n_classes_to_predict}, "
        + ("named as in the class's __init__" if read else "names assumed (file not read)"),
    )
    return {
        names[0]: model.get("sequence_length", "???"),
        names[1]: model.get("n_classes_to_predict", "???"),
    }


def _init_params(path: Path, class_name: str) -> list[str] | None:
    """Return the parameters of ``class_name.__init__`` in ``path`` (read, not imported)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    return [a.arg for a in item.args.args[1:]]
    return None


def _strand_mode(src: Source, model: SeleneMap) -> str | None:
    value = model.get("non_strand_specific")
    if isinstance(value, dict):  # Selene 0.1: {use_module: bool, mode: mean|max}
        value = value.get("mode", "mean") if value.get("use_module") else None
    if value is None or value is False:
        return None
    if value not in ("mean", "max"):
        raise src.error(
            model,
            "non_strand_specific",
            "model.non_strand_specific",
            f"must be 'mean' or 'max', got {value!r}",
            "use mean (average the two strands' predictions) or max, or remove the key",
        )
    return value
