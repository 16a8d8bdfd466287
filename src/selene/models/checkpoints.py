"""Read checkpoints safely, and say plainly why one does not fit a model.

Every checkpoint or weights file selene reads goes through :func:`safe_load`: local files only
(nothing is downloaded at run time), ``torch.load(weights_only=True)`` always (a pickle cannot
run code), and a clear message for files that are not checkpoints at all.
"""

from __future__ import annotations

import pickle
import re
import tarfile
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from selene.utils.warnings import SeleneWarning

__all__ = [
    "check_fits",
    "check_resumable",
    "describe_module",
    "describe_net",
    "listing",
    "local_checkpoint",
    "safe_load",
    "state_mismatch",
    "training_checkpoint",
]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MAX_LISTED = 8


def local_checkpoint(path: str | Path, what: str = "checkpoint") -> Path:
    """Return ``path`` as a local file, refusing URLs and missing files (``what``: for messages).

    Raises
    ------
    ValueError
        If ``path`` is a URL (``http://``, ``s3://``, ...).
    FileNotFoundError
        If there is no file at ``path``.
    """
    if _URL.match(str(path)):
        raise ValueError(
            f"{what} {str(path)!r} is remote: selene reads only local checkpoints (nothing "
            "is downloaded at run time); download it and pass the local path"
        )
    local = Path(path).expanduser()
    if not local.is_file():
        why = "it is a directory" if local.is_dir() else "it does not exist"
        raise FileNotFoundError(f"no {what} at {local}: {why}")
    return local


def safe_load(
    path: str | Path,
    map_location: str | torch.device = "cpu",
    mmap: bool = False,
    what: str = "checkpoint",
) -> Any:
    """Load a checkpoint file with ``torch.load(weights_only=True)``.

    NumPy scalars and dtypes are allowed besides tensors and plain containers (the Selene SDK
    stores ``min_loss`` as a NumPy float); nothing else is.

    Parameters
    ----------
    path : str or Path
        A local file written by ``torch.save``.
    map_location : str or torch.device
        Where tensors go.
    mmap : bool
        Map the tensors from the file instead of reading them (zip checkpoints only): for a
        quick look at a large checkpoint.
    what : str
        What the file should be, for messages.

    Raises
    ------
    ValueError
        If the file is remote, not a PyTorch checkpoint (e.g. a FASTA file), truncated, or holds
        objects that could run code when loaded.
    FileNotFoundError
        If there is no such file.
    """
    path = local_checkpoint(path, what)
    is_zip = _check_format(path)
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return torch.load(
                path, map_location=map_location, weights_only=True, mmap=mmap and is_zip
            )
    except pickle.UnpicklingError as err:
        raise ValueError(
            f"refused to load {path}: it holds {_offender(err)}, which could run code when "
            "loaded, so it cannot be loaded with weights_only=True, as selene loads every "
            "checkpoint (tensors and plain containers only). If you made this file and trust "
            "it, load it yourself and re-save its state_dict"
        ) from err
    except (RuntimeError, OSError, EOFError) as err:
        raise ValueError(
            f"{path} could not be read as a PyTorch checkpoint (truncated or corrupt?): {err}; "
            "copy it again or pass another checkpoint"
        ) from err


def _check_format(path: Path) -> bool:
    """Raise unless ``path`` looks like ``torch.save`` output; return whether it is a zip."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(path):
            raise ValueError(
                f"{path} is a truncated or corrupt checkpoint (its zip archive has no end "
                "record): copy it again in full, or pass another checkpoint"
            )
        return True
    if head.startswith(b"\x80") or tarfile.is_tarfile(path):  # legacy torch.save formats
        return False
    kind = "is empty" if not head else f"starts with {head[:24]!r}"
    hint = " (a FASTA file?)" if head.startswith(b">") else ""
    raise ValueError(
        f"{path} is not a PyTorch checkpoint: it {kind}{hint}; pass a .ckpt written by "
        "selene.train, or Selene SDK weights (.pth.tar)"
    )


def _offender(err: Exception) -> str:
    found = re.search(r"GLOBAL ([\w.]+)", str(err))
    return f"a reference to {found.group(1)}" if found else "objects other than tensors"


def _numpy_globals() -> list:
    # Selene saves ``min_loss`` as a NumPy float; NumPy 2 moved ``numpy.core`` to
    # ``numpy._core``, so files pickled under NumPy 1 name the old path.
    scalar = np._core.multiarray.scalar if hasattr(np, "_core") else np.core.multiarray.scalar
    dtypes = [type(np.dtype(code)) for code in "?bhilqBHILQefdgFDG"]
    return [scalar, (scalar, "numpy.core.multiarray.scalar"), np.dtype, *dtypes]


def describe_net(config: Any) -> str:
    """``Basset(sequence_length=200, n_targets=8)`` from a net's Hydra config."""
    if not isinstance(config, Mapping) or "_target_" not in config:
        return "an architecture it does not record"
    if str(config["_target_"]).startswith("selene.models.file_model"):  # a Selene model file
        args = config.get("class_args") or {}
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        return f"{config.get('class_name')}({shown}) of the model file {config.get('path')}"
    args = ", ".join(
        f"{k}={describe_net(v) if isinstance(v, Mapping) else v!r}"
        for k, v in config.items()
        if not str(k).startswith("_")
    )
    return f"{str(config['_target_']).rsplit('.', 1)[-1]}({args})"


