"""In silico mutagenesis: every alternative letter at every position of a range, scored.

Mutants are enumerated in the Selene SDK's order (position combinations in lexicographic order,
then every combination of alternative letters, in alphabet order; an unknown position takes
every letter) and built as arrays per batch, never one at a time. With a convolutional front
end they are scored by the layer-local engine (:mod:`selene.predict.local`); otherwise by full
forward passes of the mutated sequences, batched.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, combinations, islice, product
from pathlib import Path

import numpy as np

from selene.predict import scores
from selene.predict.runner import ModelRunner
from selene.predict.writers import OutputSet, progress

ISM_COLS = ["pos", "ref", "alt"]
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


def mutant_ids(sequence: str, positions: np.ndarray, letters: np.ndarray, alphabet: str) -> list:
    """Selene's ISM row IDs: ``(pos, ref, alt)``, ``;``-joined for several bases."""
    if positions.shape[1] == 1:
        return [
            (str(p), sequence[p], alphabet[a])
            for p, a in zip(positions[:, 0].tolist(), letters[:, 0].tolist(), strict=True)
        ]
    return [
        (";".join(map(str, p)), ";".join(sequence[i] for i in p), ";".join(alphabet[a] for a in q))
        for p, q in zip(positions.tolist(), letters.tolist(), strict=True)
    ]


def _windows(codes: np.ndarray, positions: np.ndarray, letters: np.ndarray):
    """Each mutant's changed span: ``starts`` (M,) and its codes ``(M, W)``."""
    width = int((positions[:, -1] - positions[:, 0]).max()) + 1
    starts = np.minimum(positions[:, 0], len(codes) - width)
    window = codes[starts[:, None] + np.arange(width)]
    rows = np.arange(len(starts))[:, None]
    window[rows, positions - starts[:, None]] = letters
    return starts, window


def in_silico_mutagenesis(
    runner: ModelRunner,
    sequence: str,
    codes: np.ndarray,
    out: OutputSet,
    kinds: list[str],
    alphabet: str,
    *,
    start: int = 0,
    end: int | None = None,
    n_bases: int = 1,
    batch_size: int = 64,
    ref_out: OutputSet | None = None,
    resume: bool = True,
    show_progress: bool = True,
) -> int:
    """Score every mutant of ``sequence`` (already fitted to the model length) into ``out``.

    Returns the number of mutant rows. With TSV output and ``predictions`` requested, the
    predictions file starts with the unmutated sequence's row (``input_sequence NA NA``); with
    HDF5 output that row goes to ``ref_out``, as in Selene.
    """
    start, end = check_range(len(codes), start, end, n_bases)
    engine = runner.engine is not None
    ref_state = runner.reference(codes[None]) if engine else None
    ref = runner.reference_outputs(ref_state) if ref_state else runner.outputs(codes[None])
    ref_predictions = ref.predictions.float().cpu().numpy()
    if "predictions" in kinds:
        out.preamble = {"predictions": (("input_sequence", "NA", "NA"), ref_predictions[0])}
    if ref_out is not None:
        ref_out.start(resume=False)
        ref_out.write([("input_sequence",)], {"predictions": ref_predictions})
        ref_out.finish()
    done = out.start(resume)
    total = _count(codes, start, end, n_bases, runner.n_letters)
    size = max(batch_size, 512) if engine else batch_size
    chunks = mutations(codes, start, end, n_bases, runner.n_letters)
    with progress(total, "ISM", done, show_progress, "mutant") as bar:
        for positions, letters in _batches(chunks, size, done):
            starts, window = _windows(codes, positions, letters)
            if ref_state is not None:
                alt = runner.mutants(ref_state, np.zeros(len(starts), np.int64), starts, window)
            else:
                full = np.tile(codes, (len(starts), 1))
                columns = starts[:, None] + np.arange(window.shape[1])
                full[np.arange(len(starts))[:, None], columns] = window
                alt = runner.outputs(full)
            out.write(
                mutant_ids(sequence, positions, letters, alphabet), scores.scores(kinds, alt, ref)
            )
            bar.update(len(starts))
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
