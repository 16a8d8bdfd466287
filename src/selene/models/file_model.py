"""Selene model files: an architecture, and optionally its loss and optimizer, from a ``.py`` file.

A Selene SDK config names its model as ``model: {path, class, class_args}``; the file may also
define, at module level, ``criterion()`` (the loss) and ``get_optimizer(lr)`` returning
``(optimizer class, kwargs)``. :func:`file_model`, :func:`file_criterion` and
:func:`file_optimizer` honour all three as the Selene SDK does, and log what each took from the
file. A file is imported once per content (a changed file is imported again); importing runs
its code, so a file is only imported when a config or a caller names it, never because a
checkpoint does on its own (see :func:`selene.models.load_checkpoint`).

Hydra config (``conf/model/file.yaml``)::

    net:
      _target_: selene.models.file_model
      path: /abs/path/to/deeperdeepsea.py
      class_name: DeeperDeepSEA
      class_args: {sequence_length: 1000, n_targets: 919}
    loss: file                          # the file's criterion()
    optimizer:                          # the file's get_optimizer(lr)
      _target_: selene.models.file_optimizer
      _partial_: true
      path: /abs/path/to/deeperdeepsea.py
      lr: 0.01
"""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from torch import nn

from selene.models._file_import import import_file, no_class, require_class, source_of
from selene.utils.warnings import SeleneWarning

__all__ = [
    "FILE_CONFIG",
    "file_criterion",
    "file_defines",
    "file_model",
    "file_optimizer",
    "model_file_config",
]

log = logging.getLogger(__name__)

#: The ``_target_`` of a net built from a model file.
FILE_CONFIG = "selene.models.file_model"
# the config that rebuilds a net built by file_model, kept on the net under this attribute
_CONFIG_ATTR = "_selene_file_config"


def file_model(
    path: str | Path,
    class_name: str,
    class_args: Mapping[str, Any] | None = None,
    non_strand_specific: str | None = None,
    sha256: str | None = None,
) -> nn.Module:
    """Build the architecture ``class_name`` defined in the model file ``path``.

    Parameters
    ----------
    path : str or Path
        A ``.py`` file, or a package directory (with ``__init__.py``), as the Selene SDK's
        ``model.path``; it is imported as a module (its code runs).
    class_name : str
        A ``torch.nn.Module`` subclass the file defines (Selene's ``model.class``).
    class_args : Mapping, optional
        Keyword arguments of the class (Selene's ``model.class_args``).
    non_strand_specific : {"mean", "max"}, optional
        Wrap the net in :class:`selene.models.NonStrandSpecific` (Selene's
        ``model.non_strand_specific``). A net ending in ``nn.Sigmoid`` gets ``link="identity"``
        (probabilities are averaged, as Selene does).
    sha256 : str, optional
        The file's SHA-256 when the net was trained (checkpoints record it): a file changed
        since then is warned about.

    Returns
    -------
    torch.nn.Module
        The net; it records the config that rebuilds it (kept in checkpoints), and
        ``class_args.sequence_length`` as its ``sequence_length`` where the class keeps none
        (predict then needs no window of its own).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file does not define ``class_name``, or ``non_strand_specific`` is not
        ``mean`` / ``max``.
    TypeError
        If ``class_args`` is not a mapping, does not fit the class's signature, or the class is
        not a ``torch.nn.Module``.
    ImportError
        If importing the file fails (the message names the file and the error).
    """
    if non_strand_specific not in (None, "mean", "max"):
        raise ValueError(
            f"non_strand_specific must be 'mean', 'max' or null, got {non_strand_specific!r} "
            f"(model file {path})"
        )
    if class_args is not None and not isinstance(class_args, Mapping):
        raise TypeError(
            f"class_args for {class_name} in {path} must be a mapping of argument names to "
            f"values, got {type(class_args).__name__} {class_args!r}"
        )
    source = source_of(path)
    require_class(source, class_name)
    module, digest = import_file(source)
    if sha256 is not None and sha256 != digest:
        warnings.warn(
            f"model file {source} changed since the net was trained (SHA-256 {digest[:12]}... "
            f"vs {sha256[:12]}... recorded): if the weights do not fit, restore the file",
            SeleneWarning,
            stacklevel=2,
        )
    cls = getattr(module, class_name, None)
    if cls is None:  # bound only inside a function or class, or deleted
        no_class(source, class_name)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(
            f"{class_name} in model file {source} is a {type(cls).__name__}, not a "
            "torch.nn.Module subclass; set class_name to the architecture's class"
        )
    # plain values, as the Selene SDK passes them (Hydra gives DictConfig / ListConfig)
    args = dict(
        OmegaConf.to_container(class_args, resolve=True)  # type: ignore[arg-type]
        if isinstance(class_args, DictConfig)
        else class_args or {}
    )
    try:
        inspect.signature(cls).bind(**args)
    except TypeError as err:
        raise TypeError(
            f"class_args {args} do not fit {class_name}{inspect.signature(cls)} in model file "
            f"{source}: {err}; fix model.net.class_args"
        ) from err
    net = cls(**args)
    log.info("model file %s: built %s(%s)", source, class_name, _kwargs(args))
    _record_window(net, args)
    if non_strand_specific is not None:
        from selene.models.probability import ends_in_sigmoid
        from selene.models.strand import NonStrandSpecific

        link = "identity" if ends_in_sigmoid(net) else "logit"
        net = NonStrandSpecific(net, mode=non_strand_specific, link=link)
        log.info("model file %s: %s wrapped in NonStrandSpecific(mode=%r)", source, class_name,
                 non_strand_specific)  # fmt: skip
    config = {
        "_target_": FILE_CONFIG,
        "path": str(source),
        "class_name": class_name,
        "class_args": args,
        "non_strand_specific": non_strand_specific,
        "sha256": digest,
    }
    setattr(net, _CONFIG_ATTR, config)
    return net


