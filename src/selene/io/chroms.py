"""Chromosome names across files: ``chr1`` and ``1``, ``chrM``, ``M``, ``MT`` and ``chrMT``.

One rule for every reader and writer that matches a file's chromosome names to another's
(VCF and BED records to the reference, bigWig tracks to the windows asked for, scored rows to
VCF records): a ``chr`` prefix (any case) may be added or removed, and the mitochondrial names
all match each other.
"""

from __future__ import annotations

from collections.abc import Iterable

_MITO = ("M", "MT")


def chrom_forms(name: str) -> list[str]:
    """Names that may stand for ``name`` in another file, ``name`` itself first."""
    bare = name[3:] if name[:3].lower() == "chr" else name
    forms = [name, bare, "chr" + bare]
    if bare.upper() in _MITO:
        forms += ["chrM", "chrMT", "M", "MT"]
    return forms


def chrom_key(name: str) -> str:
    """One key for all the forms of a name: no ``chr`` prefix, mitochondria as ``M``."""
    bare = name[3:] if name[:3].lower() == "chr" else name
    return "M" if bare.upper() in _MITO else bare


def chrom_resolver(chroms: Iterable[str]):
    """Return a function mapping a chromosome name to the one of ``chroms`` for it, or None.

    ``chr`` prefixes are added or removed (any case), and mitochondrial names ``M``, ``MT``,
    ``chrM`` and ``chrMT`` match whichever ``chroms`` uses.
    """
    known = set(chroms)
    cache: dict[str, str | None] = {}

    def resolve(name: str) -> str | None:
        if name not in cache:
            cache[name] = next((c for c in chrom_forms(name) if c in known), None)
        return cache[name]

    return resolve
