"""VCF variant records, streamed: the only VCF reader.

A hand parser rather than ``pysam.VariantFile``: it needs the raw columns (``strand_index``
may point at any column, as in the Selene SDK), must accept what Selene accepts (files with
no ``##`` meta lines or no header at all, ``-`` for an empty REF), must name the line number
of a malformed line (htslib reports only that parsing failed), and needs only the structural
variant keys of INFO (``END``, ``SVLEN``, ``SVTYPE``, ``SVINSSEQ``: :func:`read_sv_info`, on
demand) and never the sample columns. It reads plain or gzip/bgzip files line by line
(:func:`selene.io.text.open_text`), so a VCF is never held in memory.

:func:`read_vcf_regions` reads part of a bgzipped, tabix-indexed VCF through pysam's tabix
(samtools-style regions; a record belongs to the region holding its POS; see its docstring).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pysam

from selene.io.text import open_text

__all__ = [
    "VCF_REQUIRED_COLS",
    "SvInfo",
    "VcfRecord",
    "count_records",
    "parse_regions",
    "read_header",
    "read_sv_info",
    "read_vcf",
    "read_vcf_regions",
]

VCF_REQUIRED_COLS = ["#CHROM", "POS", "ID", "REF", "ALT"]
_ALLELE = re.compile(r"^[ACGTNacgtn]*$")


@dataclass(frozen=True)
class VcfRecord:
    """One data line of a VCF: 1-based ``pos``; ``ref`` is ``""`` for ``-``; alleles as written."""

    line_number: int
    line: str
    chrom: str
    pos: int
    name: str
    ref: str
    alts: tuple[str, ...]
    strand: str  # "+", "-" or "." (no strand given)


def read_header(path: str | Path) -> tuple[list[str], list[str] | None]:
    """Return a VCF's ``##`` meta lines (each ending in a newline) and its ``#CHROM`` columns.

    The columns are None when the file has no ``#CHROM`` line. Reading stops at the first
    data line.
    """
    meta_lines, columns = [], None
    with open_text(path) as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            if line.startswith("#CHROM"):
                columns = line.rstrip("\r\n").split("\t")
            elif line.startswith("##"):
                meta_lines.append(line.rstrip("\r\n") + "\n")
    return meta_lines, columns


def read_vcf(path: str | Path, strand_index: int | None = None) -> Iterator[VcfRecord]:
    """Yield the data lines of a VCF, streaming.

    Parameters
    ----------
    path : str or Path
        Plain or gzip/bgzip-compressed. ``##`` lines are skipped; a ``#CHROM`` header, if
        present, must start with ``#CHROM POS ID REF ALT``.
    strand_index : int, optional
        0-based column holding each variant's strand (``+``, ``-`` or ``.``).

    Raises
    ------
    ValueError
        For a bad header or a malformed data line (fewer than 5 columns, a POS that is not a
        positive integer, REF/ALT letters other than ``ACGTN``, a missing strand column); the
        message names the file and line number.
    """
    name = Path(path).name
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith("#"):
                cols = line.rstrip("\r\n").split("\t")
                if line.startswith("#CHROM") and cols[:5] != VCF_REQUIRED_COLS:
                    raise ValueError(
                        f"{name} line {number}: the header starts with {cols[:5]}; "
                        f"expected {VCF_REQUIRED_COLS}"
                    )
                continue
            if not line.strip():
                continue
            yield _parse(line, number, name, strand_index)


def _parse(line: str, number: int, name: str, strand_index: int | None) -> VcfRecord:
    cols = line.rstrip("\r\n").split("\t")
    where = f"{name} line {number}"
    if len(cols) < 5:
        raise ValueError(
            f"{where}: expected at least 5 tab-separated columns (CHROM POS ID REF ALT), "
            f"got {len(cols)}: {line.strip()[:80]!r}"
        )
    chrom, pos, ident, ref, alt = cols[:5]
    if not pos.isdigit() or int(pos) < 1:
        raise ValueError(f"{where}: POS must be a positive integer, got {pos!r}")
    ref = "" if ref == "-" else ref
    if not _ALLELE.match(ref):
        raise ValueError(f"{where}: REF {ref!r} has letters other than A, C, G, T, N")
    # As in Selene, "." also separates alleles; a lone "." (no ALT) leaves no allele.
    alts = tuple(a for a in alt.replace(".", ",").split(",") if a)
    for a in alts:
        if not (_ALLELE.match(a) or a in ("*", "-") or a.startswith("<")):
            raise ValueError(f"{where}: ALT {a!r} has letters other than A, C, G, T, N")
    strand = "."
    if strand_index is not None:
        if strand_index >= len(cols):
            raise ValueError(
                f"{where}: strand_index={strand_index} but the line has {len(cols)} columns"
            )
        strand = cols[strand_index] if cols[strand_index] in ("+", "-") else "."
    return VcfRecord(number, line, chrom, int(pos), ident, ref, alts, strand)


def count_records(path: str | Path) -> int:
    """Count the data lines of a VCF (for progress bars)."""
    with open_text(path) as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class SvInfo:
    """The structural variant keys of a record's INFO column (None where absent).

    ``end`` is the 1-based last reference base the variant covers; ``svlen`` holds one length
    per ALT (signed as written; VCF 4.2 writes deletions negative); ``insseq`` is the inserted
    sequence of an ``<INS>`` (``SVINSSEQ``).
    """

    svtype: str | None = None
    end: int | None = None
    svlen: tuple[int, ...] | None = None
    insseq: str | None = None


def read_sv_info(record: VcfRecord, source: str | Path = "the VCF") -> SvInfo:
    """Parse ``END``, ``SVLEN``, ``SVTYPE`` and ``SVINSSEQ`` from ``record``'s INFO column.

    Parameters
    ----------
    record : VcfRecord
    source : str or Path
        The VCF, named in errors.

    Raises
    ------
    ValueError
        If ``END`` is not an integer >= POS, ``SVLEN`` is not a list of integers, or
        ``SVINSSEQ`` has letters other than ``ACGTN``; the message names the file and line.
    """
    cols = record.line.rstrip("\r\n").split("\t")
    if len(cols) < 8 or cols[7] in ("", "."):
        return SvInfo()
    fields = dict(item.partition("=")[::2] for item in cols[7].split(";"))
    where = f"{Path(source).name} line {record.line_number}"
    end = fields.get("END")
    if end is not None:
        if not end.isdigit() or int(end) < record.pos:
            raise ValueError(
                f"{where}: INFO END={end!r} is not an integer >= POS ({record.pos}); END is "
                "the 1-based last reference base of the variant: fix or remove it"
            )
        end = int(end)
    svlen = fields.get("SVLEN")
    if svlen is not None:
        try:
            svlen = tuple(int(v) for v in svlen.split(","))
        except ValueError:
            raise ValueError(
                f"{where}: INFO SVLEN={svlen!r} is not a list of integers (one per ALT): "
                "fix or remove it"
            ) from None
    insseq = fields.get("SVINSSEQ")
    if insseq is not None and not _ALLELE.match(insseq):
        raise ValueError(
            f"{where}: INFO SVINSSEQ={insseq[:40]!r} has letters other than A, C, G, T, N"
        )
    return SvInfo(fields.get("SVTYPE"), end, svlen, insseq)


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

    ``regions`` are samtools-style strings, ``chr1``, ``chr1:1000`` (from base 1000 to the end)
    or ``chr1:1000-2000`` (1-based, both ends included; commas allowed), naming chromosomes as
    the VCF does. A record belongs to the region holding its POS, so a deletion that starts
    before a region and reaches into it is scored once, with the region holding its POS; regions
    may not overlap (a record would be scored twice). Records come region by region, in the
    order the regions are given, each region's in file order. A chromosome the VCF lacks gives
    no records. Lines are parsed by :mod:`selene.io.vcf`'s parser; as tabix gives no line
    numbers, the numbers in messages count the records of each region (``v.vcf.gz chr1:1-900
    line 3``: its third record).

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
