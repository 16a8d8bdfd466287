"""``selene.interpret`` takes the operations' arrays as it takes AnalyzeSequences' files.

HDF5 files compare exactly (TSV values parse as float64 decimals, not as the float32 written).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from _predict_goldens import FEATURES, VEP_STRAND_INDEX

from selene.interpret import (
    ISMResult,
    VariantScores,
    load_variant_scores,
    ordered_variants,
    variant_effect_plot,
)
from selene.predict import in_silico_mutagenesis, variant_effects

BATCH = 16  # the analysis fixture's batch_size


@pytest.fixture(scope="module")
def sequence(genome) -> str:
    return genome.get_sequence_from_coords("chr1", 1000, 1200)


@pytest.mark.parametrize("kind", ["diffs", "predictions"])
def test_ism_scores_make_the_ism_result_of_the_file(analysis, sequence, tmp_path, kind):
    analysis.in_silico_mutagenesis(sequence, [kind], str(tmp_path / "ism"), end_position=40,
                                   output_format="hdf5")  # fmt: skip
    from_file = ISMResult.from_file(tmp_path / f"ism_{kind}.h5", FEATURES)
    scores = in_silico_mutagenesis(analysis.model, sequence, end=40, batch_size=BATCH,
                                   device="cpu")  # fmt: skip
    got = ISMResult.from_scores(scores, FEATURES, kind)
    assert got.reference_sequence == from_file.reference_sequence == sequence[:40]
    for feature in FEATURES:
        assert np.array_equal(got.score_matrix(feature), from_file.score_matrix(feature))
    assert got.to_frame().equals(from_file.to_frame())


def test_ism_scores_refused_without_the_kind_or_with_several_bases(analysis, sequence):
    scores = in_silico_mutagenesis(analysis.model, sequence, end=4, device="cpu")
    with pytest.raises(ValueError, match="hold no 'ref_predictions'"):
        ISMResult.from_scores(scores, FEATURES, "ref_predictions")
    two = in_silico_mutagenesis(analysis.model, sequence, 2, end=3, device="cpu")
    with pytest.raises(ValueError, match="mutate 2 bases per row"):
        ISMResult.from_scores(two, FEATURES)


def test_variant_effects_make_the_variant_scores_of_the_file(analysis, workdir, tmp_path):
    vcf = str(workdir / "variants.vcf")
    with pytest.warns(UserWarning):
        analysis.variant_effect_prediction(vcf, ["diffs"], str(tmp_path), "hdf5", VEP_STRAND_INDEX)
        chunks = variant_effects(analysis.model, analysis.reference_sequence, vcf,
                                 strand_index=VEP_STRAND_INDEX, batch_size=BATCH,
                                 device="cpu")  # fmt: skip
        got = VariantScores.from_effects(chunks, FEATURES)
    from_file = load_variant_scores(tmp_path / "variants_diffs.h5", FEATURES)
    assert got.to_frame().equals(from_file.to_frame())
    assert ordered_variants(got).equals(ordered_variants(from_file))
    matplotlib.use("Agg")
    ax = variant_effect_plot(got, top=3)
    assert len(ax.collections) >= 1
    matplotlib.pyplot.close(ax.figure)
    with pytest.raises(ValueError, match="hold no 'predictions'"):
        VariantScores.from_effects([], FEATURES, "predictions")
