"""The network behind ``AnalyzeSequences``: loaded from a model and/or weights, and named."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from selene.io import features as feature_list
from selene.models import BPNet, ChromBPNet, MultiModelWrapper, load_selene_weights
from selene.models.checkpoints import check_fits, safe_load
from selene.models.lit_module import SequenceLitModule
from selene.models.load import load_checkpoint
from selene.models.probability import ends_in_sigmoid
from selene.models.registry import TRACK_ARCHITECTURES

_LOSS_ACTIVATION = {"bce": "sigmoid", "mse": "identity", "poisson": "exp", "bpnet": "bpnet"}


def load_model(
    model: nn.Module | None, path: str | Path | Sequence[str | Path] | None
) -> tuple[nn.Module, str, list[str] | None]:
    """Return the bare network, its default activation and the feature names it records.

    The activation follows a checkpoint's loss (``bce``: sigmoid, ``mse``: identity,
    ``poisson``: exp, ``bpnet``: :func:`selene.models.track_prediction`'s coverage, ``file``:
    what the model file's criterion takes, e.g. identity for ``BCELoss`` on a sigmoid net).
    A bare net ending in ``nn.Sigmoid`` returns probabilities: identity. A bare
    track model (``selene.models.TRACK_ARCHITECTURES``) without a checkpoint gets ``bpnet``
    for BPNet and ChromBPNet, ``identity`` (raw outputs) otherwise: pass ``activation="exp"`` for a
    TrackCNN trained with the Poisson loss, or its checkpoint, which records the loss.

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or None
        None: rebuilt from the Lightning checkpoint ``path`` alone.
    path : str or Path, or a list of them, optional
        A local ``selene.train`` checkpoint (``.ckpt``), or Selene SDK weights (anything else,
        read by :func:`selene.models.load_selene_weights`); all read with
        ``weights_only=True`` (a crafted file cannot run code); URLs are refused.
        A list holds one file per sub-model of a :class:`~selene.models.MultiModelWrapper`.

    Raises
    ------
    ValueError
        If neither is given, a list does not match the wrapper's sub-models, sub-models
        disagree on their activation, or a file is refused or does not fit its model.
    """
    if isinstance(model, MultiModelWrapper):
        return _load_wrapper(model, path)
    if isinstance(path, (list, tuple)):
        raise ValueError(
            f"a list of {len(path)} trained_model_path needs a MultiModelWrapper model"
        )
    if model is None and path is None:
        raise ValueError("give a model, a trained_model_path (Lightning checkpoint), or both")
    if model is None or isinstance(model, SequenceLitModule):
        module = model if model is not None else load_checkpoint(path)  # type: ignore[arg-type]
        if model is not None and path is not None:
            module = load_checkpoint(path, net=module.net)
        return module.net, module.output_activation, module.features
    activation = "identity" if ends_in_sigmoid(model) else "sigmoid"
    if isinstance(model, tuple(TRACK_ARCHITECTURES.values())):
        activation = "bpnet" if isinstance(model, BPNet | ChromBPNet) else "identity"
    if path is not None and str(path).endswith(".ckpt"):
        features, loss = _load_net_weights(model, path)
        if isinstance(model, tuple(TRACK_ARCHITECTURES.values())):  # the loss says the units
            activation = _LOSS_ACTIVATION.get(loss, activation)  # type: ignore[arg-type]
        return model, activation, features
    if path is not None:
        load_selene_weights(model, path)
    return model, activation, None


def _load_net_weights(model: nn.Module, path: str | Path) -> tuple[list[str] | None, str | None]:
    """Load a ``selene.train`` checkpoint's ``net.`` weights into ``model``.

    Returns the features and the loss the checkpoint records.
    """
    checkpoint = safe_load(path)
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ValueError(
            f"{path} is not a selene checkpoint (no 'state_dict'); for Selene SDK weights "
            "(.pth.tar) pass that file instead"
        )
    hparams = checkpoint.get("hyper_parameters") or {}
    weights = checkpoint["state_dict"]
    weights = {k.removeprefix("net."): v for k, v in weights.items() if k.startswith("net.")}
    fix = "build the model the checkpoint records, or pass a checkpoint of this model"
    check_fits(path, weights, model, hparams.get("net"), fix)
    model.load_state_dict(weights)
    return hparams.get("features"), hparams.get("loss")


def _load_wrapper(
    model: MultiModelWrapper, path: str | Path | Sequence[str | Path] | None
) -> tuple[nn.Module, str, list[str] | None]:
    subs = model.sub_models
    if path is not None and not isinstance(path, (list, tuple)):
        raise ValueError("a MultiModelWrapper takes a list of trained_model_path, one per model")
    paths = [None] * len(subs) if path is None else list(path)
    if len(paths) != len(subs):
        raise ValueError(f"{len(paths)} trained_model_path for {len(subs)} sub-models")
    loaded = [load_model(sub, p) for sub, p in zip(subs, paths, strict=True)]
    for i, (net, _, _) in enumerate(loaded):
        subs[i] = net  # a SequenceLitModule gives way to its network
    activations = {activation for _, activation, _ in loaded}
    if len(activations) > 1:
        raise ValueError(
            f"sub-models disagree on their outputs ({sorted(activations)} activations): "
            "some end in a sigmoid and others return logits"
        )
    recorded = [names for _, _, names in loaded]
    features = None if any(r is None for r in recorded) else [n for r in recorded for n in r]
    return model, activations.pop(), features


def read_features(features: Sequence[str] | str | Path | None) -> list[str]:
    """Feature names from a list, or from a file with one name per line.

    Raises
    ------
    ValueError
        If there are none (``features`` is None and the checkpoint records none).
    """
    if features is None:
        raise ValueError("features is required (a list or a file with one name per line)")
    return feature_list.read_features(features)


def model_signature(net: nn.Module, *extra: object) -> str:
    """Return a hash of ``net``'s weights and ``extra``: tells runs of different models apart."""
    digest = hashlib.sha1(repr(extra).encode())
    for name, tensor in net.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()
