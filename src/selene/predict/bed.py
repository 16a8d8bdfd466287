"""Predictions for BED regions: a model-length window centred on each interval's midpoint.

As in the Selene SDK, the window is ``[mid - start_radius, mid + end_radius)`` with ``mid =
start + (end - start) // 2``, read on the row's strand when ``strand_index`` names a column.
Unlike Selene, windows past a chromosome end are padded with ``N`` (``contains_unk=True``)
rather than dropped. Rows that cannot be scored (not valid BED lines, see
:func:`selene.io.bed.iter_rows`; a chromosome the reference lacks; a region or window wholly past
its chromosome's end) are copied to the ``.NA`` file, and a warning says why, with their line
numbers; blank, ``#``, ``track`` and ``browser`` lines are skipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from selene.io.bed import iter_rows
from selene.io.chroms import chrom_resolver
from selene.predict.ops import predict_codes
from selene.predict.runner import ModelRunner
from selene.predict.unscored import Unscored, reference_name
from selene.predict.writers import OutputSet, progress
from selene.sequences import Genome
from selene.utils.warnings import SeleneWarning


def read_regions(
    path: str | Path, genome: Genome, strand_index: int | None, na: Unscored, length: int
) -> Iterator[tuple[int, str, int, int, str]]:
    """Yield ``(line index, chrom, start, end, strand)``; copy unscorable lines to ``na``.

    A row is unscorable when it is not a valid BED line (:func:`selene.io.bed.iter_rows` says
    why: fewer than 3 columns, a start or end that is not a non-negative integer, start >
    end), has a chromosome the reference lacks, or when the region (or the ``length``-base
    window centred on it) lies wholly past its chromosome's end.
    """
    resolve = chrom_resolver(genome.get_chrs())
    start_radius, end_radius = length // 2 + length % 2, length // 2
    for row in iter_rows(path, columns=3):
        reason, cols = row.problem, row.fields
        chrom = resolve(cols[0]) if reason is None else None
        if reason is None and chrom is None:
            reason = f"chromosome not in {reference_name(genome)}"
        elif reason is None:
            start, end, size = int(cols[1]), int(cols[2]), genome.chrom_sizes[chrom]
            mid = start + (end - start) // 2
            if start >= size and (end > start or start > size):
                reason = "region past the end of its chromosome"
            elif mid - start_radius >= size or mid + end_radius <= 0:
                reason = "window wholly past the end of its chromosome"
        if reason is not None:
            na.add(row.text, row.number, reason)
            continue
        strand = "."
        if strand_index is not None and len(cols) > strand_index:
            strand = cols[strand_index]
        yield row.number - 1, chrom, int(cols[1]), int(cols[2]), strand  # type: ignore[misc]


def window_codes(
    genome: Genome, regions: Sequence[tuple[int, str, int, int, str]], length: int
) -> np.ndarray:
    """Codes ``(N, length)`` of the windows centred on ``regions`` (rows of :func:`read_regions`).

    Each window is ``[mid - ceil(length / 2), mid + floor(length / 2))``, read on the row's
    strand, padded with the unknown code past a chromosome end.
    """
    _, chroms, starts, ends, strands = zip(*regions, strict=True)
    start_radius, end_radius = length // 2 + length % 2, length // 2
    mids = np.array(starts) + (np.array(ends) - np.array(starts)) // 2
    reverse = np.asarray([s == "-" for s in strands])
    codes = genome.get_encodings(list(chroms), mids - start_radius, mids + end_radius, reverse,
                                 pad=True)  # fmt: skip
    return np.asarray(codes)


def predict_regions(
    runner: ModelRunner,
    path: str | Path,
    genome: Genome,
    out: OutputSet,
    na_path: Path,
    *,
    strand_index: int | None = None,
    batch_size: int = 64,
    resume: bool = True,
    show_progress: bool = True,
) -> int:
    """Write predictions for the regions of a BED file to ``out``; return the row count.

    Read -> operation -> writer: :func:`read_regions`, :func:`window_codes`, then
    :func:`selene.predict.ops.predict_codes` per batch (what :func:`selene.predict.predict`
    runs), so ``predict(model, window_codes(...))`` gives the rows written here.
    """
    length = runner.sequence_length
    done = out.start(resume)
    with open(na_path, "w") as handle:
        na = Unscored(handle, path)
        regions = islice(read_regions(path, genome, strand_index, na, length), done, None)
        with progress(None, "regions", done, show_progress, "region") as bar:
            while batch := list(islice(regions, batch_size)):
                codes = window_codes(genome, batch, length)
                unknown = (codes >= len(genome.BASES_ARR)).any(axis=1)
                ids = [(*row, bool(unknown[i])) for i, row in enumerate(batch)]
                out.write(ids, {"predictions": predict_codes(runner, codes)})
                bar.update(len(batch))
    out.finish()
    notes = []
    if out.rows == 0:
        name = Path(path).name
        notes.append(f"no regions to predict in {name}: wrote empty outputs with headers")
    if na.count:
        notes.append(f"{na.count} rows not scored (copied to {na_path.name}): {na.summary()}")
    if notes:
        warnings.warn("; ".join(notes), SeleneWarning, stacklevel=4)
    return out.rows
