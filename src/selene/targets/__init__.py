"""Targets: labels of genomic windows (``Target``, ``GenomicFeatures``, ``BigWigTargets``)."""

from __future__ import annotations

from selene.io.features import read_features
from selene.targets.bigwig import BigWigTargets
from selene.targets.genomic_features import GenomicFeatures
from selene.targets.target import Target, check_target

__all__ = ["BigWigTargets", "GenomicFeatures", "Target", "check_target", "read_features"]
