"""Where the Hydra configs live, and the small config helpers the apps share."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

from hydra.utils import get_object
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from selene.utils.checks import annotations_of, example_value, expected_type

__all__ = ["check_config_types", "config_dir", "fit_net_to_data", "wrap_strands"]

#: Constructor arguments that give an architecture's number of outputs.
N_TARGET_KEYS = ("n_targets", "n_genomic_features", "n_tracks", "n_outputs")

#: Types of the apps' own top-level keys (the others are checked against their ``_target_``).
TOP_LEVEL_TYPES: dict[str, Any] = {"seed": int | None, "test": bool, "ckpt_path": str | None}


def config_dir() -> Path:
    """Return the directory that holds ``train.yaml`` (the ``conf/`` tree).

    Looked up in order: ``$SELENE_CONFIG_DIR``; ``conf/`` inside the installed package (the
    wheel ships it there); ``conf/`` at the root of a source checkout (editable installs).

    Raises
    ------
    FileNotFoundError
        If none of them holds ``train.yaml``.
    """
    package = Path(__file__).resolve().parents[1]
    candidates = [package / "conf", package.parents[1] / "conf"]
    if os.environ.get("SELENE_CONFIG_DIR"):
        candidates.insert(0, Path(os.environ["SELENE_CONFIG_DIR"]))
    for candidate in candidates:
        if (candidate / "train.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"no selene config directory (conf/ with train.yaml) in {[str(c) for c in candidates]}; "
        "reinstall selene or set SELENE_CONFIG_DIR"
    )


def check_config_types(cfg: DictConfig) -> None:
    """Check a composed config's values against the types their code declares, before any work.

    Top-level keys follow :data:`TOP_LEVEL_TYPES`; a key of a node with a ``_target_`` follows
    the annotation of that parameter in the target's signature (simple types only, see
    :mod:`selene.utils.checks`). Interpolations, missing values and nulls are skipped: the keys
    interpolations point to are checked where they live, and nulls are often filled in later.

    Raises
    ------
    TypeError
        Naming the key, the value and the expected type, e.g. for ``trainer.max_steps=ten``.
    """
    for key, annotation in TOP_LEVEL_TYPES.items():
        if key in cfg and _plain_value(cfg, key):
            _check_value(key, cfg[key], annotation, "")
    for key in cfg:
        if key != "hydra" and _plain_value(cfg, key):
            _check_node(cfg[key], str(key))


def _check_node(node: Any, where: str) -> None:
    if isinstance(node, ListConfig):
        for i in range(len(node)):
            if _plain_value(node, i):
                _check_node(node[i], f"{where}[{i}]")
        return
    if not isinstance(node, DictConfig):
        return
    has_target = "_target_" in node and _plain_value(node, "_target_")
    target = node.get("_target_") if has_target else None
    annotations, owner = {}, ""
    if isinstance(target, str):
        try:
            annotations, owner = annotations_of(get_object(target)), target.rsplit(".", 1)[-1]
        except (ImportError, AttributeError, ValueError):  # Hydra reports unknown targets
            annotations = {}
    for key in node:
        if str(key).startswith("_") or not _plain_value(node, key):
            continue
        value = node[key]
        if isinstance(value, DictConfig | ListConfig):
            _check_node(value, f"{where}.{key}")
        elif key in annotations and value is not None:  # null: "set by the code", often
            _check_value(f"{where}.{key}", value, annotations[key], owner)


def _plain_value(node: DictConfig | ListConfig, key: Any) -> bool:
    """Return False for ``???`` and ``${...}`` (checked where the interpolation points)."""
    return not (OmegaConf.is_missing(node, key) or OmegaConf.is_interpolation(node, key))


def _check_value(key: str, value: Any, annotation: Any, owner: str) -> None:
    expected = expected_type(value, annotation)
    if expected is None:
        return
    takes = f"{owner} takes {key.rsplit('.', 1)[-1]} as" if owner else "expected"
    raise TypeError(
        f"config key {key}={value!r} is a {type(value).__name__}: {takes} {expected}; "
        f"fix the value (e.g. {key}={example_value(annotation)})"
    )


def fit_net_to_data(
    net: DictConfig,
    n_features: int,
    sequence_length: int | None,
    where: str = "model.net",
    loss: str | None = None,
) -> None:
    """Give a net config the data's number of features and window length, or check them.

    Missing values (``???``) of the keys in ``N_TARGET_KEYS`` and ``sequence_length``
    are filled in, also in nested configs (e.g. the model inside ``NonStrandSpecific``).
    A ``non_strand_specific: mean|max`` key first wraps the net (see :func:`wrap_strands`).

    Raises
    ------
    ValueError
        If a value is set and differs from the data's, or if the config has no feature count;
        or as :func:`wrap_strands`.
    """
    wrap_strands(net, where, loss)
    wanted = dict.fromkeys(N_TARGET_KEYS, n_features)
    if sequence_length is not None:
        wanted["sequence_length"] = sequence_length
    found = _fill(net, wanted, where)
    # a model file's class may fix its own output count: Selene passes it class_args only
    if not found & set(N_TARGET_KEYS) and net.get("_target_") != "selene.models.file_model":
        raise ValueError(
            f"{where} ({net.get('_target_')}) has none of {list(N_TARGET_KEYS)}: cannot give it "
            f"the data's {n_features} features"
        )


def _fill(net: Any, wanted: dict[str, int], where: str) -> set[str]:
    if not isinstance(net, DictConfig):
        return set()
    found = set()
    for key in list(net):
        if key in wanted:
            found.add(key)
            if OmegaConf.is_missing(net, key):
                with open_dict(net):
                    net[key] = wanted[key]
            elif net[key] != wanted[key]:
                what = "windows of" if key == "sequence_length" else "features:"
                raise ValueError(
                    f"{where}.{key}={net[key]} but the data has {what} {wanted[key]}; drop the "
                    "override (it is set from the data) or change the data"
                )
        elif not OmegaConf.is_missing(net, key):
            found |= _fill(net[key], wanted, f"{where}.{key}")
    return found


def wrap_strands(net: DictConfig, where: str = "model.net", loss: str | None = None) -> None:
    """Turn a net config's ``non_strand_specific`` key into a ``NonStrandSpecific`` wrapper.

    Selene's ``model.non_strand_specific: mean`` (or ``max``) becomes, in place,
    ``{_target_: selene.models.NonStrandSpecific, mode: mean, model: <the net without the
    key>}``: the net sees each window and its reverse complement, and the two predicted
    probabilities are averaged (or their maximum taken). A null key is dropped. A net whose
    constructor takes ``non_strand_specific`` itself (``selene.models.file_model``) is left
    to do it.

    Parameters
    ----------
    net : DictConfig
        The net config (changed in place).
    where : str
        Its config path, for messages.
    loss : str, optional
        The module's loss: the wrapper averages probabilities of binary features, so only
        ``bce`` (or None: not known here) is accepted.

    Raises
    ------
    ValueError
        If the value is not ``mean``, ``max`` or null, or the loss is not ``bce``.
    """
    if "non_strand_specific" not in net or _takes(net.get("_target_"), "non_strand_specific"):
        return
    mode = net.non_strand_specific
    with open_dict(net):
        del net["non_strand_specific"]
    if mode is None:
        return
    if mode not in ("mean", "max"):
        raise ValueError(
            f"{where}.non_strand_specific={mode!r}: use mean (average the two strands' "
            "probabilities), max, or null (one strand, as the data gives it)"
        )
    if loss not in (None, "bce"):
        raise ValueError(
            f"{where}.non_strand_specific={mode} averages probabilities of binary features, "
            f"but model.loss={loss}; for values, wrap the net yourself in an experiment file: "
            "{_target_: selene.models.NonStrandSpecific, link: identity, model: {...}}"
        )
    inner = OmegaConf.create(OmegaConf.to_container(net, resolve=False))  # keeps ??? values
    with open_dict(net):
        for key in list(net):
            del net[key]
        net["_target_"] = "selene.models.NonStrandSpecific"
        net["mode"] = mode
        net["model"] = inner


def _takes(target: Any, name: str) -> bool:
    """Return whether the callable named ``target`` has a parameter ``name``."""
    try:
        return name in inspect.signature(get_object(str(target))).parameters
    except (ImportError, AttributeError, ValueError, TypeError):
        return False
