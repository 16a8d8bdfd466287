"""Helpers for the targets tests: BED writing and a brute-force labeller (Selene semantics)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pysam

Interval = tuple[str, int, int, str]


def write_bed(path: Path, rows: Sequence[Interval], *, tabix: bool = False) -> Path:
    """Write ``rows`` as a BED; with ``tabix``, sort, bgzip and index it as Selene expects."""
    if tabix:
        rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    path.write_text("".join(f"{c}\t{s}\t{e}\t{f}\n" for c, s, e, f in rows))
    if tabix:
        return Path(pysam.tabix_index(str(path), preset="bed", force=True))
    return path


def brute_labels(
    rows: Sequence[Interval],
    features: Sequence[str],
    thresholds: np.ndarray | None,
    binary: bool,
    chrom: str,
    start: int,
    end: int,
) -> np.ndarray:
    """Selene's semantics written out base by base (tabix overlap rule, one-base quirk)."""
    length = end - start
    out = np.zeros(len(features), dtype=np.float32)
    for f, name in enumerate(features):
        covered = np.zeros(length, dtype=bool)
        returned = False
        for c, s, e, n in rows:
            if c != chrom or n != name or not (s < end and e > start):
                continue
            returned = True
            lo, hi = max(0, s - start), min(e - start, length)
            if lo == hi and binary:
                hi += 1  # selene_sdk's _fast_get_feature_data: a zero-length hit covers a base
            covered[lo:hi] = True
        if not binary:
            out[f] = np.float32(covered.sum() / length)
        elif thresholds is None:
            out[f] = float(returned)
        else:
            need = (thresholds * length - 1).clip(min=0).astype(int)[f]
            out[f] = float(covered.sum() > need)
    return out
