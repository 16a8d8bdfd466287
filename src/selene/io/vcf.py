"""VCF variant records, streamed: the only VCF reader.

A hand parser rather than ``pysam.VariantFile``: it needs the raw columns (``strand_index``
may point at any column, as in the Selene SDK), must accept what Selene accepts (files with
no ``##`` meta lines or no header at all, ``-`` for an empty REF), must name the line number
of a malformed line (htslib reports only that parsing failed), and needs only the structural
variant keys of INFO (``END``, ``SVLEN``, ``SVTYPE``, ``SVINSSEQ``: :func:`read_sv_info`, on
demand) and never the sample columns. It reads plain or gzip/bgzip files line by line
(:func:`selene.io.text.open_text`), so a VCF is never held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from selene.io.text import open_text

__all__ = ["VCF_REQUIRED_COLS", "SvInfo", "VcfRecord", "count_records", "read_sv_info", "read_vcf"]

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
