"""The samplers read their BED inputs through selene.io.bed: gzip too, errors as file:line."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from selene.samplers import BedFileSampler, IntervalsSampler


def test_gzipped_intervals_sample_like_plain_ones(synthetic, genome, targets, tmp_path) -> None:
    gz = tmp_path / "intervals.bed.gz"
    with gzip.open(gz, "wt") as out:
        out.write(synthetic.intervals_bed.read_text())
    args = dict(validation_holdout=["chr3"], test_holdout=["chr4"], seed=3)
    plain = IntervalsSampler(
        genome, targets, synthetic.features_txt, synthetic.intervals_bed, **args
    )
    zipped = IntervalsSampler(genome, targets, synthetic.features_txt, gz, **args)
    a, b = plain.sample(64), zipped.sample(64)
    assert a["coords"]["chrom"] == b["coords"]["chrom"]
    np.testing.assert_array_equal(a["coords"]["start"], b["coords"]["start"])


def test_intervals_with_start_after_end_are_refused(synthetic, genome, targets, tmp_path) -> None:
    path = tmp_path / "swapped.bed"
    path.write_text("chr1\t100\t900\nchr1\t900\t100\n")
    with pytest.raises(ValueError, match=r"swapped.bed:2: start > end"):
        IntervalsSampler(genome, targets, synthetic.features_txt, path, seed=3).sample(4)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("chr1\t1000\t2000\t*\t0", r"windows.bed:2: strand '\*' is not"),
        ("chr1\t1000\t2000\t+\t0;x", r"windows.bed:2: invalid literal for int"),
    ],
)
def test_bed_file_sampler_names_the_line_of_a_bad_column(genome, tmp_path, line, match) -> None:
    path = tmp_path / "windows.bed"
    path.write_text(f"chr1\t0\t1000\t+\t1\n{line}\n")
    with pytest.raises(ValueError, match=match):
        BedFileSampler(path, genome, targets_avail=True, n_features=8)
