"""The ``Sequence`` protocol: a collection of named sequences queried by coordinates."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from selene.sequences import encoding

__all__ = ["Sequence"]


class _class_or_instance_method:
    """Bind to the instance when called on one, else to the class (Selene calls both ways)."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: object, owner: type) -> Callable[..., Any]:
        bound_to = owner if obj is None else obj
        return self.func.__get__(bound_to, owner)


class Sequence(ABC):
    """A collection of sequences (chromosomes, proteins) queried by 0-based coordinates.

    Attributes
    ----------
    BASES_ARR : np.ndarray of str
        The alphabet, in encoding-column and code order.
    BASE_TO_INDEX : dict[str, int]
        Letter (either case) -> column.
    UNK_BASE : str
        The letter for an unknown position (``N`` for DNA); it encodes as ``1 / len(BASES_ARR)``
        in every column.
    UNK_CODE : int
        The compact code of an unknown position, ``len(BASES_ARR)``.
    """

    BASES_ARR: ClassVar[np.ndarray]
    BASE_TO_INDEX: ClassVar[dict[str, int]]
    UNK_BASE: ClassVar[str]
    UNK_CODE: ClassVar[int]

    @abstractmethod
    def get_chrs(self) -> list[str]:
        """Names of the sequences, in file order."""

    @abstractmethod
    def get_chr_lens(self) -> list[tuple[str, int]]:
        """``(name, length)`` of every sequence, in file order."""

    @abstractmethod
    def coords_in_bounds(self, chrom: str, start: int, end: int) -> bool:
        """Whether ``[start, end)`` is a valid, non-empty window inside ``chrom``."""

    @abstractmethod
    def get_sequence_from_coords(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> str:
        """Return the letters of ``[start, end)`` on ``chrom``."""

    @abstractmethod
    def get_encoding_from_coords(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> np.ndarray:
        """Return the ``(end - start, len(BASES_ARR))`` float32 one-hot encoding of a window."""

    @_class_or_instance_method
    def sequence_to_encoding(self, sequence: str) -> np.ndarray:
        """One-hot encode letters in this alphabet's column order.

        Parameters
        ----------
        sequence : str
            Case is ignored; letters outside the alphabet are unknown.

        Returns
        -------
        np.ndarray, shape (len(sequence), len(BASES_ARR)), dtype float32
        """
        return encoding.sequence_to_encoding(sequence, "".join(self.BASES_ARR))

    @_class_or_instance_method
    def encoding_to_sequence(self, encoding_: np.ndarray) -> str:
        """Decode a one-hot encoding in this alphabet's column order.

        Parameters
        ----------
        encoding_ : np.ndarray, shape (L, len(BASES_ARR))

        Returns
        -------
        str
            Rows without a 1 decode to ``UNK_BASE``.
        """
        return encoding.encoding_to_sequence(encoding_, "".join(self.BASES_ARR), self.UNK_BASE)
