from __future__ import annotations

import numpy as np
import pytest

from selene.samplers.splits import (
    holdout_type,
    modes_for,
    partition_by_chromosome,
    partition_by_proportion,
    sampling_weights,
)


def test_holdout_kinds():
    assert holdout_type(["chr1"], ["chr2"]) == "chromosome"
    assert holdout_type(("chr1",), None) == "chromosome"
    assert holdout_type(0.1, 0.2) == "proportion"
    assert modes_for(None) == ("train", "validate")
    with pytest.raises(ValueError, match="same kind"):
        holdout_type(["chr1"], 0.1)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        holdout_type(1.5, 0.1)
    with pytest.raises(ValueError, match="list of chromosome names or a proportion"):
        holdout_type("chr1", None)


def test_partition_by_chromosome():
    chroms = ["chr1", "chr2", "chr3", "chr2", "chr4"]
    parts = partition_by_chromosome(chroms, ["chr2"], ["chr3"], ["chr1", "chr2", "chr3", "chr4"])
    assert parts["validate"].tolist() == [1, 3]
    assert parts["test"].tolist() == [2]
    assert parts["train"].tolist() == [0, 4]
    assert "test" not in partition_by_chromosome(chroms, ["chr2"], None, chroms)


def test_holdout_chromosome_not_in_genome():
    with pytest.raises(KeyError, match=r"holdout chromosome\(s\) \['6'\] not in genome.fa"):
        partition_by_chromosome(["chr1"], ["6"], None, ["chr1", "chr6"], "genome.fa")


def test_partition_by_proportion_matches_selene_shuffle():
    parts = partition_by_proportion(20, 0.1, 0.25, seed=436)
    # Selene: np.random.seed(seed); np.random.shuffle(list(range(n))); then slice
    np.random.seed(436)  # noqa: NPY002 (Selene's global-state calls, on purpose)
    order = list(range(20))
    np.random.shuffle(order)  # noqa: NPY002
    assert parts["validate"].tolist() == sorted(order[:2])
    assert parts["test"].tolist() == sorted(order[2:7])
    assert parts["train"].tolist() == sorted(order[7:])


def test_sampling_weights():
    idx, cum = sampling_weights(np.array([10, 0, 30]), np.array([0, 1, 2]), "train", "chromosomes")
    assert idx.tolist() == [0, 2]
    np.testing.assert_allclose(cum, [0.25, 1.0])
    with pytest.raises(ValueError, match="'validate' partition has no valid position"):
        sampling_weights(np.array([10, -5]), np.array([1]), "validate", "chromosomes")
