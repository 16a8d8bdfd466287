"""The losses ``SequenceLitModule`` trains with, and what each says the net's outputs are.

The built-in losses go by name (``bce``, ``mse``, ``poisson``, ``bpnet``). ``loss="file"``
uses the ``criterion()`` of the model file the net was built from
(:func:`selene.models.file_model`); ``loss="bce"`` splits a trailing ``nn.Sigmoid`` off. A
model file's ``criterion()`` or ``get_optimizer(lr)`` that the config does not use is warned
about when training starts: the Selene SDK always honours them, so a Selene user expects them.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from selene.models._track_step import track_prediction
from selene.models.file_model import (
    FILE_CONFIG,
    file_criterion,
    file_defines,
    file_optimizer,
    model_file_config,
)
from selene.models.probability import criterion_outputs, split_sigmoid
from selene.utils.warnings import SeleneWarning

__all__ = ["BEST", "LOSS_NAMES", "TARGET_RANGES", "Loss", "check_file_parts", "choose_loss"]

log = logging.getLogger(__name__)

_FILE_OPTIMIZER = ("selene.models.file_optimizer", "selene.models.file_model.file_optimizer")
_BUILT_IN: dict[str, tuple[Callable[[], nn.Module], str]] = {  # loss, what predict applies
    "bce": (nn.BCEWithLogitsLoss, "sigmoid"),
    "mse": (nn.MSELoss, "identity"),
    "poisson": (lambda: nn.PoissonNLLLoss(log_input=True), "exp"),
    "bpnet": (nn.Identity, "bpnet"),  # tracks only
}
_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
    "exp": torch.exp,
    "bpnet": lambda x: track_prediction("bpnet", x),
}
#: Every ``loss`` ``SequenceLitModule`` takes.
LOSS_NAMES = (*_BUILT_IN, "file")
#: Targets each kind of loss can take, checked by the DataModule as it reads them.
TARGET_RANGES = {
    "bce": (
        0.0,
        1.0,
        "loss='bce' takes binary targets (or probabilities); binarise them, or "
        "train on quantitative targets with model.loss=mse or poisson",
    ),
    "poisson": (0.0, float("inf"), "loss='poisson' takes counts (>= 0)"),
    "bpnet": (0.0, float("inf"), "loss='bpnet' takes counts (>= 0)"),
}
#: The validation score whose best value is tracked (``val/auroc_best``), by kind of loss.
BEST = {"bce": "auroc", "mse": "pearson", "poisson": "pearson", "bpnet": "pearson"}


class Loss(NamedTuple):
    """A loss and what it says the net's outputs are."""

    criterion: Any
    #: what predict applies to the outputs: ``sigmoid``, ``identity``, ``exp`` or ``bpnet``
    output: str
    #: how targets are checked and scored: a built-in loss name (``bce``: binary features)
    kind: str
    activation: Callable[[Tensor], Tensor]
    #: what took the place of a trailing sigmoid split off the net (``bce``), else None
    split: nn.Module | None = None


def choose_loss(loss: str, net: nn.Module, net_config: Mapping[str, Any] | None) -> Loss:
    """Return the loss named ``loss`` for ``net`` (built from ``net_config``).

    ``bce`` splits a trailing ``nn.Sigmoid`` off ``net`` (in place, logged); ``file`` takes
    the model file's ``criterion()``.

    Raises
    ------
    ValueError
        If ``loss`` is ``file`` and the net was not built from a model file.
    """
    split = None
    if loss == "file":
        criterion, output, binary = _file_loss(net, net_config)
        kind = "bce" if binary else "mse"
    else:
        factory, output = _BUILT_IN[loss]
        criterion, kind = factory(), loss
        if loss == "bce":
            split = _split_for_bce(net)
    return Loss(criterion, output, kind, _ACTIVATIONS[output], split)


def _file_loss(net: nn.Module, net_config: Mapping[str, Any] | None) -> tuple[Any, str, bool]:
    """Return the model file's criterion, the activation predict applies, and if it is binary.

    Raises
    ------
    ValueError
        If the net was not built from a model file.
    """
    config = net_config if isinstance(net_config, Mapping) else {}
    if config.get("_target_") != FILE_CONFIG or "path" not in config:
        raise ValueError(
            f"loss='file' takes the criterion() of a model file, but the net "
            f"({type(net).__name__}) was not built from one: build it with "
            f"_target_: {FILE_CONFIG} (path, class_name, class_args), or pick a built-in "
            "loss (bce, mse, poisson)"
        )
    criterion = file_criterion(config["path"])
    activation, binary = criterion_outputs(criterion, net)
    log.info(
        "loss=file: %s on the outputs of %s as they are (%s features; predictions: %s)",
        type(criterion).__name__,
        config.get("class_name", type(net).__name__),
        "binary" if binary else "quantitative",
        "the outputs" if activation == "identity" else f"{activation} of the outputs",
    )
    return criterion, activation, binary


def _split_for_bce(net: nn.Module) -> nn.Module | None:
    """Split a trailing ``nn.Sigmoid`` off ``net`` (in place) for ``BCEWithLogitsLoss``."""
    split = split_sigmoid(net)
    if split is not None:
        log.info(
            "%s ends in nn.Sigmoid: split off for loss='bce', which takes logits "
            "(BCEWithLogitsLoss, numerically stable); predictions apply the sigmoid",
            type(net).__name__,
        )
    return split


def check_file_parts(net: nn.Module, loss: str, optimizer: Any) -> None:
    """Warn about a model file's ``criterion()`` / ``get_optimizer(lr)`` the config leaves out."""
    config = model_file_config(net)
    if config is None:
        return
    path = config["path"]
    if loss != "file" and file_defines(path, "criterion"):
        warnings.warn(
            f"model file {path} defines criterion(), which the Selene SDK trains with, but "
            f"model.loss={loss!r} is used instead; set model.loss=file to use it",
            SeleneWarning,
            stacklevel=3,
        )
    if optimizer is not None and not _is_file_optimizer(optimizer):
        if file_defines(path, "get_optimizer"):
            warnings.warn(
                f"model file {path} defines get_optimizer(lr), which the Selene SDK trains "
                "with, but the config's model.optimizer is used instead; set "
                f"model.optimizer._target_=selene.models.file_optimizer (with path={path} "
                "and lr) to use it",
                SeleneWarning,
                stacklevel=3,
            )


def _is_file_optimizer(optimizer: Any) -> bool:
    if isinstance(optimizer, Mapping):
        return optimizer.get("_target_") in _FILE_OPTIMIZER
    if isinstance(optimizer, functools.partial):
        return optimizer.func is file_optimizer
    return optimizer is file_optimizer
