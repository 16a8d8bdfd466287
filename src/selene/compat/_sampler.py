"""Selene's ``sampler: !obj:...`` -> a ``data`` config (our samplers keep Selene's names and keys).

Online samplers (``IntervalsSampler``, ``RandomPositionsSampler``) and ``MultiFileSampler``
(Selene 0.5's ``MultiSampler``) with ``BedFileSampler`` / ``MatFileSampler`` map key for key;
``Genome`` / ``Proteome`` / ``GenomicFeatures`` objects become ``_target_`` configs and
``load_features_list`` its file. A lone file sampler (Selene's evaluate configs) is served as
the test set of a ``MultiFileSampler``. Keys are checked against our classes' signatures.
"""

from __future__ import annotations

import inspect
from typing import Any

from selene.compat._source import Source
from selene.compat._yaml import Import, Obj, SeleneMap

__all__ = ["data_config", "value_config"]

_ONLINE = {"IntervalsSampler", "RandomPositionsSampler"}
_MULTI = {"MultiFileSampler", "MultiSampler"}
_FILE = {"BedFileSampler", "MatFileSampler"}
_OBJECTS = {
    "Genome": "selene.sequences.Genome",
    "Proteome": "selene.sequences.Proteome",
    "GenomicFeatures": "selene.targets.GenomicFeatures",
}
_FEATURE_LISTS = {"load_features_list", "load_feature_list"}
# Selene 0.1's IntervalsSampler spelled some keys differently
_RENAMED = {
    "genome": "reference_sequence",
    "genomic_features": "target_path",
    "distinct_features": "features",
    "sample_from_regions": "intervals_path",
    "random_seed": "seed",
}


def _signature(target: str) -> set[str]:
    module, name = target.rsplit(".", 1)
    cls = getattr(__import__(module, fromlist=[name]), name)
    params = inspect.signature(cls.__init__).parameters
    return {p for p in params if p != "self" and params[p].kind is not params[p].VAR_KEYWORD}


def _online_keys(target: str) -> set[str]:
    keys = _signature(target)
    if target.endswith("IntervalsSampler"):  # passes the rest to OnlineSampler
        keys |= _signature("selene.samplers.online.OnlineSampler")
    return keys


