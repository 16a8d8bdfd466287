"""In silico mutagenesis: every alternative letter at every position of a range, scored.

Mutants are enumerated in the Selene SDK's order (position combinations in lexicographic order,
then every combination of alternative letters, in alphabet order; an unknown position takes
every letter) and built as arrays per batch, never one at a time, and scored by the runner's
``mutants`` (layer-local recomputation where the model allows it, else whole forward passes of
the mutated sequences: see :mod:`selene.predict.accel`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, combinations, islice, product
from pathlib import Path

import numpy as np

from selene.io.outputs import ISM_REFERENCE_ROW
from selene.predict import scores
from selene.predict.runner import ModelRunner, Outputs
from selene.predict.writers import OutputSet, progress

#: The score kinds of :class:`ISMScores`.
ISM_KINDS = ("predictions", "diffs", "abs_diffs", "logits")
_COMBINATIONS_PER_CHUNK = 4096


class FinishedRecords:
    """The records of a multi-record ISM run that are finished, so a rerun skips them.

    Kept in ``path`` (a ``.inprogress`` file) while the run lasts: the run's fingerprint, then
    one finished record's file stem per line. A rerun with the same fingerprint (and
    ``resume``) skips those records; :meth:`finish` removes the file.
    """

    def __init__(self, path: Path, fingerprint: str, resume: bool = True) -> None:
        self.path = path
        lines = path.read_text().splitlines() if resume and path.is_file() else []
        self.stems = set(lines[1:]) if lines[:1] == [fingerprint] else set()
        path.write_text("".join(f"{line}\n" for line in [fingerprint, *sorted(self.stems)]))

    def add(self, stem: str) -> None:
        """Record that ``stem``'s files are complete."""
        with open(self.path, "a") as handle:
            handle.write(f"{stem}\n")
        self.stems.add(stem)

    def finish(self) -> None:
        """Mark the whole run complete (a later run starts afresh)."""
        self.path.unlink(missing_ok=True)


def check_range(length: int, start: int, end: int | None, n_bases: int) -> tuple[int, int]:
    """Validate a mutagenesis range of a ``length``-letter sequence; return ``(start, end)``.

    Raises
    ------
    ValueError
        If the range is empty, negative, outside ``[0, length]``, or holds fewer than
        ``n_bases`` positions, or if ``n_bases`` < 1.
    """
    end = length if end is None else end
    if n_bases < 1:
        raise ValueError(f"mutate_n_bases must be at least 1, got {n_bases}")
    if start < 0 or end < 0:
        raise ValueError(f"negative positions are not supported: start={start}, end={end}")
    if start >= end:
        raise ValueError(f"start_position ({start}) must be less than end_position ({end})")
    if end > length:
        raise ValueError(
            f"end_position ({end}) is past the end of the {length}-letter sequence; "
            f"positions index the sequence as fitted to the model length"
        )
    if end - start < n_bases:
        raise ValueError(
            f"[{start}, {end}) holds {end - start} positions, fewer than mutate_n_bases={n_bases}"
        )
    return start, end