def _record_window(net: nn.Module, args: Mapping[str, Any]) -> None:
    """Give ``net`` the window ``class_args.sequence_length`` if its class does not keep it.

    Predict, evaluate and the strand and multi-model wrappers read a net's window from its
    ``sequence_length`` attribute; Selene's model classes (e.g. the tutorial's DeeperDeepSEA)
    take the argument without keeping it. A checkpoint rebuilds the net from the same
    ``class_args``, so the window comes back with it.
    """
    length = args.get("sequence_length")
    if isinstance(length, int) and not isinstance(length, bool) and length > 0:
        if getattr(net, "sequence_length", None) is None:
            net.sequence_length = length


def model_file_config(net: nn.Module) -> dict[str, Any] | None:
    """Return the config that rebuilds ``net`` if :func:`file_model` built it, else None."""
    config = getattr(net, _CONFIG_ATTR, None)
    return dict(config) if isinstance(config, dict) else None


def file_criterion(path: str | Path) -> nn.Module:
    """Return the loss the model file's module-level ``criterion()`` builds.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file defines no ``criterion()``.
    TypeError
        If ``criterion()`` does not return a callable loss.
    """
    source = source_of(path)
    criterion = _function(source, "criterion", "loss=file takes the loss from it")()
    if not callable(criterion):
        raise TypeError(
            f"criterion() in model file {source} returned a {type(criterion).__name__}, not a "
            "loss (e.g. torch.nn.BCELoss())"
        )
    log.info("model file %s: loss %s (its criterion())", source, criterion)
    return criterion


def file_optimizer(params: Iterable[Any], path: str | Path, lr: float) -> torch.optim.Optimizer:
    """Build the optimizer the model file's ``get_optimizer(lr)`` names, as the Selene SDK does.

    Parameters
    ----------
    params : iterable
        The parameters to optimise.
    path : str or Path
        The model file; its ``get_optimizer(lr)`` returns ``(optimizer class, kwargs)``.
    lr : float
        The learning rate passed to ``get_optimizer`` (Selene's ``train_model.lr``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file defines no ``get_optimizer``.
    TypeError
        If it does not return an optimizer class and a mapping of its arguments.
    """
    source = source_of(path)
    returned = _function(source, "get_optimizer", "the optimizer is taken from it")(lr)
    ok = isinstance(returned, tuple | list) and len(returned) == 2
    if not ok or not (isinstance(returned[0], type) and isinstance(returned[1], Mapping)):
        raise TypeError(
            f"get_optimizer({lr}) in model file {source} returned {returned!r}; it must return "
            "(optimizer class, kwargs), e.g. (torch.optim.SGD, {'lr': lr, 'momentum': 0.9})"
        )
    cls, kwargs = returned[0], dict(returned[1])
    log.info("model file %s: optimizer %s(%s) (its get_optimizer(lr=%s))", source,
             cls.__name__, _kwargs(kwargs), lr)  # fmt: skip
    return cls(params, **kwargs)


def file_defines(path: str | Path, name: str) -> bool:
    """Whether the model file defines ``name`` at module level (it is imported if needed)."""
    module, _ = import_file(source_of(path))
    return callable(getattr(module, name, None))


def _function(source: Path, name: str, why: str) -> Any:
    module, _ = import_file(source)
    function = getattr(module, name, None)
    if not callable(function):
        raise ValueError(
            f"model file {source} defines no {name}() ({why}); add it, or pick a built-in "
            + ("loss (model.loss=bce)" if name == "criterion" else "optimizer (model.optimizer)")
        )
    return function


def _kwargs(kwargs: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