def value_config(src: Source, value: Any, name: str) -> Any:
    """Return a Selene value as config: objects as ``_target_`` dicts, feature lists as files.

    Raises
    ------
    ValueError
        For an ``!obj:`` this module does not map, or an ``!import`` (a Python object).
    """
    if isinstance(value, Obj):
        if value.cls in _FEATURE_LISTS:
            path = value.args.get("input_path")
            if not isinstance(path, str):
                raise src.error(
                    value, None, f"{name}.input_path", "is required", "give the features file"
                )
            return path
        if value.cls in _OBJECTS:
            target = _OBJECTS[value.cls]
            config: dict[str, Any] = {"_target_": target}
            allowed = _signature(target)
            for key, arg in value.args.items():
                if key not in allowed:
                    raise src.error(
                        value.args,
                        key,
                        f"{name}.{key}",
                        f"is not an argument of {target} (it takes {sorted(allowed)})",
                        "remove it",
                    )
                config[key] = value_config(src, arg, f"{name}.{key}")
            return config
        raise src.error(
            value,
            None,
            name,
            f"is !obj:{value.name}, which the converter does not map",
            f"replace it by its value, or by a _target_ config of a selene class "
            f"(mapped objects: {sorted(_OBJECTS | dict.fromkeys(_FEATURE_LISTS))})",
        )
    if isinstance(value, Import):
        raise src.error(
            None, None, name, f"is !import {value.name} (line {value.line})", "give a value"
        )
    if isinstance(value, list):
        return [value_config(src, v, f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: value_config(src, v, f"{name}.{k}") for k, v in value.items()}
    return value


def data_config(src: Source, sampler: Any, for_training: bool) -> dict[str, Any]:
    """Return the ``data`` config of Selene's ``sampler``.

    Raises
    ------
    ValueError
        Naming the key: a sampler that is not an ``!obj:`` of a known class, a key our class
        does not take, or a lone file sampler for training (it needs train and validation sets).
    """
    if not isinstance(sampler, Obj):
        raise src.error(
            sampler if isinstance(sampler, SeleneMap) else None,
            None,
            "sampler",
            "is not an !obj:selene_sdk.samplers.<Class> {...} (a pre-release Selene layout?)",
            "write it as in Selene's config_examples/train.yml: "
            "sampler: !obj:selene_sdk.samplers.IntervalsSampler {...}",
        )
    if sampler.cls in _ONLINE:
        return _online(src, sampler)
    if sampler.cls in _MULTI:
        return _multi(src, sampler)
    if sampler.cls in _FILE:
        if for_training:
            raise src.error(
                sampler,
                None,
                "sampler",
                f"is a lone {sampler.cls}: training needs train and validation sets",
                "wrap them in !obj:selene_sdk.samplers.MultiFileSampler {train_sampler, "
                "validate_sampler, test_sampler}",
            )
        src.note(
            sampler,
            None,
            "sampler",
            f"({sampler.cls}) serves the test set of a MultiFileSampler (evaluate reads only it)",
        )
        test = _file_sampler(src, sampler, "sampler")
        return {
            "_target_": "selene.samplers.MultiFileSampler",
            "train_sampler": "${.test_sampler}",
            "validate_sampler": "${.test_sampler}",
            "test_sampler": test,
        }
    known = sorted(_ONLINE | _MULTI | _FILE)
    raise src.error(
        sampler,
        None,
        "sampler",
        f"is !obj:{sampler.name}, which the converter does not map (known: {known})",
        "use one of those samplers",
    )


def _online(src: Source, sampler: Obj) -> dict[str, Any]:
    target = f"selene.samplers.{sampler.cls}"
    allowed = _online_keys(target)
    config: dict[str, Any] = {"_target_": target}
    for key, value in sampler.args.items():
        name = f"sampler.{key}"
        if key in _RENAMED:
            src.note(sampler.args, key, name, f"(Selene 0.1's name) is {_RENAMED[key]}")
            key = _RENAMED[key]
        if key not in allowed:
            raise src.error(
                sampler.args,
                key,
                name,
                f"is not an argument of {target} (it takes {sorted(allowed)})",
                "remove it or rename it",
            )
        value = value_config(src, value, name)
        if key.endswith("_holdout") and isinstance(value, list):
            value = _chromosomes(src, sampler.args, key, value)
        config[key] = value
    if sampler.cls == "IntervalsSampler" and "sample_negative" not in config:
        config["sample_negative"] = False  # Selene's default (ours in conf/data differs)
    return config


def _chromosomes(src: Source, args: SeleneMap, key: str, value: list[Any]) -> list[Any]:
    if not any(isinstance(v, int) for v in value):
        return value
    named = [f"chr{v}" if isinstance(v, int) else v for v in value]
    src.note(args, key, f"sampler.{key}", f"{value} (Selene 0.1's numbers) is {named}")
    return named


def _multi(src: Source, sampler: Obj) -> dict[str, Any]:
    allowed = _signature("selene.samplers.MultiFileSampler")
    config: dict[str, Any] = {"_target_": "selene.samplers.MultiFileSampler"}
    if sampler.cls == "MultiSampler":
        src.note(sampler, None, "sampler", "(Selene 0.5's MultiSampler) is MultiFileSampler")
    for key, value in sampler.args.items():
        name = f"sampler.{key}"
        if key not in allowed:
            raise src.error(
                sampler.args,
                key,
                name,
                f"is not an argument of MultiFileSampler (it takes {sorted(allowed)})",
                "remove it",
            )
        if key.endswith("_sampler"):
            config[key] = _file_sampler(src, value, name)
        else:
            config[key] = value_config(src, value, name)
    for key in ("train_sampler", "validate_sampler"):
        if key not in config:
            raise src.error(
                sampler, None, f"sampler.{key}", "is required", "give the file sampler"
            )
    return config


def _file_sampler(src: Source, sampler: Any, name: str) -> dict[str, Any]:
    if not isinstance(sampler, Obj) or sampler.cls not in _FILE:
        raise src.error(
            sampler if isinstance(sampler, Obj) else None,
            None,
            name,
            "must be !obj:selene_sdk.samplers.file_samplers.BedFileSampler or MatFileSampler",
            "use one of those",
        )
    target = f"selene.samplers.{sampler.cls}"
    allowed = _signature(target)
    config: dict[str, Any] = {"_target_": target}
    for key, value in sampler.args.items():
        if key not in allowed:
            raise src.error(
                sampler.args,
                key,
                f"{name}.{key}",
                f"is not an argument of {target} (it takes {sorted(allowed)})",
                "remove it",
            )
        if key == "n_samples" and not isinstance(value, int):
            src.note(
                sampler.args,
                key,
                f"{name}.n_samples",
                f"{value!r} is not a number: left out (the sampler counts the file's rows)",
            )
            continue
        config[key] = value_config(src, value, f"{name}.{key}")
    return config
