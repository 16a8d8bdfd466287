"""What the online samplers take as input: the reference, the target, fixed-set sizes."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from selene import sequences
from selene.io.features import read_features
from selene.targets import GenomicFeatures, Target, check_target
from selene.utils.warnings import SeleneWarning

_DEFAULT_N = {"validate": 32000, "test": 640000}  # the Selene SDK's defaults


def open_reference(
    reference_sequence: sequences.Sequence | str | os.PathLike[str], owner: str
) -> sequences.Sequence:
    """Return ``reference_sequence``, a FASTA path opened as a ``Genome``; refuse the rest."""
    if isinstance(reference_sequence, str | os.PathLike):
        return sequences.Genome(reference_sequence)
    if not isinstance(reference_sequence, sequences.Sequence):
        raise TypeError(
            f"{owner}: reference_sequence must be a selene.sequences.Sequence "
            f"(e.g. Genome) or a FASTA path; got {type(reference_sequence).__name__}"
        )
    return reference_sequence


def open_target(
    target: Target | None,
    target_path: Target | str | os.PathLike[str] | None,
    features: Sequence[str] | str | Path | None,
    thresholds: float | dict | Callable | None,
    owner: str,
) -> tuple[Target, list[str]]:
    """Return the sampler's ``Target`` and feature names from ``target=`` or ``target_path=``.

    A path is Selene's BED shortcut (``GenomicFeatures``, which needs ``features``); a
    ``Target`` is checked against the protocol and names its own features unless ``features``
    is given.
    """
    if (target is None) == (target_path is None):
        raise ValueError(
            f"{owner}: give exactly one of target= (a selene.targets.Target) and "
            f"target_path= (a feature BED); got {'both' if target is not None else 'neither'}"
        )
    if isinstance(target, str | os.PathLike):
        raise TypeError(
            f"{owner}: target takes a selene.targets.Target; got the path {str(target)!r}: "
            "pass a BED path as target_path= instead"
        )
    if isinstance(target_path, str | os.PathLike):  # Selene's BED shortcut
        if features is None:
            raise ValueError(
                f"{owner}: features is required with target_path={str(target_path)!r} "
                "(a list of names, or a file with one per line)"
            )
        names = read_features(features)
        return GenomicFeatures(target_path, names, feature_thresholds=thresholds), names
    given = check_target(target if target is not None else target_path, owner)
    if features is None:
        if given.features is None:
            raise ValueError(
                f"{owner}: features is required unless the target names them; "
                f"{given.describe()} has features=None"
            )
        return given, list(given.features)
    names = read_features(features)
    if given.n_features != len(names):
        raise ValueError(
            f"{len(names)} features given but the target has {given.n_features}; pass the "
            "target's own feature list (or features=None to use it)"
        )
    return given, names


def refuse_absent_features(target: Target, features: list[str]) -> None:
    """Refuse listed features the target has no data for (learnt as all-negative otherwise)."""
    absent = list(target.absent_features)
    if absent:
        raise ValueError(
            f"{len(absent)} of the {len(features)} listed features have no interval in "
            f"{target.describe()}, e.g. {absent[:5]}: the features list does not match "
            "the target file"
        )


def set_size(name: str, value: int | None, mode: str) -> int:
    """Check a fixed set's size: None is the Selene SDK's default, 0 no set at all."""
    if value is None:
        return _DEFAULT_N[mode]
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(
            f"{name} must be a whole number >= 0 (0: no such set; null: the Selene SDK's "
            f"default, {_DEFAULT_N[mode]}); got {value!r}"
        )
    if value == 0 and mode == "validate":
        warnings.warn(
            "n_validation_samples=0: training runs without validation, so nothing is logged as "
            "val/* and checkpoints saved after validation are never written (in selene.train "
            "both best-*.ckpt and last.ckpt): add "
            "+callbacks.last_checkpoint.every_n_train_steps=N to keep the weights, or set "
            "n_validation_samples > 0",
            SeleneWarning,
            stacklevel=3,
        )
    return int(value)
