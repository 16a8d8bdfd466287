"""Our own prediction writers' files load back exactly (TSV and HDF5, ISM and VEP)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from torch import nn

from selene.interpret import ISMResult, load_variant_scores
from selene.predict import AnalyzeSequences
from selene.sequences import Genome, codes_to_one_hot, sequence_to_codes

FEATURES = ["f0", "f1", "f2"]
SEQUENCE = "ACGTTGCANGTA"
# Tiny's logit is a mean over 10 positions of 12 products and a bias (|w|, |b| <= 1/sqrt(12),
# inputs <= 1): S <= 13/sqrt(12) < 3.8, and a float32 evaluation in any order is within
# (13 + 10 + 1)·u·S < 5.4e-6 of the exact logit (Higham §3.1), so a probability within 1.4e-6.
PROB_TINY = {"rtol": 0.0, "atol": 3e-6}  # the analyzer's path against the model's own
DIFF_TINY = {"rtol": 0.0, "atol": 6e-6}  # p(alt) - p(ref), each evaluated both ways


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.sequence_length = len(SEQUENCE)
        self.conv = nn.Conv1d(4, len(FEATURES), kernel_size=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).mean(dim=2)


@pytest.fixture(scope="module")
def analysis(data_dir, tmp_path_factory):
    genome_dir = tmp_path_factory.mktemp("genome")
    shutil.copy(data_dir / "genome.fa", genome_dir / "genome.fa")  # caches go beside the copy
    model = Tiny().eval()
    return model, AnalyzeSequences(
        model, features=FEATURES, reference_sequence=Genome(genome_dir / "genome.fa"),
        show_progress=False,
    )  # fmt: skip


def _probabilities(model: nn.Module, sequences: list[str]) -> np.ndarray:
    codes = torch.from_numpy(np.stack([sequence_to_codes(s) for s in sequences]))
    with torch.no_grad():
        return torch.sigmoid(model(codes_to_one_hot(codes))).double().numpy()


@pytest.mark.parametrize("output_format", ["tsv", "hdf5"])
def test_ism_output_loads_back(analysis, tmp_path, output_format):
    model, analyzer = analysis
    prefix = tmp_path / "seq"
    analyzer.in_silico_mutagenesis(
        SEQUENCE, ["predictions", "diffs"], str(prefix), output_format=output_format
    )
    ext = "tsv" if output_format == "tsv" else "h5"
    features = None if output_format == "tsv" else FEATURES
    predictions = ISMResult.from_file(f"{prefix}_predictions.{ext}", features=features)
    diffs = ISMResult.from_file(f"{prefix}_diffs.{ext}", features=features)
    assert predictions.reference_sequence == diffs.reference_sequence == SEQUENCE
    assert predictions.features == FEATURES
    reference = _probabilities(model, [SEQUENCE])[0]
    np.testing.assert_allclose(predictions.reference_prediction, reference, **PROB_TINY)
    mutants = [
        SEQUENCE[:p] + a + SEQUENCE[p + 1 :]
        for p, a in zip(diffs.positions, diffs.alts, strict=True)
    ]
    expected = _probabilities(model, mutants)
    np.testing.assert_allclose(predictions.values, expected, **PROB_TINY)
    np.testing.assert_allclose(diffs.values, expected - reference, **DIFF_TINY)
    matrix = predictions.score_matrix("f1")  # reference entries hold the reference prediction
    assert matrix[0, 0] == pytest.approx(reference[1], abs=PROB_TINY["atol"])


@pytest.mark.parametrize("output_format", ["tsv", "hdf5"])
def test_vep_output_loads_back(analysis, data_dir, tmp_path, output_format):
    _, analyzer = analysis
    analyzer.variant_effect_prediction(
        str(data_dir / "variants.vcf"), ["predictions", "diffs"], str(tmp_path), output_format,
        score_ref_mismatches=True,
    )  # fmt: skip
    ext = "tsv" if output_format == "tsv" else "h5"
    features = None if output_format == "tsv" else FEATURES
    diffs = load_variant_scores(tmp_path / f"variants_diffs.{ext}", features=features)
    ref = load_variant_scores(tmp_path / f"variants.ref_predictions.{ext}", features=features)
    alt = load_variant_scores(tmp_path / f"variants.alt_predictions.{ext}", features=features)
    assert diffs.features == FEATURES and len(diffs) > 0
    assert list(diffs.ids["name"]) == list(ref.ids["name"]) == list(alt.ids["name"])
    # The same float32 predictions, subtracted once in float32: one rounding, < 6e-8.
    np.testing.assert_allclose(diffs.values, alt.values - ref.values, rtol=0.0, atol=1e-7)
