"""VCF helpers of the predict path: the VEP output columns and prefix, chromosome-name matching.

VCF files are read by :mod:`selene.io.vcf`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

VARIANTEFFECT_COLS = ["chrom", "pos", "name", "ref", "alt", "strand", "ref_match", "contains_unk"]


def vcf_prefix(path: str | Path) -> str:
    """Selene's output prefix for a VCF: its file name without the last extension (and ``.gz``)."""
    name = Path(path).name
    if name.endswith(".gz"):
        name = name[:-3]
    return ".".join(name.split(".")[:-1]) if "." in name else name


def chrom_resolver(chroms: Iterable[str]):
    """Return a function mapping a chromosome name to the reference's name for it, or None.

    ``chr`` prefixes are added or removed (any case), and mitochondrial names ``M``, ``MT``,
    ``chrM`` and ``chrMT`` match whichever the reference uses.
    """
    known = set(chroms)
    cache: dict[str, str | None] = {}

    def resolve(name: str) -> str | None:
        if name in cache:
            return cache[name]
        bare = name[3:] if name[:3].lower() == "chr" else name
        candidates = [name, bare, "chr" + bare]
        if bare.upper() in ("M", "MT"):
            candidates += ["chrM", "chrMT", "M", "MT"]
        cache[name] = next((c for c in candidates if c in known), None)
        return cache[name]

    return resolve
