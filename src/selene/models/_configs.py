"""The Hydra configs of a module's parts: kept in checkpoints, so a module rebuilds alone."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

_PRIMITIVES = (int, float, str, bool, type(None))


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
