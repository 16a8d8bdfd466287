"""A reproducible synthetic genome with planted motifs: the embedded demo and test dataset.

``make_synthetic(out_dir)`` writes a FASTA, a tabix-indexed feature BED, the features list, an
intervals BED, a blacklist, a VCF of variants with known effects and a query FASTA; with
``tracks=True`` also a bigWig coverage track per feature (peaks at its motif, counting noise).
From the shell: ``python -m selene.datasets.synthetic OUT_DIR [--tracks]`` or
``selene-synthetic OUT_DIR``.
"""

from __future__ import annotations

from ._cli import main
from ._make import SyntheticData, feature_names, make_synthetic, open_synthetic
from ._motifs import find_motif, reverse_complement

__all__ = [
    "SyntheticData",
    "feature_names",
    "find_motif",
    "main",
    "make_synthetic",
    "open_synthetic",
    "reverse_complement",
]
