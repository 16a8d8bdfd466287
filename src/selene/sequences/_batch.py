"""Vectorised validation of batched window queries (strands, lengths, bounds)."""

from __future__ import annotations

from typing import Any

import numpy as np


def parse_strands(strands: Any, n: int) -> np.ndarray:
    """Turn the accepted strand forms into a bool array, True for ``'-'``.

    Parameters
    ----------
    strands : None, str, sequence of str, or bool/int array
        None means all ``'+'``; one string applies to every window; ``'.'`` is ``'+'``.
    n : int
        Number of windows.

    Returns
    -------
    np.ndarray, shape (n,), dtype bool
    """
    if strands is None:
        return np.zeros(n, dtype=bool)
    array = np.asarray(strands)
    if array.ndim == 0 and array.dtype.kind == "U":
        array = np.full(n, array)
    if array.dtype.kind in "biu":
        minus = array.reshape(-1) != 0
    else:
        array = array.astype(str).reshape(-1)
        minus = array == "-"
        bad = ~(minus | (array == "+") | (array == "."))
        if bad.any():
            raise ValueError(f"strands must be '+', '-' or '.'; got {array[bad][:5].tolist()}")
    if minus.shape != (n,):
        raise ValueError(f"got {minus.size} strands for {n} windows")
    return minus


def window_arrays(starts: Any, ends: Any, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Check that ``n`` windows are given and share one positive length.

    Returns
    -------
    starts, ends : np.ndarray, shape (n,), dtype int64
    length : int
        0 when ``n`` is 0.
    """
    starts, ends = np.asarray(starts).reshape(-1), np.asarray(ends).reshape(-1)
    for name, values in (("starts", starts), ("ends", ends)):
        if values.size and values.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integers; got dtype {values.dtype}")
    if not n == starts.size == ends.size:
        raise ValueError(
            f"chroms, starts and ends must have equal lengths; got {n}, {starts.size}, {ends.size}"
        )
    starts, ends = starts.astype(np.int64, copy=False), ends.astype(np.int64, copy=False)
    if n == 0:
        return starts, ends, 0
    length = int(ends[0] - starts[0])
    if length <= 0 or np.any(ends - starts != length):
        raise ValueError(
            f"every window must have the same positive length; got lengths "
            f"{np.unique(ends - starts)[:5].tolist()}"
        )
    return starts, ends, length


def check_bounds(
    names: list[str],
    ids: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    sizes: np.ndarray,
    pad: bool,
    where: str,
) -> None:
    """Raise for the first window past a chromosome end (``pad=False``) or wholly outside it.

    Parameters
    ----------
    names : list[str]
        Chromosome names, indexed by ``ids``.
    ids, starts, ends : np.ndarray, shape (N,), dtype int64
    sizes : np.ndarray, shape (C,), dtype int64
        Chromosome lengths.
    pad : bool
        Whether positions past the ends will be padded.
    where : str
        Names the file in the message.
    """
    size = sizes[ids]
    bad = (starts >= size) | (ends <= 0) if pad else (starts < 0) | (ends > size)
    if bad.any():
        i = int(np.argmax(bad))
        chrom = names[ids[i]]
        problem = "lies entirely outside" if pad else "runs past the ends of"
        hint = "" if pad else "; pass pad=True to pad past the ends"
        raise ValueError(
            f"window {i} ({chrom}:{starts[i]}-{ends[i]}) {problem} {chrom} "
            f"(length {size[i]}) in {where}{hint}"
        )