def mutations(
    codes: np.ndarray, start: int, end: int, n_bases: int, n_letters: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield chunks of mutants as ``(positions, letters)``, both ``(M, n_bases)`` int64."""
    alts = np.full((len(codes), n_letters), -1, dtype=np.int64)
    for pos in range(start, end):
        choices = [b for b in range(n_letters) if b != codes[pos]]
        alts[pos, : len(choices)] = choices
    digits = np.array(list(product(range(n_letters), repeat=n_bases)), dtype=np.int64)
    combos = combinations(range(start, end), n_bases)
    while True:
        flat = chain.from_iterable(islice(combos, _COMBINATIONS_PER_CHUNK))
        chunk = np.fromiter(flat, dtype=np.int64).reshape(-1, n_bases)
        if not len(chunk):
            return
        letters = alts[chunk[:, None, :], digits[None, :, :]]  # (C, n_letters ** n, n)
        valid = (letters >= 0).all(axis=2)
        positions = np.broadcast_to(chunk[:, None, :], letters.shape)
        yield positions[valid], letters[valid]


def _batches(
    chunks: Iterator[tuple[np.ndarray, np.ndarray]], size: int, skip: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Regroup mutant chunks into batches of ``size``, dropping the first ``skip`` mutants."""
    buffer: list[tuple[np.ndarray, np.ndarray]] = []
    held = 0
    for positions, letters in chunks:
        if skip:
            cut = min(skip, len(positions))
            positions, letters, skip = positions[cut:], letters[cut:], skip - cut
        buffer.append((positions, letters))
        held += len(positions)
        while held >= size:
            pos, let = (np.concatenate(a) for a in zip(*buffer, strict=True))
            yield pos[:size], let[:size]
            buffer, held = [(pos[size:], let[size:])], held - size
    if held:
        yield tuple(np.concatenate(a) for a in zip(*buffer, strict=True))  # type: ignore[misc]


def _windows(codes: np.ndarray, positions: np.ndarray, letters: np.ndarray):
    """Each mutant's changed span: ``starts`` (M,) and its codes ``(M, W)``."""
    width = int((positions[:, -1] - positions[:, 0]).max()) + 1
    starts = np.minimum(positions[:, 0], len(codes) - width)
    window = codes[starts[:, None] + np.arange(width)]
    rows = np.arange(len(starts))[:, None]
    window[rows, positions - starts[:, None]] = letters
    return starts, window


@dataclass
class ISMScores:
    """Scores of mutants of one sequence: one row per mutant, one column per feature.

    Attributes
    ----------
    reference : numpy.ndarray, shape (F,), float32
        The unmutated sequence's predictions.
    predictions : numpy.ndarray, shape (M, F), float32
        Each mutant's predictions.
    diffs, abs_diffs : numpy.ndarray, shape (M, F), float32
        ``mutant - reference`` and ``|mutant - reference|``.
    logits : numpy.ndarray, shape (M, F), float32
        ``logit(mutant) - logit(reference)`` (exact logit differences for networks that end
        in logits).

    A score kind that was not asked for (``kinds`` of :func:`score_mutants`) is None.
    positions : numpy.ndarray, shape (M, n_bases), int64
        The mutated positions (0-based, in the sequence as scored).
    ref_alleles, alt_alleles : numpy.ndarray, shape (M, n_bases), str
        The letters at ``positions`` before and after the mutation.
    """

    reference: np.ndarray
    predictions: np.ndarray | None
    diffs: np.ndarray | None
    abs_diffs: np.ndarray | None
    logits: np.ndarray | None
    positions: np.ndarray
    ref_alleles: np.ndarray
    alt_alleles: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def values(self, kinds: Iterable[str]) -> dict[str, np.ndarray]:
        """Return the arrays named by ``kinds`` (what the writers take)."""
        return {kind: getattr(self, kind) for kind in kinds}

    def ids(self) -> list[tuple[str, str, str]]:
        """Selene's ISM row IDs: ``(pos, ref, alt)``, ``;``-joined for several bases."""
        pos = self.positions.astype(str)
        if pos.shape[1] == 1:
            columns = (pos[:, 0], self.ref_alleles[:, 0], self.alt_alleles[:, 0])
            return list(zip(*(c.tolist() for c in columns), strict=True))
        rows = zip(pos.tolist(), self.ref_alleles.tolist(), self.alt_alleles.tolist(), strict=True)
        return [(";".join(p), ";".join(r), ";".join(a)) for p, r, a in rows]

    @classmethod
    def concatenate(cls, chunks: list[ISMScores], reference: np.ndarray) -> ISMScores:
        """Join ``chunks`` (an empty list gives no rows)."""
        arrays: dict[str, np.ndarray | None] = {}
        for name in ISM_KINDS:
            parts = [getattr(c, name) for c in chunks] or [np.zeros((0, len(reference)))]
            joined = None if any(p is None for p in parts) else np.concatenate(parts)
            arrays[name] = None if joined is None else joined.astype(np.float32, copy=False)
        for name, dtype in (("positions", np.int64), ("ref_alleles", str), ("alt_alleles", str)):
            parts = [getattr(c, name) for c in chunks] or [np.zeros((0, 1), dtype)]
            arrays[name] = np.concatenate(parts)
        return cls(reference, **arrays)


def score_mutants(
    runner: ModelRunner,
    codes: np.ndarray,
    letters: str,
    *,
    start: int = 0,
    end: int | None = None,
    n_bases: int = 1,
    batch_size: int = 64,
    kinds: Iterable[str] = ISM_KINDS,
) -> tuple[Outputs, Callable[[int], Iterator[ISMScores]]]:
    """Score every mutant of ``codes`` (a model-length sequence) in ``[start, end)``.

    Parameters
    ----------
    runner : ModelRunner
    codes : numpy.ndarray, shape (L,), dtype uint8
    letters : str
        The letter of each code: the alphabet, then the unknown letter.
    start, end, n_bases, batch_size : int
    kinds : iterable of str
        The scores to compute (of :data:`ISM_KINDS`); the others are None.

    Returns
    -------
    tuple of Outputs and a function
        The unmutated sequence's outputs, and ``chunks(skip=0)``: an iterator of the mutants'
        :class:`ISMScores`, batch by batch in the Selene SDK's order, leaving out the first
        ``skip`` mutants (a resumed run).
    """
    start, end = check_range(len(codes), start, end, n_bases)
    ref_state = runner.reference(codes[None])
    ref = runner.reference_outputs(ref_state)
    reference = ref.predictions.float().cpu().numpy()[0]
    table = np.array(list(letters))
    kinds = [k for k in ISM_KINDS if k in set(kinds)]

    def chunks(skip: int = 0) -> Iterator[ISMScores]:
        size = runner.mutants_per_batch(batch_size)
        mutants = mutations(codes, start, end, n_bases, runner.n_letters)
        for positions, alts in _batches(mutants, size, skip):
            starts, window = _windows(codes, positions, alts)
            alt = runner.mutants(ref_state, np.zeros(len(starts), np.int64), starts, window)
            values = dict.fromkeys(ISM_KINDS) | scores.scores(kinds, alt, ref)
            ref_alleles, alt_alleles = table[codes[positions]], table[alts]
            yield ISMScores(reference, **values, positions=positions, ref_alleles=ref_alleles,
                            alt_alleles=alt_alleles)  # fmt: skip

    return ref, chunks


def write_mutagenesis(
    runner: ModelRunner,
    codes: np.ndarray,
    out: OutputSet,
    kinds: list[str],
    letters: str,
    *,
    start: int = 0,
    end: int | None = None,
    n_bases: int = 1,
    batch_size: int = 64,
    ref_out: OutputSet | None = None,
    resume: bool = True,
    show_progress: bool = True,
) -> int:
    """Score every mutant of ``codes`` (fitted to the model length) into ``out``.

    ``letters`` is the alphabet then the unknown letter. Returns the number of mutant rows.
    With TSV output and ``predictions`` requested, the predictions file starts with the
    unmutated sequence's row (``input_sequence NA NA``); with HDF5 output that row goes to
    ``ref_out``, as in Selene.
    """
    start, end = check_range(len(codes), start, end, n_bases)
    total = _count(codes, start, end, n_bases, runner.n_letters)
    ref, chunks = score_mutants(runner, codes, letters, start=start, end=end, n_bases=n_bases,
                                batch_size=batch_size, kinds=kinds)  # fmt: skip
    ref_predictions = ref.predictions.float().cpu().numpy()
    if "predictions" in kinds:
        out.preamble = {"predictions": ((ISM_REFERENCE_ROW, "NA", "NA"), ref_predictions[0])}
    if ref_out is not None:
        ref_out.start(resume=False)
        ref_out.write([(ISM_REFERENCE_ROW,)], {"predictions": ref_predictions})
        ref_out.finish()
    done = out.start(resume)
    with progress(total, "ISM", done, show_progress, "mutant") as bar:
        for chunk in chunks(done):
            out.write(chunk.ids(), chunk.values(kinds))
            bar.update(len(chunk))
    out.finish()
    return out.rows


def _count(codes: np.ndarray, start: int, end: int, n_bases: int, n_letters: int) -> int:
    """Count the mutants: sum over position combinations of the product of choices."""
    choices = np.where(codes[start:end] >= n_letters, n_letters, n_letters - 1).astype(float)
    # elementary symmetric polynomial e_n of the choices
    e = np.zeros(n_bases + 1)
    e[0] = 1.0
    for c in choices:
        e[1:] = e[1:] + c * e[:-1]
    return int(round(e[n_bases]))
