"""Structural variants for variant effect prediction: symbolic ALTs written out as alleles.

A symbolic ``<DEL>``, ``<DUP>``, ``<INV>`` or ``<INS>`` (subtypes such as ``<DUP:TANDEM>``
count as their type) is turned into the explicit REF and ALT alleles it stands for, and those
go through the same window building as a sequence-resolved indel
(:func:`selene.predict.alleles.window_bounds` and :func:`~selene.predict.alleles.alt_window`),
so a symbolic SV and the same SV written out base by base get the same windows. With POS the
base before the event (the VCF's anchor) and ``S`` the reference bases ``POS + 1 .. END``
(``END`` from INFO, else ``POS + |SVLEN|``):

- ``<DEL>``: REF is anchor + ``S``, ALT the anchor.
- ``<DUP>`` (tandem): REF is anchor + ``S``, ALT anchor + ``S`` + ``S`` (the copy follows
  the segment it duplicates).
- ``<INV>``: REF is anchor + ``S``, ALT anchor + reverse complement of ``S``: the alternative
  window is the reference window with the inverted stretch reverse-complemented in place.
- ``<INS>``: REF is the anchor, ALT anchor + the inserted sequence (INFO ``SVINSSEQ``); an
  ``<INS>`` without it cannot be built and goes to ``.NA``.

Window convention. The reference window is centred on the REF allele (the anchor and the
affected stretch); the alternative window is centred on the ALT allele in the alternative
haplotype and keeps the model's length, so a deletion pulls the flanks in from both sides
(centred on the junction) and an insertion or duplication pushes them out (centred on the new
sequence). This is the convention of SuPreMo (Gjoni & Pollard; ``get_seq_utils.py`` of
ketringjoni/SuPreMo): its reference sequence centres the REF allele, an insertion is spliced
into it and the result cropped evenly from both ends, and a deletion's alternative sequence is
read from a span widened by half the deleted length on each side; its DUP inserts the
duplicated copy next to the segment and its INV reverse-complements the stretch after the
anchor, as here. supremo-lite (gladstone-institutes; ``get_alt_ref_sequences``, its
"variant-centered sequence windows" guide) likewise centres each variant at ``seq_len // 2``
of both windows and reads ``END`` for ``<INV>`` and ``<DUP>``.
We chose it because both windows then show the whole event and its junctions with as much
context on each side as the window allows, and because it is the one convention Selene's indel
windows already follow (Selene 0.6.0 centres indels this way), so symbolic and
sequence-resolved SVs agree with each other and with our indel scores.

An SV whose larger allele (the anchor base included) does not fit the window where Selene's
centring puts it (a deletion or inversion as long as the window, an insertion as long, a
duplication whose two copies are) is not scored: the reason (``<DUP> of 5,000 bp (with its
copy) does not fit the 1,000 bp window``) goes to ``.NA``. SuPreMo likewise skips SVs above
its ``--svlen_limit``. Breakends (``BND``) and copy-number ALTs (``<CNV>``) are not scored.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from selene.io.vcf import SvInfo, VcfRecord
from selene.sequences import sequence_to_codes

__all__ = ["SV_TYPES", "sv_alleles", "sv_type"]

#: The symbolic ALT types that are scored.
SV_TYPES = ("DEL", "DUP", "INV", "INS")


def sv_type(alt: str) -> str:
    """Return the type of a symbolic ALT: ``<DUP:TANDEM>`` -> ``DUP``."""
    return alt.strip("<>").split(":")[0].upper()


def sv_alleles(
    rec: VcfRecord,
    index: int,
    info: SvInfo,
    fetch: Callable[[int, int], np.ndarray],
    chrom_size: int,
    alphabet: str,
    complement: np.ndarray,
    length: int,
) -> tuple[np.ndarray, np.ndarray] | str:
    """Write out the REF and ALT alleles of ``rec``'s symbolic ALT number ``index``.

    Parameters
    ----------
    rec : VcfRecord
    index : int
        The ALT's index in ``rec.alts`` (picks its ``SVLEN`` when INFO lists one per ALT).
    info : SvInfo
        ``rec``'s INFO (:func:`selene.io.vcf.read_sv_info`).
    fetch : callable
        ``fetch(start, end)`` -> reference codes of ``[start, end)`` (0-based).
    chrom_size : int
    alphabet : str
        The letters of the codes, in code order.
    complement : numpy.ndarray
        Each code's complement code (:func:`selene.sequences.complement_codes`).
    length : int
        The model's window length.

    Returns
    -------
    tuple of numpy.ndarray or str
        ``(ref_codes, alt_codes)`` of the REF allele (starting at POS) and the ALT allele, or
        why the ALT is not scored (for the ``.NA`` summary).
    """
    alt, kind = rec.alts[index], sv_type(rec.alts[index])
    if kind not in SV_TYPES:
        return f"symbolic ALT {alt} is not scored (only {', '.join(SV_TYPES)})"
    if not rec.ref:
        return f"{alt} without a REF base (the base before the event)"
    anchor = sequence_to_codes(rec.ref, alphabet)
    if kind == "INS":
        if info.insseq is None:
            return f"{alt} without its inserted sequence (no SVINSSEQ in INFO)"
        if not _fits(len(info.insseq) + len(anchor), length):
            return _too_long(alt, len(info.insseq), length)
        return anchor, np.concatenate([anchor, sequence_to_codes(info.insseq, alphabet)])
    end = info.end
    if end is None and info.svlen is not None:
        end = rec.pos + abs(info.svlen[index if index < len(info.svlen) else 0])
    if end is None:
        return f"{alt} without END or SVLEN in INFO"
    size = end - rec.pos  # the bases POS + 1 .. END, after the anchor
    if size <= 0:
        return f"{alt} with END={end} covers no base after POS"
    if not _fits((2 * size if kind == "DUP" else size) + 1, length):
        return _too_long(alt, size, length, " (with its copy)" if kind == "DUP" else "")
    if end > chrom_size:
        return "END past the end of its chromosome"
    first = rec.pos - 1  # 0-based anchor
    rest = fetch(first + len(anchor), end) if end > first + len(anchor) else anchor[:0]
    ref = np.concatenate([anchor, rest]).astype(np.uint8)
    segment = ref[1:]
    if kind == "DEL":
        return ref, ref[:1].copy()
    if kind == "DUP":
        return ref, np.concatenate([ref, segment])
    return ref, np.concatenate([ref[:1], complement[segment][::-1]])  # INV


def _fits(n: int, length: int) -> bool:
    """Whether an allele of ``n`` bases lies inside a window centred as Selene centres one.

    The allele starts at ``length // 2 - n // 2`` (one base earlier for an even ``length``:
    :func:`selene.predict.alleles.ref_offset`), so an even window holds at most ``length - 1``.
    """
    offset = length // 2 - (1 if length % 2 == 0 else 0) - n // 2
    return offset >= 0 and offset + n <= length


def _too_long(alt: str, size: int, length: int, note: str = "") -> str:
    return f"{alt} of {size:,} bp{note} does not fit the {length:,} bp window"
