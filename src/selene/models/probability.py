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
from typing import Any

import torch
from torch import Tensor, nn

from selene.utils.warnings import SeleneWarning

__all__ = [
    "SplitCheck",
    "criterion_outputs",
    "ends_in_sigmoid",
    "split_sigmoid",
    "warn_if_probabilities",
]

log = logging.getLogger(__name__)

# fewer outputs than this prove nothing: logits may all fall in [0, 1] by chance
_MIN_PROBE = 32


def ends_in_sigmoid(net: nn.Module) -> bool:
    """Whether ``net``'s last module is an ``nn.Sigmoid`` (a Selene-style net: probabilities)."""
    return isinstance(list(net.modules())[-1], nn.Sigmoid)


def split_sigmoid(net: nn.Module) -> nn.Identity | None:
    """Replace ``net``'s trailing ``nn.Sigmoid`` by ``nn.Identity`` (in place), if it has one.

    The sigmoid has no weights, so state dicts are unchanged. A ``NonStrandSpecific`` wrapper
    that averaged probabilities (``link="identity"``) then averages them from the logits
    (``link="logit"``), which gives the same probabilities. "Trailing" means registered last:
    :class:`SplitCheck` confirms on a batch that it was the output layer.

    Returns
    -------
    torch.nn.Identity or None
        What took the sigmoid's place, or None if ``net`` has no trailing sigmoid.
    """
    from selene.models.strand import NonStrandSpecific

    name = list(dict(net.named_modules()))[-1]
    if not name or not ends_in_sigmoid(net):
        return None
    parent_name, _, leaf = name.rpartition(".")
    identity = nn.Identity()
    setattr(net.get_submodule(parent_name), leaf, identity)
    for module in net.modules():
        if isinstance(module, NonStrandSpecific) and module.link == "identity":
            module.link = "logit"
    return identity


class SplitCheck:
    """Confirm on one forward pass that a split-off sigmoid was the net's output layer.

    Hooks compare what the module in the sigmoid's place returned with what the net (the model
    inside a ``NonStrandSpecific``) returned; :meth:`close` removes them and raises if they
    differed, since the net would then train on outputs that are neither logits nor
    probabilities.

    Parameters
    ----------
    net : torch.nn.Module
        The net :func:`split_sigmoid` changed.
    identity : torch.nn.Identity
        What it returned.
    """

    def __init__(self, net: nn.Module, identity: nn.Module) -> None:
        from selene.models.strand import NonStrandSpecific

        owner = net.model if isinstance(net, NonStrandSpecific) else net
        self.seen, self._ok, self._last = False, True, None
        self._hooks = [
            identity.register_forward_hook(self._at_identity),
            owner.register_forward_hook(self._at_output),
        ]

    def _at_identity(self, module: nn.Module, args: Any, output: Tensor) -> None:
        self._last = output

    def _at_output(self, module: nn.Module, args: Any, output: Any) -> None:
        last, self._last, self.seen = self._last, None, True
        self._ok = self._ok and (
            isinstance(output, Tensor)
            and isinstance(last, Tensor)
            and output.numel() == last.numel()
            and torch.equal(output.flatten(), last.flatten())
        )

    def close(self, name: str) -> None:
        """Remove the hooks; raise if the sigmoid was not the output layer.

        Raises
        ------
        ValueError
            If the net's output was not what the sigmoid's place returned.
        """
        for hook in self._hooks:
            hook.remove()
        if not self._ok:
            raise ValueError(
                f"{name}'s last registered module is an nn.Sigmoid, but it is not the output "
                "layer (forward() changes what it returns), so it could not be split off for "
                "loss='bce': return logits, or train with the loss on what the net returns "
                "(a model file's criterion(): model.loss=file)"
            )


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
