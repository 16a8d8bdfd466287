"""Conversions between letters, compact ``uint8`` codes and one-hot encodings.

Codes index an alphabet (``"ACGT"`` for DNA); code ``len(alphabet)`` means unknown (``N`` and any
other letter). The one-hot encoding of an unknown position is ``1 / len(alphabet)`` in every
column, as in the Selene SDK.

This module holds selene's one complement table (:data:`COMPLEMENT`; the string, code and
Selene-SDK forms below are derived from it) and its one codes-to-one-hot conversion for models
(:func:`codes_to_one_hot`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import torch

__all__ = [
    "COMPLEMENT",
    "DNA_COMPLEMENT",
    "codes_to_encoding",
    "codes_to_one_hot",
    "complement_codes",
    "encoding_to_sequence",
    "get_reverse_complement_encoding",
    "reverse_complement",
    "sequence_to_codes",
    "sequence_to_encoding",
]

#: The complement of each IUPAC nucleotide code (uppercase; ``U`` pairs with ``A``).
COMPLEMENT = {
    **{"A": "T", "C": "G", "G": "C", "T": "A", "U": "A", "N": "N", "X": "X"},
    **{"R": "Y", "Y": "R", "W": "W", "S": "S", "K": "M", "M": "K"},
    **{"D": "H", "H": "D", "V": "B", "B": "V"},
}

# For strings: IUPAC-aware, case kept (as pyfaidx does); other characters are left as they are.
_TRANSLATION = str.maketrans(
    {**COMPLEMENT, **{base.lower(): pair.lower() for base, pair in COMPLEMENT.items()}}
)

#: The Selene SDK's ``Genome.COMPLEMENTARY_BASE_DICT``: either case maps to an uppercase base.
DNA_COMPLEMENT = {
    **{base: COMPLEMENT[base] for base in "ACGTN"},
    **{base.lower(): COMPLEMENT[base] for base in "ACGTN"},
}


def byte_table(alphabet: str) -> np.ndarray:
    """Build a 256-entry lookup from ASCII byte to code, case-insensitive.

    Parameters
    ----------
    alphabet : str
        The letters, in code order.

    Returns
    -------
    np.ndarray, shape (256,), dtype uint8
        ``len(alphabet)`` for every byte outside the alphabet.
    """
    table = np.full(256, len(alphabet), dtype=np.uint8)
    for code, letter in enumerate(alphabet):
        table[ord(letter.upper())] = code
        table[ord(letter.lower())] = code
    return table


def sequence_to_codes(sequence: str, alphabet: str = "ACGT") -> np.ndarray:
    """Encode a sequence as compact codes.

    Parameters
    ----------
    sequence : str
        Case is ignored; letters outside ``alphabet`` (``N``, IUPAC codes) become unknown.
    alphabet : str
        The letters, in code order.

    Returns
    -------
    np.ndarray, shape (len(sequence),), dtype uint8
        Indices into ``alphabet``; ``len(alphabet)`` for unknown letters.
    """
    raw = np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)
    return byte_table(alphabet)[raw]


def codes_to_encoding(codes: np.ndarray, n_letters: int = 4) -> np.ndarray:
    """One-hot encode codes in the Selene layout (positions first).

    Parameters
    ----------
    codes : np.ndarray, shape (..., L), integer
        Codes ``>= n_letters`` are unknown.
    n_letters : int
        Size of the alphabet.

    Returns
    -------
    np.ndarray, shape (..., L, n_letters), dtype float32
        Unknown positions hold ``1 / n_letters`` in every column.
    """
    table = np.zeros((n_letters + 1, n_letters), dtype=np.float32)
    table[np.arange(n_letters), np.arange(n_letters)] = 1.0
    table[n_letters] = np.float32(1.0) / np.float32(n_letters)
    return table[np.minimum(np.asarray(codes), n_letters)]


def sequence_to_encoding(sequence: str, alphabet: str = "ACGT") -> np.ndarray:
    """One-hot encode a sequence in the Selene layout.

    Parameters
    ----------
    sequence : str
        Case is ignored; letters outside ``alphabet`` are unknown.
    alphabet : str
        The letters, in column order.

    Returns
    -------
    np.ndarray, shape (len(sequence), len(alphabet)), dtype float32
        Unknown positions hold ``1 / len(alphabet)`` in every column.
    """
    return codes_to_encoding(sequence_to_codes(sequence, alphabet), len(alphabet))


def encoding_to_sequence(encoding: np.ndarray, alphabet: str = "ACGT", unk_base: str = "N") -> str:
    """Decode a one-hot encoding in the Selene layout.

    Parameters
    ----------
    encoding : np.ndarray, shape (L, len(alphabet))
        A row with a 1 decodes to the first letter whose column holds it.
    alphabet : str
        The letters, in column order.
    unk_base : str
        The letter for every other row (e.g. ``1 / len(alphabet)`` everywhere).

    Returns
    -------
    str
        The ``L`` letters.
    """
    encoding = np.asarray(encoding)
    if encoding.ndim != 2 or encoding.shape[1] != len(alphabet):
        raise ValueError(
            f"encoding must have shape (L, {len(alphabet)}) for alphabet {alphabet!r}; "
            f"got {encoding.shape}"
        )
    letters = np.array(list(alphabet) + [unk_base])
    hot = encoding == 1
    codes = np.where(hot.any(axis=1), hot.argmax(axis=1), len(alphabet))
    return "".join(letters[codes].tolist())


def reverse_complement(sequence: str) -> str:
    """Reverse-complement a DNA sequence.

    Parameters
    ----------
    sequence : str
        IUPAC codes are complemented (``R`` <-> ``Y``) and case is kept; other characters are
        kept as they are.

    Returns
    -------
    str
    """
    return sequence.translate(_TRANSLATION)[::-1]


def complement_codes(alphabet: str) -> np.ndarray | None:
    """Map each code of a DNA alphabet to its complement's code.

    Parameters
    ----------
    alphabet : str
        DNA letters in code order, any case (``"ACGT"``, or another order of them).

    Returns
    -------
    np.ndarray, shape (len(alphabet) + 1,), dtype uint8, or None
        The unknown code stays unknown. None if ``alphabet`` is not a permutation of ``ACGT``
        (a protein alphabet has no complement).
    """
    letters = alphabet.upper()
    if sorted(letters) != sorted("ACGT"):
        return None
    codes = [letters.index(COMPLEMENT[b]) for b in letters] + [len(letters)]
    return np.array(codes, dtype=np.uint8)


def get_reverse_complement_encoding(
    encoding: np.ndarray,
    bases_arr: Sequence[str] | np.ndarray = "ACGT",
    complementary_base_dict: Mapping[str, str] | None = None,
) -> np.ndarray:
    """Reverse-complement a one-hot encoding (the Selene SDK's function of that name).

    Positions are reversed and each column takes the values of its base's complement, so an
    unknown position (``1 / len(bases_arr)`` in every column) stays unknown.

    Parameters
    ----------
    encoding : np.ndarray, shape (..., L, len(bases_arr))
        Positions before letters, as ``get_encoding_from_coords`` returns them.
    bases_arr : sequence of str
        The column order (``Genome.BASES_ARR``).
    complementary_base_dict : dict of str to str, optional
        Base -> complement (``Genome.COMPLEMENTARY_BASE_DICT``, used by default).

    Returns
    -------
    np.ndarray
        A new array of the same shape and dtype.
    """
    bases = [str(b) for b in bases_arr]
    pairs = DNA_COMPLEMENT if complementary_base_dict is None else complementary_base_dict
    encoding = np.asarray(encoding)
    if encoding.ndim < 2 or encoding.shape[-1] != len(bases):
        raise ValueError(
            f"encoding must have shape (..., L, {len(bases)}) for bases {''.join(bases)!r}; "
            f"got {encoding.shape}"
        )
    missing = [b for b in bases if pairs.get(b) not in bases]
    if missing:
        raise ValueError(
            f"complementary_base_dict must map each of {bases} to one of them; "
            f"it does not for {missing}"
        )
    columns = [bases.index(pairs[b]) for b in bases]
    return np.ascontiguousarray(encoding[..., ::-1, columns])


def codes_to_one_hot(
    codes: torch.Tensor,
    n_letters: int = 4,
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
) -> torch.Tensor:
    """One-hot encode codes on their own device, in the model layout (alphabet before length).

    Parameters
    ----------
    codes : torch.Tensor, shape (N, L) or (L,), integer (usually uint8)
        Codes ``>= n_letters`` are unknown.
    n_letters : int
        Size of the alphabet.
    dtype : torch.dtype
        Floating dtype of the result.
    channels_last : bool
        Lay the result out in memory as ``(N, L, n_letters)`` (a view with the same shape and
        values), as the layer-local engine takes it without a copy.

    Returns
    -------
    torch.Tensor, shape (N, n_letters, L) or (n_letters, L)
        Unknown positions hold ``1 / n_letters`` in every row.
    """
    if codes.dtype.is_floating_point or codes.dtype == torch.bool:
        raise TypeError(f"codes must be an integer tensor (uint8 codes); got {codes.dtype}")
    if codes.ndim not in (1, 2):
        raise ValueError(f"codes must have shape (N, L) or (L,); got {tuple(codes.shape)}")
    if channels_last:  # one row lookup per position: a row per uint8 code, no clamping pass
        if codes.dtype == torch.uint8:
            index, rows = codes.long(), 256
        else:
            index, rows = codes.long().clamp(max=n_letters), n_letters + 1
        table = _one_hot_table(n_letters, max(rows, n_letters + 1), dtype, codes.device)
        return table[index].movedim(-1, -2)
    # Comparing against arange broadcasts straight into (.., A, L): no gather, no transpose.
    letters = torch.arange(n_letters, dtype=codes.dtype, device=codes.device).view(-1, 1)
    codes = codes.unsqueeze(-2)
    one_hot = (codes == letters).to(dtype)
    return one_hot.add_((codes >= n_letters).to(dtype) * (1.0 / n_letters))


@lru_cache(maxsize=16)
def _one_hot_table(
    n_letters: int, rows: int, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """Rows ``0 .. n_letters - 1``: the identity; every later row (unknown): ``1 / n_letters``."""
    table = torch.full((rows, n_letters), 1.0 / n_letters, dtype=dtype)
    table[:n_letters] = torch.eye(n_letters, dtype=dtype)
    return table.to(device)
