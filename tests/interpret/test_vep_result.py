from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from selene.interpret import (
    VariantScores,
    chrom_sort_key,
    load_variant_abs_diff_scores,
    load_variant_scores,
    ordered_variants,
    ordered_variants_and_indices,
    variant_effect_plot,
)

FEATURES = ["f0", "f1", "f2"]
VEP_IDS = ["chrom", "pos", "name", "ref", "alt", "strand", "ref_match", "contains_unk"]


def _scores(values, chroms=None, positions=None, names=None):
    n = len(values)
    ids = pd.DataFrame(
        {
            "chrom": chroms or ["chr1"] * n,
            "pos": positions or list(range(10, 10 * n + 1, 10)),
            "name": names or [f"v{i}" for i in range(n)],
            "ref": ["A"] * n,
            "alt": ["G"] * n,
        }
    )
    values = np.asarray(values, dtype=float).reshape(n, -1)
    return VariantScores(ids, values, [f"f{i}" for i in range(values.shape[1])], "diffs")


@pytest.mark.parametrize("kind", ["abs_diffs", "diffs", "logits"])
def test_tsv_and_hdf5_load_the_same_variants(data_dir, kind):
    tsv = load_variant_scores(data_dir / "vep_tsv" / f"variants_{kind}.tsv")
    h5 = load_variant_scores(data_dir / "vep_hdf5" / f"variants_{kind}.h5", features=FEATURES)
    assert list(tsv.ids.columns) == VEP_IDS and tsv.features == FEATURES and tsv.kind == kind
    pd.testing.assert_frame_equal(tsv.ids, h5.ids)
    # Selene's TSV keeps 3 significant digits: relative rounding <= 5e-3.
    np.testing.assert_allclose(h5.values, tsv.values, rtol=6e-3)
    assert tsv.ids["pos"].tolist() == [20, 20, 35, 30, 60]
    assert tsv.ids["ref_match"].tolist() == [True, True, False, False, True]
    assert not tsv.ids["contains_unk"].any()
    assert len(tsv) == 5 and tsv.to_frame().shape == (5, len(VEP_IDS) + 3)


@pytest.mark.parametrize("side", ["ref", "alt"])
def test_ref_alt_predictions_share_the_row_labels(data_dir, side):
    tsv = load_variant_scores(data_dir / "vep_tsv" / f"variants.{side}_predictions.tsv")
    h5 = VariantScores.from_file(data_dir / "vep_hdf5" / f"variants.{side}_predictions.h5")
    assert h5.kind == tsv.kind == "predictions"
    pd.testing.assert_frame_equal(tsv.ids, h5.ids)
    np.testing.assert_allclose(h5.values, tsv.values, rtol=6e-3)  # 3 significant digits


def test_abs_diffs_match_diffs(data_dir):
    diffs = load_variant_scores(data_dir / "vep_hdf5" / "variants_diffs.h5")
    abs_diffs = load_variant_scores(data_dir / "vep_hdf5" / "variants_abs_diffs.h5")
    np.testing.assert_allclose(abs_diffs.values, np.abs(diffs.values))


def test_selene_loader_tuple(data_dir):
    values, labels, features = load_variant_abs_diff_scores(
        data_dir / "vep_tsv" / "variants_abs_diffs.tsv"
    )
    assert values.shape == (5, 3) and features == FEATURES
    assert labels[0] == ("chr1", "20", "v_a", "A", "G")


def test_ordered_variants_and_indices_equals_selene(data_dir, goldens):
    _, labels, _ = load_variant_abs_diff_scores(data_dir / "vep_tsv" / "variants_diffs.tsv")
    ordered, indices = ordered_variants_and_indices(labels)
    np.testing.assert_array_equal(indices, goldens["ordered_indices"])
    np.testing.assert_array_equal([o[1] for o in ordered], goldens["ordered_positions"])
    with pytest.raises(ValueError, match="must be \\(chrom, pos, name, ref, alt\\)"):
        ordered_variants_and_indices([("chr1", 1)])


def test_chrom_sort_key_natural_order():
    chroms = ["chrY", "chr10", "chrUn_x", "chr2", "chrM", "chrX", "3", "chr1"]
    assert sorted(chroms, key=chrom_sort_key) == [
        "chr1", "chr2", "3", "chr10", "chrX", "chrY", "chrM", "chrUn_x"
    ]  # fmt: skip


