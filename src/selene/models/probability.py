"""Nets that return probabilities (a trailing ``nn.Sigmoid``, as the Selene SDK's do).

Our architectures return logits; Selene's end in ``nn.Sigmoid``. Training and prediction share
the one test of which a net is (:func:`ends_in_sigmoid`): ``loss="bce"`` splits the sigmoid off
(:func:`split_sigmoid`, so that ``BCEWithLogitsLoss`` stays numerically stable) and predict reads
such a net's outputs as probabilities. A net whose outputs lie in [0, 1] with no trailing
sigmoid (e.g. ``torch.sigmoid`` in ``forward``) cannot be split: :func:`warn_if_probabilities`
says so.
"""

from __future__ import annotations

import logging
import warnings

import torch
from torch import Tensor, nn

from selene.utils.warnings import SeleneWarning

__all__ = ["criterion_outputs", "ends_in_sigmoid", "split_sigmoid", "warn_if_probabilities"]

log = logging.getLogger(__name__)

# fewer outputs than this prove nothing: logits may all fall in [0, 1] by chance
_MIN_PROBE = 32


def ends_in_sigmoid(net: nn.Module) -> bool:
    """Whether ``net``'s last module is an ``nn.Sigmoid`` (a Selene-style net: probabilities)."""
    return isinstance(list(net.modules())[-1], nn.Sigmoid)


def split_sigmoid(net: nn.Module) -> bool:
    """Replace ``net``'s trailing ``nn.Sigmoid`` by ``nn.Identity`` (in place), if it has one.

    The sigmoid has no weights, so state dicts are unchanged. A ``NonStrandSpecific`` wrapper
    that averaged probabilities (``link="identity"``) then averages them from the logits
    (``link="logit"``), which gives the same probabilities.

    Returns
    -------
    bool
        Whether a sigmoid was split off.
    """
    from selene.models.strand import NonStrandSpecific

    name = list(dict(net.named_modules()))[-1]
    if not name or not ends_in_sigmoid(net):
        return False
    parent_name, _, leaf = name.rpartition(".")
    setattr(net.get_submodule(parent_name), leaf, nn.Identity())
    for module in net.modules():
        if isinstance(module, NonStrandSpecific) and module.link == "identity":
            module.link = "logit"
    return True


def warn_if_probabilities(outputs: Tensor, where: str) -> bool:
    """Warn if ``outputs``, read as logits, all lie in [0, 1] (they look like probabilities).

    Parameters
    ----------
    outputs : Tensor
        A batch of a net's raw outputs; fewer than 32 values are not judged.
    where : str
        What the outputs are for, for the message (e.g. ``"training with loss='bce'"``).

    Returns
    -------
    bool
        Whether it warned.
    """
    if not isinstance(outputs, Tensor) or outputs.numel() < _MIN_PROBE:
        return False
    with torch.no_grad():
        looks = bool(((outputs >= 0) & (outputs <= 1)).all())
    if looks:
        warnings.warn(
            f"{where}: the net's outputs all lie in [0, 1], as probabilities do, but it has no "
            "trailing nn.Sigmoid, so they are read as logits and a sigmoid is applied again. If "
            "forward() ends in torch.sigmoid, make it an nn.Sigmoid module (selene then splits "
            "it off) or return logits; with a model file, model.loss=file trains on what the "
            "net returns",
            SeleneWarning,
            stacklevel=3,
        )
    return looks


def criterion_outputs(criterion: nn.Module, net: nn.Module) -> tuple[str, bool]:
    """Return what a net trained with ``criterion`` outputs: the activation, and if binary.

    ``BCEWithLogitsLoss``: logits (``sigmoid``), binary; ``BCELoss``: probabilities
    (``identity``), binary; ``PoissonNLLLoss``: log rates (``exp``) or rates; any other loss:
    the outputs as they are, binary if the net ends in ``nn.Sigmoid``.

    Returns
    -------
    tuple of (str, bool)
        ``"sigmoid"``, ``"identity"`` or ``"exp"``; whether the targets are binary features
        (scored by AUROC / AUPRC) rather than values (Pearson, ...).
    """
    if isinstance(criterion, nn.BCEWithLogitsLoss):
        return "sigmoid", True
    if isinstance(criterion, nn.BCELoss):
        if not ends_in_sigmoid(net):
            log.warning(
                "the loss is %s, which takes probabilities, but the net has no trailing "
                "nn.Sigmoid: its outputs must lie in [0, 1]",
                type(criterion).__name__,
            )
        return "identity", True
    if isinstance(criterion, nn.PoissonNLLLoss):
        return ("exp" if criterion.log_input else "identity"), False
    return "identity", ends_in_sigmoid(net)
