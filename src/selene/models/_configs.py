"""The Hydra configs of a module's parts: kept in checkpoints, so a module rebuilds alone."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hydra.utils import get_object, instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

_PRIMITIVES = (int, float, str, bool, type(None))
_FILE_MODEL = ("selene.models.file_model", "selene.models.file_model.file_model")

log = logging.getLogger(__name__)


def plain(config: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    """Return a plain, resolved dict (loadable with ``torch.load(weights_only=True)``)."""
    if isinstance(config, DictConfig):
        return OmegaConf.to_container(config, resolve=True)  # type: ignore[return-value]
    return OmegaConf.to_container(OmegaConf.create(dict(config)), resolve=True)  # type: ignore


def build(factory: Callable[..., Any] | Mapping[str, Any]) -> Callable[..., Any]:
    """Instantiate a factory's Hydra config (``_partial_: true``); a callable passes through."""
    return instantiate(factory) if isinstance(factory, Mapping) else factory


def config_of(module: nn.Module) -> dict[str, Any] | None:
    """Return the Hydra config of ``module`` if every constructor argument is an attribute.

    A net built by :func:`selene.models.file_model` returns the config that built it.
    """
    from selene.models.file_model import model_file_config

    recorded = model_file_config(module)
    if recorded is not None:
        return recorded
    cls = type(module)
    config: dict[str, Any] = {"_target_": f"{cls.__module__}.{cls.__qualname__}"}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or not hasattr(module, name):
            return None
        value = getattr(module, name)
        if isinstance(value, nn.Module):
            value = config_of(value)
            if value is None:
                return None
        elif isinstance(value, tuple | list) and all(isinstance(v, _PRIMITIVES) for v in value):
            value = list(value)
        elif not isinstance(value, _PRIMITIVES):
            return None
        config[name] = value
    return config


def check_net_config(config: Any, checkpoint: str | Path) -> None:
    """Raise unless a checkpoint's net config builds only nets, before anything is built.

    A checkpoint is data: its config may name ``torch.nn.Module`` classes (their modules are
    imported, as installed code), and :func:`selene.models.file_model` with a model file that
    exists; that file is imported (its code runs, as when the net was trained), which is logged.
    Anything else (e.g. a function that would run a command) is refused.

    Raises
    ------
    ValueError
        If a ``_target_`` is neither a ``torch.nn.Module`` class nor ``file_model``.
    FileNotFoundError
        If the model file is not there.
    """
    if isinstance(config, list | tuple):
        for item in config:
            check_net_config(item, checkpoint)
        return
    if not isinstance(config, Mapping):
        return
    name = Path(checkpoint).name
    target = config.get("_target_")
    if target in _FILE_MODEL:
        source = Path(str(config.get("path"))).expanduser()
        if not source.exists():
            raise FileNotFoundError(
                f"{name} holds a net built from the model file {source}, which is not there: "
                "put the file back, or pass net=selene.models.file_model(<its path>, "
                f"{config.get('class_name')!r}, <class_args>)"
            )
        log.info(
            "%s: rebuilding its net %s from the model file %s, which is imported (its code "
            "runs); pass net= to build the net yourself",
            name,
            config.get("class_name"),
            source,
        )
    elif target is not None:
        try:
            found = get_object(str(target))
        except ImportError as err:
            raise ValueError(
                f"{name} names the net {target!r}, which cannot be imported; install the "
                f"package that defines it, or pass net= ({err})"
            ) from err
        if not (isinstance(found, type) and issubclass(found, nn.Module)):
            raise ValueError(
                f"refused to build the net of {name}: its config names {target!r}, which is "
                "not a torch.nn.Module class (a checkpoint's net may name only nn.Module "
                "classes, or selene.models.file_model); pass net= to build it yourself"
            )
    for key, value in config.items():
        if key != "_target_":
            check_net_config(value, checkpoint)
