"""Chromosome-name matching of VCF (and BED) records to the reference's names.

VCF files are read by :mod:`selene.io.vcf`; the VEP output columns and prefix are
:mod:`selene.io.outputs`'.
"""

from __future__ import annotations

from collections.abc import Iterable


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
