"""Shared machinery of the FASTA-backed sequences (``Genome``, ``Proteome``)."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence as Seq
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyfaidx

from selene.sequences import _faidx, _reference
from selene.sequences._batch import check_bounds, parse_strands, window_arrays
from selene.sequences._kernels import gather_windows
from selene.sequences.encoding import byte_table, codes_to_encoding
from selene.sequences.sequence import Sequence

_IDENTITY = np.arange(256, dtype=np.uint8)


class FastaSequence(Sequence):
    """A ``Sequence`` read from an indexed FASTA through the compact reference cache.

    Subclasses set ``BASES_ARR``, ``BASE_TO_INDEX``, ``UNK_BASE``, ``UNK_CODE``, ``_TAG`` (names
    the cache) and ``_CANONICAL`` (the cache's code order).
    """

    _TAG: ClassVar[str]
    _CANONICAL: ClassVar[str]

    def __init__(self, input_path: str | Path, cache_dir: str | Path | None = None) -> None:
        self.path = Path(input_path)
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        fasta = _faidx.open_fasta(self.path)
        index = _reference.read_index(fasta, self.path)
        self._check_letters(fasta, index)
        self.chrom_sizes: dict[str, int] = dict(
            zip(index.names, index.lengths.tolist(), strict=True)
        )
        self._ids = {name: i for i, name in enumerate(index.names)}
        self._lengths = index.lengths
        self._offsets = index.offsets
        self._fasta: pyfaidx.Fasta | None = fasta
        self._codes: np.ndarray | None = None
        self._cache_file = self._build_cache(fasta, index)
        self._set_output_order(_IDENTITY, _IDENTITY)

    def _check_letters(self, fasta: pyfaidx.Fasta, index: _reference.FastaIndex) -> None:
        """Refuse a FASTA of the wrong kind from a bounded sample (subclasses; none here)."""

    def _set_output_order(self, forward: np.ndarray, reverse: np.ndarray) -> None:
        """Set the 256-entry maps from cache codes to output codes ('+' and '-' windows)."""
        self._forward, self._reverse = forward, reverse
        # The cache holds codes 0..UNK_CODE only, so only those entries matter.
        used = slice(0, self.UNK_CODE + 1)
        self._identity = bool(np.array_equal(forward[used], _IDENTITY[used]))

    # -- pickling: file handles and memory maps are reopened lazily in each process -------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_fasta"] = None
        state["_codes"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _build_cache(self, fasta: pyfaidx.Fasta, index: _reference.FastaIndex) -> Path:
        table = byte_table(self._CANONICAL)
        return _reference.load_or_build(self.path, fasta, index, table, self._TAG, self.cache_dir)

    @property
    def fasta(self) -> pyfaidx.Fasta:
        """The pyfaidx handle (opened on first use in each process)."""
        if self._fasta is None:
            self._fasta = _faidx.open_fasta(self.path)
        return self._fasta

    @property
    def codes(self) -> np.ndarray:
        """The whole reference as one flat read-only ``uint8`` array, memory-mapped on first use.

        Codes are in the cache's canonical order (``_CANONICAL``); windows come out in
        ``BASES_ARR`` order.
        """
        if self._codes is None:
            if not self._cache_file.is_file():  # e.g. removed because the FASTA changed
                fasta = self.fasta
                index = _reference.read_index(fasta, self.path)
                if dict(zip(index.names, index.lengths.tolist(), strict=True)) != self.chrom_sizes:
                    raise ValueError(
                        f"{self.path} changed since this {type(self).__name__} was created; "
                        f"create it again"
                    )
                self._cache_file = self._build_cache(fasta, index)
            self._codes = _reference.open_codes(self._cache_file)
        return self._codes

    # -- names and sizes ------------------------------------------------------------------------
    def get_chrs(self) -> list[str]:
        """Names of the sequences, in FASTA order.

        Returns
        -------
        list[str]
        """
        return list(self.chrom_sizes)

    def get_chr_lens(self) -> list[tuple[str, int]]:
        """``(name, length)`` of every sequence, in FASTA order.

        Returns
        -------
        list[tuple[str, int]]
        """
        return list(self.chrom_sizes.items())

    def _unknown(self, name: object) -> KeyError:
        known = list(self.chrom_sizes)
        return KeyError(
            f"{name!r} is not a sequence name in {self.path.name}; known: {known[:5]}"
            f"{'...' if len(known) > 5 else ''} (check the 'chr' prefix)"
        )

    def chrom_ids(self, names: str | Iterable[str]) -> np.ndarray:
        """Map sequence names to their indices in ``get_chrs()``.

        Parameters
        ----------
        names : str or iterable of str

        Returns
        -------
        np.ndarray, shape (N,), dtype int32
        """
        if isinstance(names, str):
            names = [names]
        ids = self._ids
        try:
            return np.fromiter((ids[name] for name in names), dtype=np.int32)
        except KeyError as err:
            raise self._unknown(err.args[0]) from None

    def coords_in_bounds(self, chrom: str, start: int, end: int) -> bool:
        """Whether ``0 <= start < end <= length(chrom)``; False for an unknown name.

        Returns
        -------
        bool
        """
        size = self.chrom_sizes.get(chrom)
        return size is not None and 0 <= start < end <= size

    # -- single windows ---------------------------------------------------------------------------
    def _check_window(self, chrom: str, start: int, end: int, pad: bool) -> int:
        if chrom not in self._ids:
            raise self._unknown(chrom)
        if start > end:
            raise ValueError(f"start must not exceed end; got {chrom}:{start}-{end}")
        size = self.chrom_sizes[chrom]
        if pad:
            if start < end and (start >= size or end <= 0):
                raise ValueError(
                    f"window {chrom}:{start}-{end} lies entirely outside {chrom} "
                    f"(length {size}) in {self.path.name}"
                )
        elif start < 0 or end > size:
            raise ValueError(
                f"window {chrom}:{start}-{end} runs past the ends of {chrom} (length {size}) in "
                f"{self.path.name}; pass pad=True to pad with {self.UNK_BASE!r}"
            )
        return self._ids[chrom]

    def _minus(self, strand: str) -> bool:
        if strand in ("+", "."):
            return False
        raise ValueError(f"strand must be '+' or '.' for {type(self).__name__}; got {strand!r}")

    def get_codes_from_coords(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> np.ndarray:
        """Compact codes of one window.

        Parameters
        ----------
        chrom : str
        start, end : int
            0-based, end-exclusive.
        strand : str
            ``'+'`` (or ``'.'``), or ``'-'`` where the subclass allows it.
        pad : bool
            Pad positions past either end with ``UNK_CODE`` instead of raising.

        Returns
        -------
        np.ndarray, shape (end - start,), dtype uint8
            Indices into ``BASES_ARR``; ``UNK_CODE`` for unknown letters and padding.
        """
        minus = self._minus(strand)
        cid = self._check_window(chrom, start, end, pad)
        out = np.empty((1, end - start), dtype=np.uint8)
        self._gather(np.array([cid]), np.array([start]), np.array([minus]), out)
        return out[0]

    def get_encoding_from_coords(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> np.ndarray:
        """One-hot encoding of one window, in the Selene layout.

        Parameters are those of ``get_codes_from_coords``.

        Returns
        -------
        np.ndarray, shape (end - start, len(BASES_ARR)), dtype float32
            Unknown positions hold ``1 / len(BASES_ARR)`` in every column.
        """
        codes = self.get_codes_from_coords(chrom, start, end, strand, pad)
        return codes_to_encoding(codes, len(self.BASES_ARR))

    def get_encoding_from_coords_check_unk(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> tuple[np.ndarray, bool]:
        """One-hot encoding of one window, and whether it holds any unknown position.

        Parameters are those of ``get_codes_from_coords``.

        Returns
        -------
        encoding : np.ndarray, shape (end - start, len(BASES_ARR)), dtype float32
        has_unknown : bool
            True if any position is unknown (``N``, another non-alphabet letter, or padding).
        """
        codes = self.get_codes_from_coords(chrom, start, end, strand, pad)
        return codes_to_encoding(codes, len(self.BASES_ARR)), bool((codes >= self.UNK_CODE).any())

    def get_sequence_from_coords(
        self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = False
    ) -> str:
        """Letters of one window as written in the FASTA (soft-masked case kept).

        Parameters are those of ``get_codes_from_coords``.

        Returns
        -------
        str
            ``end - start`` letters, padded with ``UNK_BASE`` past the ends when ``pad``.
        """
        minus = self._minus(strand)
        self._check_window(chrom, start, end, pad)
        size = self.chrom_sizes[chrom]
        lo, hi = max(start, 0), min(end, size)
        letters = self.fasta[chrom][lo:hi] if lo < hi else ""
        letters = self.UNK_BASE * (lo - start) + str(letters) + self.UNK_BASE * (end - hi)
        return self._reverse_letters(letters) if minus else letters

    def _reverse_letters(self, letters: str) -> str:
        raise NotImplementedError

    # -- batches ----------------------------------------------------------------------------------
    def _resolve_chroms(self, chroms: Any) -> np.ndarray:
        if isinstance(chroms, list | tuple) and chroms and isinstance(chroms[0], str):
            return self.chrom_ids(chroms).astype(np.int64)  # skip a round trip through numpy
        array = np.asarray(chroms)
        if array.dtype.kind in "iu":
            ids = array.astype(np.int64, copy=False).reshape(-1)
            bad = (ids < 0) | (ids >= len(self.chrom_sizes))
            if bad.any():
                raise ValueError(
                    f"chromosome ids must be in [0, {len(self.chrom_sizes)}) for "
                    f"{self.path.name}; got {ids[bad][:5].tolist()}"
                )
            return ids
        return self.chrom_ids(array.reshape(-1).tolist()).astype(np.int64)

    def get_encodings(
        self,
        chroms: Seq[str] | np.ndarray,
        starts: Seq[int] | np.ndarray,
        ends: Seq[int] | np.ndarray,
        strands: Seq[str] | np.ndarray | str | None = None,
        pad: bool = False,
    ) -> np.ndarray:
        """Compact codes of many equal-length windows, gathered in one compiled loop.

        Parameters
        ----------
        chroms : sequence of str, or np.ndarray of int
            Names, or ids from ``chrom_ids``.
        starts, ends : array-like of int, shape (N,)
            0-based, end-exclusive; every window has the same length.
        strands : sequence of str, bool/int array, or str, optional
            ``'+'``/``'-'`` per window, or True for ``'-'``; all ``'+'`` by default.
        pad : bool
            Pad positions past either chromosome end with ``UNK_CODE`` instead of raising.

        Returns
        -------
        np.ndarray, shape (N, L), dtype uint8
            Indices into ``BASES_ARR``; ``UNK_CODE`` for unknown letters and padding.
        """
        ids = self._resolve_chroms(chroms)
        starts, ends, length = window_arrays(starts, ends, ids.size)
        minus = parse_strands(strands, ids.size)
        if minus.any():
            self._minus("-")  # raises where '-' makes no sense
        if ids.size == 0:
            return np.empty((0, 0), dtype=np.uint8)
        check_bounds(self.get_chrs(), ids, starts, ends, self._lengths, pad, self.path.name)
        out = np.empty((ids.size, length), dtype=np.uint8)
        self._gather(ids, starts, minus, out)
        return out

    def _gather(self, ids: np.ndarray, starts: np.ndarray, minus: np.ndarray, out: np.ndarray):
        gather_windows(
            self.codes,
            self._offsets,
            self._lengths,
            ids.astype(np.int64, copy=False),
            starts.astype(np.int64, copy=False),
            minus.astype(np.bool_, copy=False),
            self._forward,
            self._reverse,
            self.UNK_CODE,
            self._identity,
            out,
        )
