"""Sequences as the ``uint8`` codes a :class:`~selene.predict.ModelRunner` takes.

Strings are centred in the model's window, padded with the unknown letter or trimmed as the
Selene SDK does it (``floor`` of the difference on the left, ``ceil`` on the right; trimming
keeps the middle); letters outside the alphabet (other than the unknown letter) are refused.
Arrays are taken as codes (integers) or one-hot (floats).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import torch

from selene.sequences import sequence_to_codes
from selene.utils.warnings import SeleneWarning

#: What the operations take as sequences.
Sequences = str | Sequence[str] | np.ndarray | torch.Tensor


def fit_length(sequence: str, length: int, unknown: str = "N") -> str:
    """Centre ``sequence`` in ``length`` letters: pad with ``unknown`` or trim, as Selene does."""
    if len(sequence) < length:
        diff = (length - len(sequence)) / 2
        sequence = unknown * math.floor(diff) + sequence + unknown * math.ceil(diff)
    elif len(sequence) > length:
        start = (len(sequence) - length) // 2
        sequence = sequence[start : start + length]
    return sequence.upper()


def window_offset(record_length: int, length: int) -> int:
    """Record coordinate of position 0 of the window :func:`fit_length` makes of a record.

    A window position ``p`` is record position ``p + offset``: a longer record keeps its
    middle (``offset`` > 0), a shorter one is padded on the left first (``offset`` < 0).
    """
    return (
        (record_length - length) // 2
        if record_length >= length
        else -((length - record_length) // 2)
    )


def warn_fit(where: str, record_length: int, length: int, stacklevel: int = 2) -> int:
    """Say which span of a record the model's window holds, when it is not the whole record.

    ISM positions (``start_position``, ``end_position`` and the ``pos`` column) index the
    window; the warning gives the offset that turns them into record coordinates (e.g. for
    :meth:`selene.interpret.ISMResult.from_file`'s ``offset``). Returns that offset.
    """
    offset = window_offset(record_length, length)
    if record_length == length:
        return offset
    if record_length > length:
        fitted = (
            f"cropped to the model's {length}-letter window, its centre: record positions "
            f"[{offset}, {offset + length}) (0-based, end excluded) were scored"
        )
    else:
        fitted = (
            f"shorter than the model's {length}-letter window: centred in it with "
            f"{-offset} unknown letters before it and {length - record_length + offset} after"
        )
    warnings.warn(
        f"{where} has {record_length} letters, {fitted}; ISM positions index the window: "
        f"window position p is record position p {'+' if offset >= 0 else '-'} {abs(offset)} "
        f"(plot in record coordinates with ISMResult.from_file(..., offset={offset}))",
        SeleneWarning,
        stacklevel=stacklevel + 1,
    )
    return offset


def check_letters(sequence: str, alphabet: str, unknown: str, where: str = "sequence") -> None:
    """Refuse letters outside ``alphabet`` + ``unknown`` (case-insensitive).

    Raises
    ------
    ValueError
        Naming the letters and the first position.
    """
    raw = np.frombuffer(sequence.upper().encode("ascii", errors="replace"), np.uint8)
    allowed = np.zeros(256, dtype=bool)
    allowed[[ord(c) for c in (alphabet + unknown).upper()]] = True
    odd = ~allowed[raw]
    if odd.any():
        found = sorted({str(c) for c in np.array(list(sequence.upper()))[odd]})
        raise ValueError(
            f"{where} has letters outside the alphabet {alphabet!r} (+ {unknown!r} for unknown): "
            f"{found[:10]} (first at position {int(np.argmax(odd))}); "
            f"replace them with {unknown!r}"
        )


def encode(sequence: str, alphabet: str, unknown: str, where: str = "sequence") -> np.ndarray:
    """Check the letters of ``sequence`` (see :func:`check_letters`) and return its codes."""
    check_letters(sequence, alphabet, unknown, where)
    return sequence_to_codes(sequence, alphabet)


def as_codes(
    sequences: Sequences, length: int | None, alphabet: str = "ACGT", unknown: str = "N"
) -> np.ndarray:
    """Return ``sequences`` as ``uint8`` codes ``(N, L)``.

    Parameters
    ----------
    sequences : str, sequence of str, numpy.ndarray or torch.Tensor
        Strings are fitted to ``length`` (:func:`fit_length`); integer arrays ``(L,)`` or
        ``(N, L)`` are codes (``A`` = ``len(alphabet)`` for unknown); float arrays ``(A, L)``
        or ``(N, A, L)`` are one-hot (a column that is not one-hot is unknown).
    length : int, optional
        The model length; None keeps the strings' own (equal) length.
    alphabet, unknown : str

    Raises
    ------
    ValueError
        For letters outside the alphabet, codes above ``A``, a one-hot with other than ``A``
        rows, or strings of different lengths when ``length`` is None.
    """
    n_letters = len(alphabet)
    if isinstance(sequences, str):
        sequences = [sequences]
    if isinstance(sequences, torch.Tensor):
        sequences = sequences.detach().cpu().numpy()
    if isinstance(sequences, np.ndarray):
        return _array_codes(sequences, n_letters)
    codes = []
    for i, seq in enumerate(sequences):
        fitted = seq.upper() if length is None else fit_length(seq, length, unknown)
        codes.append(encode(fitted, alphabet, unknown, f"sequence {i}"))
    if len({len(c) for c in codes}) > 1:
        raise ValueError(
            f"the sequences have different lengths {sorted({len(c) for c in codes})}; give "
            "sequences of one length, or a model that records its sequence_length"
        )
    return np.stack(codes) if codes else np.zeros((0, length or 0), np.uint8)


def _array_codes(array: np.ndarray, n_letters: int) -> np.ndarray:
    if np.issubdtype(array.dtype, np.integer):
        codes = np.atleast_2d(array)
        if codes.ndim != 2 or (codes.size and (codes.min() < 0 or codes.max() > n_letters)):
            raise ValueError(
                f"integer sequences are codes (N, L) in 0..{n_letters} ({n_letters}: unknown); "
                f"got shape {array.shape}, values {codes.min()}..{codes.max()}"
            )
        return codes.astype(np.uint8)
    one_hot = array[None] if array.ndim == 2 else array
    if one_hot.ndim != 3 or one_hot.shape[1] != n_letters:
        raise ValueError(
            f"float sequences are one-hot (N, {n_letters}, L) or ({n_letters}, L); got shape "
            f"{array.shape}"
        )
    codes = one_hot.argmax(axis=1).astype(np.uint8)
    exact = (one_hot.max(axis=1) == 1) & (one_hot.sum(axis=1) == 1)
    codes[~exact] = n_letters
    return codes
