"""Samplers over the session's synthetic genome (4 x 200 kb, 8 features, a blacklist)."""

from __future__ import annotations

import numpy as np
import pytest

from selene.datasets.synthetic import SyntheticData
from selene.samplers import RandomPositionsSampler
from selene.sequences import Genome
from selene.targets import GenomicFeatures


@pytest.fixture(scope="session")
def genome(synthetic: SyntheticData) -> Genome:
    return Genome(synthetic.fasta, blacklist_regions=synthetic.blacklist_bed)


@pytest.fixture(scope="session")
def targets(synthetic: SyntheticData) -> GenomicFeatures:
    return GenomicFeatures(synthetic.features_bed, synthetic.features_txt)


@pytest.fixture(scope="session")
def blacklist(synthetic: SyntheticData) -> dict[str, np.ndarray]:
    """Blacklist intervals per chromosome, read straight from the BED."""
    rows: dict[str, list[tuple[int, int]]] = {}
    for line in synthetic.blacklist_bed.read_text().splitlines():
        chrom, start, end = line.split()[:3]
        rows.setdefault(chrom, []).append((int(start), int(end)))
    return {c: np.array(v) for c, v in rows.items()}


@pytest.fixture
def make_sampler(synthetic, genome, targets):
    """Build a RandomPositionsSampler with small fixed sets; keyword arguments override."""

    def make(**kwargs):
        args = dict(
            reference_sequence=genome,
            target_path=targets,
            features=synthetic.features_txt,
            validation_holdout=["chr3"],
            test_holdout=["chr4"],
            sequence_length=1000,
            center_bin_to_predict=200,
            n_validation_samples=200,
            n_test_samples=100,
            batch_size=32,
            seed=7,
        )
        args.update(kwargs)
        return RandomPositionsSampler(**args)

    return make
