"""Predictions for FASTA records (read by :mod:`selene.io.fasta`), written to an OutputSet.

Read -> operation -> writer: each record is fitted to the model length and encoded
(:mod:`selene.predict.codes`), each batch is predicted by :func:`selene.predict.ops.predict_codes`
(what :func:`selene.predict.predict` runs), and the rows are written.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np

from selene.predict.codes import check_letters, fit_length
from selene.predict.ops import predict_codes
from selene.predict.runner import ModelRunner
from selene.predict.writers import OutputSet, progress
from selene.sequences import sequence_to_codes
from selene.utils.warnings import SeleneWarning


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
            out.write(ids, {"predictions": predict_codes(runner, codes)})
            index += len(batch)
            bar.update(len(batch))
    out.finish()
    if index == 0:
        warnings.warn(
            "no sequences to predict: wrote empty outputs with headers",
            SeleneWarning,
            stacklevel=4,
        )
    return index