def state_mismatch(state: Mapping[str, Any], target: Mapping[str, Any]) -> str:
    """List keys on one side only and shape mismatches; empty when ``state`` fits ``target``."""
    missing = [k for k in target if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in target]
    mismatched = [
        f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(target[k].shape)}"
        for k, v in state.items()
        if k in target and getattr(v, "shape", None) != getattr(target[k], "shape", None)
    ]
    return (
        listing("missing keys (in the model, not the checkpoint)", missing)
        + listing("unexpected keys (in the checkpoint, not the model)", unexpected)
        + listing("shape mismatches", mismatched)
    )


def listing(label: str, items: list[str]) -> str:
    """Return a line ``3 label: a, b, c`` (at most a few items) to append, or nothing."""
    if not items:
        return ""
    shown = ", ".join(items[:_MAX_LISTED])
    more = f", ... ({len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
    return f"\n  {len(items)} {label}: {shown}{more}"


def describe_module(net: nn.Module) -> str:
    """``DeepSEA(sequence_length=1000, n_targets=919)`` from a built net's attributes."""
    args = ", ".join(
        f"{k}={getattr(net, k)!r}" for k in _SHAPE_ARGS if isinstance(getattr(net, k, None), int)
    )
    return f"{type(net).__name__}({args})"


_SHAPE_ARGS = ("sequence_length", "n_targets", "n_genomic_features")


def check_fits(
    path: str | Path,
    state: Mapping[str, Any],
    model: nn.Module,
    recorded: Any,
    fix: str,
    net: nn.Module | None = None,
) -> None:
    """Raise if a checkpoint's weights do not fit ``model``, saying what each side holds.

    Parameters
    ----------
    path : str or Path
        The checkpoint, for the message.
    state : Mapping
        Its weights, with keys as ``model.state_dict()`` names them.
    model : torch.nn.Module
        The model they should load into.
    recorded : Mapping or None
        The Hydra config of the checkpoint's net (for the message).
    fix : str
        What to do about it.
    net : torch.nn.Module, optional
        The architecture inside ``model`` to name (default: ``model``).

    Raises
    ------
    ValueError
        Naming the file, the architecture it holds and the one built, and the differing keys.
    """
    details = state_mismatch(state, model.state_dict())
    if details:
        raise ValueError(
            f"{path} holds {describe_net(recorded)}, which does not fit the model "
            f"{describe_module(net if net is not None else model)}; {fix}:" + details
        )


def training_checkpoint(path: str | Path) -> Mapping[str, Any]:
    """Read a ``selene.train`` checkpoint safely (memory-mapped), to check it before resuming.

    Raises
    ------
    ValueError
        If :func:`safe_load` refuses the file, or it holds no Lightning training state.
    FileNotFoundError
        If there is no such file.
    """
    checkpoint = safe_load(path, mmap=True)
    if not isinstance(checkpoint, Mapping) or not {"state_dict", "loops"} <= checkpoint.keys():
        raise ValueError(
            f"{path} is not a checkpoint written by selene.train (no Lightning training state), "
            "so training cannot resume from it; drop ckpt_path, and for Selene SDK weights load "
            "them into the net with selene.models.load_selene_weights"
        )
    return checkpoint


def check_resumable(path: str | Path, checkpoint: Mapping[str, Any], module: nn.Module) -> None:
    """Raise unless ``checkpoint`` (read from ``path``) can resume training ``module``.

    Parameters
    ----------
    path : str or Path
        The checkpoint file, for messages and to find its run's ``config.yaml``.
    checkpoint : Mapping
        What :func:`training_checkpoint` read from ``path``.
    module : torch.nn.Module
        The model the run is about to train.

    Raises
    ------
    ValueError
        If it holds another architecture, sequence length or number of features than
        ``module``.
    """
    hparams = checkpoint.get("hyper_parameters") or {}
    config = Path(path).resolve().parent.parent / "config.yaml"
    where = f" (its config: {config})" if config.is_file() else ""
    fix = (
        f"resume with the model and data settings of the run that wrote it{where}, or drop "
        "ckpt_path to start a new run"
    )
    net = getattr(module, "net", module)
    check_fits(path, checkpoint["state_dict"], module, hparams.get("net"), fix, net=net)
    saved, features = hparams.get("features"), getattr(module, "features", None)
    if saved and features and list(saved) != list(features):
        differ = [(a, b) for a, b in zip(saved, features, strict=False) if a != b]
        warnings.warn(
            f"{path} was trained on other feature names than this run's data, e.g. "
            f"{differ[:3]} (checkpoint, data): each output goes on training on the data's "
            "feature in its place",
            SeleneWarning,
            stacklevel=2,
        )
