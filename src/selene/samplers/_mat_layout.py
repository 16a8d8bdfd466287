"""Which axes of a file's sequence and target arrays are batch, alphabet and length.

MATLAB and HDF5 files store the same data in several orders (DeepSEA's v7.3 ``(N, 4, L)``,
its v5 ``(L, 4, N)``, Selene's HDF5 ``(N, L, 4)``); the axes are read off the shapes: the
alphabet axis has size 4 and the batch axis matches the targets' rows.
"""

from __future__ import annotations


def find_layout(
    name: str,
    keys: str,
    seq: tuple[int, ...],
    tgt: tuple[int, ...] | None,
    batch: int | None,
    alphabet: int | None,
    tgt_batch: int | None,
) -> tuple[int, int, int | None]:
    """Find (sequence batch axis, alphabet axis, targets batch axis), checking the shapes."""
    where = f"{name} ({keys}: sequences {seq}, targets {tgt})"
    if len(seq) != 3:
        raise ValueError(f"{where}: sequences must be 3-D (batch, alphabet, length in any order)")
    if tgt is not None and len(tgt) != 2:
        raise ValueError(f"{where}: targets must be 2-D (batch, features in either order)")
    if alphabet is None:
        fours = [i for i, s in enumerate(seq) if s == 4]
        if not fours:
            raise ValueError(f"{where}: no axis of size 4 for the alphabet (A, C, G, T)")
        alphabet = 1 if 1 in fours else fours[0]
    others = [i for i in range(3) if i != alphabet]
    if batch is None:
        matching = [i for i in others if tgt is None or seq[i] in tgt]
        if not matching:
            raise ValueError(
                f"{where}: mismatched shapes, no sequence axis has as many rows as the targets"
            )
        if len(matching) > 1 and tgt is not None:
            raise ValueError(f"{where}: cannot tell the batch axis; give sequence_batch_axis")
        batch = matching[0]
    if sorted((batch, alphabet)) not in ([0, 1], [0, 2], [1, 2]):
        raise ValueError(
            f"{where}: sequence_batch_axis={batch} and sequence_alphabet_axis="
            f"{alphabet} must be two different axes in 0..2"
        )
    if tgt is not None:
        n = seq[batch]
        if tgt_batch is None:
            tgt_batch = 0 if tgt[0] == n else 1
        if tgt[tgt_batch] != n:
            raise ValueError(
                f"{where}: mismatched shapes, {n} sequences but targets axis "
                f"{tgt_batch} has {tgt[tgt_batch]} rows"
            )
    return batch, alphabet, tgt_batch
