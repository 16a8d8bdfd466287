"""Part of an indexed VCF: the records of some regions, fetched through the tabix index.

``regions`` are samtools-style strings, ``chr1``, ``chr1:1000`` (from base 1000 to the end)
or ``chr1:1000-2000`` (1-based, both ends included; commas allowed), naming chromosomes as
the VCF does. A record belongs to the region holding its POS, so a deletion that starts
before a region and reaches into it is scored once, with the region holding its POS; regions
may not overlap (a record would be scored twice). Records come region by region, in the
order the regions are given, each region's in file order. A chromosome the VCF lacks gives
no records. Lines are parsed by :mod:`selene.io.vcf`'s parser; as tabix gives no line
numbers, the numbers in messages count the records of each region (``v.vcf.gz chr1:1-900
line 3``: its third record).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pysam

from selene.io.vcf import VcfRecord, _parse

_REGION = re.compile(r"^(?P<chrom>[^:\s]+)(?::(?P<start>[\d,]+)(?:-(?P<end>[\d,]+))?)?$")
_MAX = 2**31 - 1


def parse_regions(regions: Sequence[str]) -> list[tuple[str, int, int]]:
    """Return ``regions`` as ``(chrom, start, end)``: 0-based, end-exclusive.

    Raises
    ------
    ValueError
        If a region is not ``chrom[:start[-end]]``, has ``start > end`` or ``start < 1``, or
        two regions overlap.
    """
    if isinstance(regions, str):
        regions = [regions]
    parsed = []
    for text in regions:
        match = _REGION.match(str(text).strip())
        if match is None:
            raise ValueError(
                f"regions: {text!r} is not a region; write chrom, chrom:start or "
                "chrom:start-end (1-based, both ends included), e.g. chr1:1000-2000"
            )
        start = int((match["start"] or "1").replace(",", ""))
        end = int(match["end"].replace(",", "")) if match["end"] else _MAX
        if start < 1 or start > end:
            raise ValueError(
                f"regions: {text!r} has start {start} and end {end}; need 1 <= start <= end"
            )
        parsed.append((match["chrom"], start - 1, end))
    ordered = sorted(range(len(parsed)), key=lambda i: parsed[i])
    for a, b in zip(ordered, ordered[1:], strict=False):
        if parsed[a][0] == parsed[b][0] and parsed[b][1] < parsed[a][2]:
            raise ValueError(
                f"regions {regions[a]!r} and {regions[b]!r} overlap; records in both would be "
                "scored twice: merge them"
            )
    return parsed


def read_vcf_regions(
    path: str | Path, regions: Sequence[str], strand_index: int | None = None
) -> Iterator[VcfRecord]:
    """Yield the records of bgzipped, tabix-indexed ``path`` whose POS lies in ``regions``.

    Raises
    ------
    ValueError
        For a bad region (:func:`parse_regions`), a VCF that is not bgzipped or has no index
        (``.tbi`` or ``.csi``) beside it, or a malformed line (:func:`selene.io.vcf.read_vcf`).
    """
    parsed = parse_regions(regions)
    name = Path(path).name
    try:  # checked now, not at the first record
        pysam.TabixFile(str(path)).close()
    except (OSError, ValueError) as err:
        raise ValueError(
            f"regions= reads {name} through its index, and it has none ({err}): bgzip the VCF "
            "and index it (pysam.tabix_index(path, preset='vcf') or tabix -p vcf)"
        ) from err
    return _records(path, name, parsed, strand_index)


def _records(path, name, parsed, strand_index) -> Iterator[VcfRecord]:
    with pysam.TabixFile(str(path)) as tabix:
        contigs = set(tabix.contigs)
        for chrom, start, end in parsed:
            if chrom not in contigs:
                continue
            where = f"{name} {chrom}:{start + 1}-{end if end < _MAX else ''}".rstrip("-")
            number = 0
            for line in tabix.fetch(chrom, start, end):
                rec = _parse(line + "\n", number + 1, where, strand_index)
                if start < rec.pos <= end:  # POS in the region (tabix gives overlaps)
                    number += 1
                    yield rec
