"""Predictions for sequences: FASTA records (read by :mod:`selene.io.fasta`) and strings.

Each sequence is centred in the model's window, padded with the unknown letter or trimmed as
the Selene SDK does it (``floor`` of the difference on the left, ``ceil`` on the right; trimming
keeps the middle). Letters outside the alphabet (other than the unknown letter) are refused.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np

from selene.predict import scores
from selene.predict.runner import ModelRunner
from selene.predict.writers import OutputSet, progress
from selene.sequences import sequence_to_codes
from selene.utils.warnings import SeleneWarning


def fit_length(sequence: str, length: int, unknown: str = "N") -> str:
    """Centre ``sequence`` in ``length`` letters: pad with ``unknown`` or trim, as Selene does."""
    if len(sequence) < length:
        diff = (length - len(sequence)) / 2
        sequence = unknown * math.floor(diff) + sequence + unknown * math.ceil(diff)
    elif len(sequence) > length:
        start = (len(sequence) - length) // 2
        sequence = sequence[start : start + length]
    return sequence.upper()


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


def encode_records(
    records: Iterable[tuple[str, str]], length: int, alphabet: str, unknown: str
) -> Iterator[tuple[str, np.ndarray]]:
    """Fit each record to ``length`` and encode it (named in errors).

    An empty record keeps its row (so rows stay aligned with records), scored as an all-unknown
    window, and is named in a warning at the end.
    """
    empty = []
    for name, sequence in records:
        if not sequence:
            empty.append(name)
        check_letters(sequence, alphabet, unknown, repr(name))
        yield name, sequence_to_codes(fit_length(sequence, length, unknown), alphabet)
    if empty:
        warnings.warn(
            f"{len(empty)} empty record(s), e.g. {empty[:5]}: their rows are predictions for "
            f"an all-{unknown!r} window, not for a sequence; drop them from the FASTA",
            SeleneWarning,
            stacklevel=2,
        )


def predict_sequences(
    runner: ModelRunner,
    records: Iterable[tuple[str, str]],
    out: OutputSet,
    alphabet: str,
    unknown: str,
    batch_size: int = 64,
    total: int | None = None,
    resume: bool = True,
    show_progress: bool = True,
) -> int:
    """Write predictions for ``(name, sequence)`` records to ``out``; return the row count.

    Rows are ``(index, name)`` + one prediction per feature. A resumed run skips the records
    already written.
    """
    done = out.start(resume)
    encoded = encode_records(records, runner.sequence_length, alphabet, unknown)
    index = done
    for _ in islice(encoded, done):
        pass
    with progress(total, "sequences", done, show_progress, "seq") as bar:
        while batch := list(islice(encoded, batch_size)):
            codes = np.stack([c for _, c in batch])
            ids = [(index + i, name) for i, (name, _) in enumerate(batch)]
            out.write(ids, scores.predictions(runner.outputs(codes)))
            index += len(batch)
            bar.update(len(batch))
    out.finish()
    if index == 0:
        warnings.warn(
            "no sequences to predict: wrote empty outputs with headers",
            SeleneWarning,
            stacklevel=3,
        )
    return index
