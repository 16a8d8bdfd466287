"""Which records of a VCF each shard of a sharded variant effect run scores.

Every shard takes one contiguous run of records, in file order, so that the merged outputs
are the shards' part files concatenated in shard order, streamed, and equal byte for byte
those of one process. (A round-robin split, record ``k`` to shard ``k % N``, would need a merge
that interleaves the parts and knows how many rows each record gave; a contiguous part is also
resumed as a run of its own.) A shard starts where a batch of one process starts, at a
multiple of ``batch_size`` records (batches never span two such blocks:
:func:`~selene.predict.vep.score_variants`), so each record meets the same batch mates and
gets the same floats: a model's output may change in the last bit with the batch it is in.
The ``b = ceil(n / batch_size)`` blocks are split in one of two ways:

- a bgzipped, tabix-indexed VCF (without ``regions=``): samtools-style regions, read through
  the index (:func:`~selene.io.vcf.read_vcf_regions`), so a shard decompresses only its part.
  Shard ``i`` starts at block ``i * b // N``, moved forward to the next block whose first
  record's position differs from the record before it (a region boundary cannot split a
  position).
- any other VCF, or a ``regions=`` run: blocks ``[i * b // N, (i + 1) * b // N)`` of the
  record stream; a shard reads and skips the records before its part.

The plan takes one pass over the VCF's text (two for an indexed one) and is saved in the run's
``shards/plan.json``, so later shards and reruns read it instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

import pysam

from selene.io.text import open_text
from selene.io.vcf import VcfRecord, count_records, read_vcf_regions


@dataclass(frozen=True)
class Part:
    """One shard's block of records.

    Attributes
    ----------
    records : int
        How many records it holds (its progress bar's total).
    start : int
        The index of its first record in the record stream (index split).
    regions : list of str, optional
        The regions it reads through the tabix index (region split); None: the index split.
    """

    records: int
    start: int
    regions: list[str] | None = None

    def read(
        self, path: str, strand_index: int | None, stream: Callable[[], Iterator[VcfRecord]]
    ) -> Iterator[VcfRecord]:
        """Yield this part's records of ``path``; ``stream`` yields the run's whole stream."""
        if self.regions is None:
            return islice(stream(), self.start, self.start + self.records)
        if not self.regions:
            return iter(())
        return read_vcf_regions(path, self.regions, strand_index)

    def to_dict(self) -> dict:
        """Return the part as plain JSON values."""
        return asdict(self)


def plan_parts(
    path: str,
    n_shards: int,
    batch_size: int,
    stream: Callable[[], Iterator[VcfRecord]] | None = None,
) -> list[Part]:
    """Return the ``n_shards`` :class:`Part` s of VCF ``path``, in file order.

    Parameters
    ----------
    path : str
        The VCF.
    n_shards : int
    batch_size : int
        Parts start at multiples of ``batch_size`` records.
    stream : callable, optional
        Yields the run's records when the run reads only some of them (``regions=``); None:
        every record of ``path``.
    """
    if stream is None and _indexed(path):
        parts = _region_parts(path, n_shards, batch_size)
        if parts is not None:
            return parts
    n = count_records(path) if stream is None else sum(1 for _ in stream())
    blocks = -(-n // batch_size)
    bounds = [min(n, i * blocks // n_shards * batch_size) for i in range(n_shards + 1)]
    return [Part(bounds[i + 1] - bounds[i], bounds[i]) for i in range(n_shards)]


def _indexed(path: str) -> bool:
    if not str(path).endswith(".gz"):
        return False
    try:
        pysam.TabixFile(str(path)).close()
    except (OSError, ValueError):
        return False
    return True


def _positions(path: str) -> Iterator[tuple[str, int]]:
    with open_text(path) as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            chrom, pos = line.split("\t", 2)[:2]
            yield chrom, int(pos)


def _region_parts(path: str, n_shards: int, batch_size: int) -> list[Part] | None:
    """Return the region split (module docstring); None where no region can be written."""
    n = count_records(path)
    blocks = -(-n // batch_size)
    targets = [i * blocks // n_shards * batch_size for i in range(1, n_shards)]
    starts: list[tuple[int, int] | None] = [(0, 1)]
    firsts, chroms = [0], []
    previous, k = None, 0
    for chrom, pos in _positions(path):
        if not chroms or chroms[-1] != chrom:
            if chrom in chroms or ":" in chrom:  # not sorted, or no region can name it
                return None
            chroms.append(chrom)
        key = (len(chroms) - 1, pos)
        at_block = k % batch_size == 0 and key != previous
        while at_block and len(starts) < n_shards and targets[len(starts) - 1] <= k:
            starts.append(key)
            firsts.append(k)
        previous, k = key, k + 1
    while len(starts) < n_shards:
        starts.append(None)
        firsts.append(k)
    firsts.append(k)
    ends = [*starts[1:], None]
    return [
        Part(firsts[i + 1] - firsts[i], firsts[i], _regions(chroms, starts[i], ends[i]))
        for i in range(n_shards)
    ]


def _regions(chroms: list[str], start, end) -> list[str]:
    """Regions from ``start`` up to ``end`` (``(chrom index, pos)``, end excluded; None: EOF)."""
    if start is None or not chroms:
        return []
    last, stop = end if end is not None else (len(chroms) - 1, None)
    regions = []
    for c in range(start[0], last + 1):
        low = start[1] if c == start[0] else 1
        high = stop - 1 if c == last and stop is not None else None
        if high is None:
            regions.append(f"{chroms[c]}:{low}")
        elif high >= low:
            regions.append(f"{chroms[c]}:{low}-{high}")
    return regions


def write_json_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Shards that start together may write the same plan at once: each rename is whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
