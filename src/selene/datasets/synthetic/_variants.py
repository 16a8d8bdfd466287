"""Variants with known effects: each destroys a planted motif or creates one at a near-site.

A destroying variant hits the only motif copy of a single-feature peak. A creating variant
completes a near-motif planted away from the peaks: the motif with one mismatch (SNV), with one
extra base (deletion) or with one base missing (insertion). Indels are left-aligned, with the
VCF anchor base, and every variant is checked by applying it to the local sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._layout import SLOT, Layout
from ._motifs import BASES, find_motif, reverse_complement

KINDS = ("SNV", "DEL", "INS")
_CONTEXT = 40
_LETTERS = np.frombuffer(b"ACGTN", dtype=np.uint8)


@dataclass(frozen=True)
class Variant:
    """One VCF record; ``pos`` is the 0-based position of the first REF base."""

    chrom: int
    pos: int
    ref: str
    alt: str
    effect: str  # "destroy" or "create"
    feature: int
    motif_start: int  # 0-based start of the motif on REF (destroy) or ALT (create)
    strand: str
    kind: str


def _text(codes: np.ndarray, start: int, end: int) -> str:
    return _LETTERS[codes[start:end]].tobytes().decode()


def _other(base: str, rng: np.random.Generator, *avoid: str) -> str:
    choices = [b for b in BASES if b != base and b not in avoid]
    return str(rng.choice(choices))


def _destroy(s: str, kind: str, rng: np.random.Generator) -> tuple[int, str, str] | None:
    """Edit of motif string ``s`` that breaks it: ``(offset of REF in s, REF, ALT)``."""
    m = len(s)
    if kind == "SNV":
        j = int(rng.integers(1, m - 1))
        return j, s[j], _other(s[j], rng)
    size = int(rng.integers(1, 3))
    j = int(rng.integers(1, m - size - 1))
    if kind == "DEL":
        if s[j + size - 1] == s[j - 1]:  # not left-aligned
            return None
        return j - 1, s[j - 1 : j + size], s[j - 1]
    inserted = "".join(rng.choice(list(BASES), size - 1)) + _other(s[j - 1], rng)
    return j - 1, s[j - 1], s[j - 1] + inserted


def _near_site(s: str, kind: str, rng: np.random.Generator) -> tuple[str, int, str, str] | None:
    """Near-motif ``t`` and the edit that turns it into ``s``: ``(t, offset, REF, ALT)``."""
    m = len(s)
    j = int(rng.integers(1, m - 1))
    if kind == "SNV":
        wrong = _other(s[j], rng)
        return s[:j] + wrong + s[j + 1 :], j, wrong, s[j]
    if kind == "DEL":  # t carries an extra base x that the variant deletes
        x = _other(s[j - 1], rng, s[j])
        return s[:j] + x + s[j:], j - 1, s[j - 1] + x, s[j - 1]
    if s[j] == s[j - 1]:  # t lacks s[j]; inserting it must be left-aligned
        return None
    return s[:j] + s[j + 1 :], j - 1, s[j - 1], s[j - 1] + s[j]


def _apply(context: str, offset: int, ref: str, alt: str) -> str:
    """``context`` with ``ref`` at ``offset`` replaced by ``alt``."""
    return context[:offset] + alt + context[offset + len(ref) :]


def make_variants(
    codes: list[np.ndarray],
    masks: list[np.ndarray],
    motifs: list[str],
    layout: Layout,
    n_variants: int,
    rng: np.random.Generator,
) -> list[Variant]:
    """Build ``n_variants`` variants, half destroying and half creating motifs.

    Near-sites for creating variants are planted (upper-case) in ``layout.free_slots``;
    ``codes`` and ``masks`` are modified in place.

    Returns
    -------
    list of Variant
        Sorted by chromosome and position.
    """
    n_destroy = min(n_variants // 2, len(layout.reserved))
    n_create = min(n_variants - n_destroy, len(layout.free_slots))
    variants = []
    for i, (chrom, at, feature, strand) in enumerate(layout.reserved[:n_destroy]):
        kind = KINDS[i % 3]
        s = motifs[feature] if strand == "+" else reverse_complement(motifs[feature])
        context = _text(codes[chrom], at - _CONTEXT, at + len(s) + _CONTEXT)
        for _ in range(100):
            edit = _destroy(s, kind, rng)
            if edit is None:
                continue
            offset, ref, alt = edit
            if not find_motif(_apply(context, _CONTEXT + offset, ref, alt), s):
                variants.append(
                    Variant(chrom, at + offset, ref, alt, "destroy", feature, at, strand, kind)
                )
                break
    for i in range(n_create):
        chrom, slot = (int(v) for v in layout.free_slots[i])
        feature, kind = i % len(motifs), KINDS[i % 3]
        strand = "+" if rng.random() < 0.5 else "-"
        s = motifs[feature] if strand == "+" else reverse_complement(motifs[feature])
        at = slot + int(rng.integers(SLOT // 4, SLOT // 2))
        left = _text(codes[chrom], at - _CONTEXT, at)
        for _ in range(100):
            planted = _near_site(s, kind, rng)
            if planted is None:
                continue
            t, offset, ref, alt = planted
            context = left + t + _text(codes[chrom], at + len(t), at + len(t) + _CONTEXT)
            created = find_motif(_apply(context, _CONTEXT + offset, ref, alt), s)
            if not find_motif(context, s) and created == [(_CONTEXT, "+")]:
                codes[chrom][at : at + len(t)] = [BASES.index(b) for b in t]
                masks[chrom][at : at + len(t)] = False
                variants.append(
                    Variant(chrom, at + offset, ref, alt, "create", feature, at, strand, kind)
                )
                break
    return sorted(variants, key=lambda v: (v.chrom, v.pos))


def vcf_text(
    variants: list[Variant], names: list[str], lengths: list[int], features: list[str], fasta: str
) -> str:
    """Render variants as VCFv4.2 with ``##contig`` lines and the expected effect in INFO."""
    header = [
        "##fileformat=VCFv4.2",
        "##source=selene.datasets.synthetic",
        f"##reference={fasta}",
        *(f"##contig=<ID={n},length={size}>" for n, size in zip(names, lengths, strict=True)),
        '##INFO=<ID=EFFECT,Number=1,Type=String,Description="Planted effect: destroy or '
        'create a motif occurrence">',
        '##INFO=<ID=FEATURE,Number=1,Type=String,Description="Feature whose motif is hit">',
        '##INFO=<ID=MOTIF_START,Number=1,Type=Integer,Description="0-based start of the motif '
        'occurrence, on REF for destroy and on ALT for create">',
        '##INFO=<ID=MOTIF_STRAND,Number=1,Type=String,Description="Strand the motif reads on">',
        '##INFO=<ID=KIND,Number=1,Type=String,Description="SNV, DEL or INS">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    width = len(str(max(len(variants), 1)))
    rows = [
        f"{names[v.chrom]}\t{v.pos + 1}\tsyn{i:0{width}d}\t{v.ref}\t{v.alt}\t.\tPASS\t"
        f"EFFECT={v.effect};FEATURE={features[v.feature]};MOTIF_START={v.motif_start};"
        f"MOTIF_STRAND={v.strand};KIND={v.kind}"
        for i, v in enumerate(variants)
    ]
    return "\n".join(header + rows) + "\n"
