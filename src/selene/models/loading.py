"""Load weights saved by the Selene SDK (``.pth.tar``) into our architectures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from selene.models.checkpoints import listing, safe_load


def load_selene_weights(
    model: nn.Module,
    path_or_state_dict: str | Path | Mapping[str, object],
    strict: bool = True,
) -> nn.Module:
    """Load a Selene checkpoint's weights into ``model`` (in place) and return ``model``.

    Accepts what Selene's ``TrainModel`` saves (a dict with a ``state_dict`` key, plus
    ``step``, ``arch_name``, ``min_loss``, ``optimizer``) or a bare state dict. Keys are
    reconciled with the model's: ``module.`` segments left by ``torch.nn.DataParallel`` are
    dropped, and the ``model.`` prefix of a ``NonStrandSpecific`` wrapper is added or removed
    as the model needs. Selene's final ``Sigmoid`` has no weights, so nothing is lost by our
    models ending in logits. Files are read with ``torch.load(weights_only=True)``, with NumPy
    scalars (Selene stores ``min_loss`` as one) allowed; remote files are refused.

    Parameters
    ----------
    model : torch.nn.Module
        E.g. ``DeepSEA(1000, 919)`` or ``NonStrandSpecific(DeepSEA(1000, 919))``.
    path_or_state_dict : str, pathlib.Path or Mapping
        A checkpoint file, or what ``torch.load`` returned for one.
    strict : bool
        If False, keys on one side only are skipped; shape mismatches still raise.

    Returns
    -------
    torch.nn.Module
        ``model``, with the weights loaded.

    Raises
    ------
    FileNotFoundError
        If the checkpoint file does not exist.
    ValueError
        If the checkpoint is remote, not a PyTorch file, truncated, holds objects that could
        run code, is not a state dict, or does not match ``model``: the message lists missing
        and unexpected keys and shape mismatches.
    """
    checkpoint = _read(path_or_state_dict)
    state = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state, Mapping) or not all(
        isinstance(v, torch.Tensor) for v in state.values()
    ):
        raise ValueError(
            f"{_describe(path_or_state_dict)} holds no state dict (a mapping of names to tensors)"
        )
    target = model.state_dict()
    state = _align(dict(state), target)
    missing = [k for k in target if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in target]
    mismatched = [
        f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(target[k].shape)}"
        for k, v in state.items()
        if k in target and v.shape != target[k].shape
    ]
    if mismatched or (strict and (missing or unexpected)):
        name = type(model).__name__
        raise ValueError(
            f"{_describe(path_or_state_dict)} does not match {name}:"
            + listing("missing keys (in the model, not the checkpoint)", missing if strict else [])
            + listing(
                "unexpected keys (in the checkpoint, not the model)", unexpected if strict else []
            )
            + listing("shape mismatches", mismatched)
            + _hints(mismatched, checkpoint, name)
        )
    model.load_state_dict({k: v for k, v in state.items() if k in target}, strict=strict)
    return model


def _read(path_or_state_dict: str | Path | Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(path_or_state_dict, Mapping):
        return path_or_state_dict
    checkpoint = safe_load(path_or_state_dict, what="Selene checkpoint")
    if not isinstance(checkpoint, Mapping):
        raise ValueError(
            f"{path_or_state_dict} holds a {type(checkpoint).__name__}, not a state dict"
        )
    return checkpoint


def _align(
    state: dict[str, torch.Tensor], target: Mapping[str, object]
) -> dict[str, torch.Tensor]:
    """Rename checkpoint keys to the model's: drop ``module.``, add or drop ``model.``."""
    if not any("module" in k.split(".") for k in target):
        stripped = {_drop_module(k): v for k, v in state.items()}
        if len(stripped) == len(state):
            state = stripped
    candidates = [state, {f"model.{k}": v for k, v in state.items()}]
    if all(k.startswith("model.") for k in state):
        candidates.append({k.removeprefix("model."): v for k, v in state.items()})
    # Seqweaver's own convolutions live under ``model.``, so pick by overlap, not by prefix.
    return max(candidates, key=lambda c: len(c.keys() & target.keys()))


def _drop_module(key: str) -> str:
    return ".".join(part for part in key.split(".") if part != "module")


def _describe(path_or_state_dict: object) -> str:
    if isinstance(path_or_state_dict, Mapping):
        return "the given checkpoint"
    return str(path_or_state_dict)


def _hints(mismatched: list[str], checkpoint: Mapping[str, object], name: str) -> str:
    hints = ""
    if mismatched:
        hints += "\n  check the model's sequence_length and number of targets"
    arch = checkpoint.get("arch_name")
    if isinstance(arch, str) and arch != name:
        hints += f"\n  the checkpoint was saved from a {arch!r} model"
    if "hyper_parameters" in checkpoint:
        hints += (
            "\n  it is a selene.train checkpoint: load it with selene.models.load_checkpoint "
            "(or give it to AnalyzeSequences as trained_model_path)"
        )
    return hints