def test_ordered_variants_ranks_by_effect_with_deterministic_ties():
    scores = _scores(
        [0.5, -2.0, 2.0, np.nan, 0.1],
        chroms=["chr1", "chr2", "chr1", "chr1", "chr1"],
        positions=[10, 5, 50, 20, 40],
    )
    ranked = ordered_variants(scores, "f0")
    # |-2| ties |2|: genomic order puts chr1:50 before chr2:5; NaN last
    assert ranked["row"].tolist() == [2, 1, 0, 4, 3]
    assert ranked["score"].tolist()[:3] == [2.0, -2.0, 0.5]
    assert ranked["rank"].tolist() == [1, 2, 3, 4, 5]
    assert ordered_variants(scores, "f0", absolute=False)["row"].tolist() == [2, 0, 4, 1, 3]
    assert ordered_variants(scores, 0, absolute=False, ascending=True)["row"].tolist()[:2] == [
        1,
        4,
    ]
    assert ordered_variants(scores, "f0", top=2)["row"].tolist() == [2, 1]


def test_ordered_variants_over_all_features_and_from_file(data_dir):
    scores = _scores([[0.1, -3.0], [2.0, 0.0]])
    assert ordered_variants(scores)["row"].tolist() == [0, 1]  # max |score| over features
    ranked = ordered_variants(data_dir / "vep_tsv" / "variants_diffs.tsv", "f1", top=3)
    values = load_variant_scores(data_dir / "vep_tsv" / "variants_diffs.tsv").scores("f1")
    assert ranked["score"].tolist() == sorted(values, key=abs, reverse=True)[:3]


def test_ordered_variants_errors():
    scores = _scores([1.0, 2.0])
    with pytest.raises(KeyError, match="feature 'nope' not in"):
        ordered_variants(scores, "nope")
    with pytest.raises(IndexError, match="out of range"):
        ordered_variants(scores, 5)
    with pytest.raises(ValueError, match="top must be a non-negative"):
        ordered_variants(scores, top=-1)
    with pytest.raises(ValueError, match="shape \\(variants, features\\)"):
        VariantScores(scores.ids, np.zeros((3, 1)), ["f0"])
    with pytest.raises(FileNotFoundError, match="not found"):
        load_variant_scores("missing_diffs.tsv")


def test_variant_effect_plot_genome_wide_labels_top_hits(data_dir):
    ax = variant_effect_plot(
        data_dir / "vep_tsv" / "variants_diffs.tsv", "f1", top=2, threshold=0.01
    )
    assert len(ax.collections[0].get_offsets()) == 5
    assert [t.get_text() for t in ax.get_xticklabels()] == ["chr1", "chr2"]
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["v_b", "chr1:35 C>A"]  # |0.0242| and |-0.0220|, an unnamed variant
    assert "f1 (diffs)" in ax.get_ylabel()


def test_variant_effect_plot_region():
    scores = _scores(
        [1.0, -3.0, 2.0, 0.5],
        chroms=["chr1", "chr1", "chr2", "chr1"],
        positions=[100, 200, 150, 300],
    )
    ax = variant_effect_plot(scores, "f0", chrom="chr1", start=150, end=400, absolute=True, top=1)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[200, 3.0], [300, 0.5]])
    assert [t.get_text() for t in ax.texts] == ["v1"]
    ax = variant_effect_plot(scores, chrom="chr2", top=0)
    assert len(ax.texts) == 0 and ax.get_ylabel() == "max |score| over features (diffs)"


def test_variant_effect_plot_errors():
    scores = _scores([1.0, 2.0])
    with pytest.raises(ValueError, match="no variants in chr9:0-end"):
        variant_effect_plot(scores, "f0", chrom="chr9")
    with pytest.raises(ValueError, match="start / end need a chrom"):
        variant_effect_plot(scores, "f0", start=10)
    with pytest.raises(ValueError, match="top must be a non-negative"):
        variant_effect_plot(scores, "f0", top=-2)
    with pytest.raises(KeyError, match="feature 'x' not in"):
        variant_effect_plot(scores, "x")
    empty = VariantScores(scores.ids.iloc[:0], np.zeros((0, 1)), ["f0"])
    with pytest.raises(ValueError, match="no variants to plot"):
        variant_effect_plot(empty)
