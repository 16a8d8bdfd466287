"""Rebuild a trained :class:`~selene.models.SequenceLitModule` from its checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from selene.models._configs import check_net_config
from selene.models.checkpoints import check_fits, local_checkpoint, safe_load
from selene.models.lit_module import SequenceLitModule

__all__ = ["load_checkpoint"]


def load_checkpoint(
    path: str | Path, map_location: str | torch.device = "cpu", net: nn.Module | None = None
) -> SequenceLitModule:
    """Rebuild a :class:`SequenceLitModule` from a checkpoint written by ``selene.train``.

    Parameters
    ----------
    path : str or Path
        A local Lightning checkpoint (``.ckpt``); loaded with ``torch.load(weights_only=True)``,
        so that a crafted file cannot run code. URLs are refused.
    map_location : str or torch.device
        Where to load the weights.
    net : torch.nn.Module, optional
        The architecture, for checkpoints that do not record how to build it. Otherwise the
        recorded config is built if it names only ``torch.nn.Module`` classes, or a model file
        (:func:`selene.models.file_model`) that is still there: that file is imported (its
        code runs, as when training; the log says so), and a file changed since training is
        warned about.

    Returns
    -------
    SequenceLitModule
        In eval mode; ``module.features`` lists the feature names, ``module.net`` is the bare
        architecture.

    Raises
    ------
    ValueError
        If the file is remote, not a selene checkpoint, truncated, holds objects that could run
        code, or holds weights that do not fit ``net`` (the message names both architectures);
        or if its net config names something other than a ``torch.nn.Module`` class or a model
        file.
    FileNotFoundError
        If the model file the checkpoint's net was built from is not there.
    """
    path = local_checkpoint(path)
    checkpoint = safe_load(path, map_location)
    hparams = checkpoint.get("hyper_parameters") if isinstance(checkpoint, dict) else None
    if hparams is None or "state_dict" not in checkpoint:
        raise ValueError(
            f"{path.name} is not a selene checkpoint (no 'hyper_parameters'/'state_dict'); "
            "for Selene SDK .pth.tar weights use selene.models.load_selene_weights"
        )
    hparams = dict(hparams)
    recorded = hparams.get("net")
    if net is not None:
        hparams["net"] = net
    elif recorded is None:
        raise ValueError(f"{path.name} does not record its architecture: pass net=")
    else:
        check_net_config(recorded, path)
    module = SequenceLitModule(**hparams)
    fix = "pass the net it was trained with, or a checkpoint of this net"
    check_fits(path, checkpoint["state_dict"], module, recorded, fix, net=module.net)
    module.load_state_dict(checkpoint["state_dict"])
    return module.to(map_location).eval()
