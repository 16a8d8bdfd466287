"""On a model trained on the synthetic demo, ISM finds each feature's planted motif."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
import pytorch_lightning as pl
import torch
from torch import nn

from selene.datasets.synthetic import find_motif
from selene.interpret import ISMResult, integrated_gradients
from selene.models import SequenceLitModule
from selene.predict import AnalyzeSequences
from selene.samplers import IntervalsSampler
from selene.sequences import Genome, codes_to_one_hot, sequence_to_codes

pytestmark = pytest.mark.slow
LENGTH, TOP = 200, 4


class MotifCNN(nn.Module):
    """The notebooks' demo net: motif detectors, max over positions, a logit per feature."""

    def __init__(self, sequence_length: int, n_targets: int, channels: int = 64) -> None:
        super().__init__()
        self.sequence_length = sequence_length
        self.conv = nn.Conv1d(4, channels, 15, padding="same")
        self.head = nn.Linear(channels, n_targets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)).amax(dim=2))


@pytest.fixture(scope="module")
def trained(synthetic):
    pl.seed_everything(0, verbose=False)
    genome = Genome(synthetic.fasta)
    sampler = IntervalsSampler(
        genome, synthetic.features_bed, synthetic.features_txt, synthetic.intervals_bed,
        sample_negative=True, validation_holdout=["chr3"], test_holdout=["chr4"],
        sequence_length=LENGTH, center_bin_to_predict=100, n_validation_samples=64,
        n_test_samples=64, batch_size=64, seed=1,
    )  # fmt: skip
    module = SequenceLitModule(
        MotifCNN(LENGTH, sampler.n_features),
        optimizer=partial(torch.optim.Adam, lr=5e-3),
        features=sampler.features,
        min_positives=1,
    )
    trainer = pl.Trainer(
        max_steps=500, limit_val_batches=0, accelerator="cpu", logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(module, datamodule=sampler)
    return genome, module.eval()


def _motif_window(synthetic, genome, feature):
    """A window on a peak of the feature holding the fewest copies of its motif, and their bases.

    With several copies a max-pooling model barely notices one being mutated, so a single copy
    (on the held-out chr4 if possible) gives the clearest test.
    """
    peaks = pd.read_csv(synthetic.features_bed, sep="\t", header=None, usecols=[0, 1, 2, 3])
    motif, best = synthetic.motifs[feature], None
    for chrom, start, end in peaks[peaks[3] == feature][[0, 1, 2]].itertuples(index=False):
        left = (start + end) // 2 - LENGTH // 2
        window = genome.get_sequence_from_coords(chrom, left, left + LENGTH)
        hits = find_motif(window, motif)
        key = (len(hits), chrom != "chr4")
        if hits and (best is None or key < best[0]):
            best = key, window, {p for s, _ in hits for p in range(s, s + len(motif))}
    assert best is not None, f"no peak of {feature} holds its motif"
    return best[1], best[2]


def test_top_ism_positions_fall_inside_the_planted_motif(synthetic, trained, tmp_path):
    genome, module = trained
    analysis = AnalyzeSequences(module, reference_sequence=genome, show_progress=False)
    found = {}
    for feature in synthetic.features:
        window, span = _motif_window(synthetic, genome, feature)
        prefix = tmp_path / feature
        analysis.in_silico_mutagenesis(window, ["diffs"], str(prefix))
        matrix = ISMResult.from_file(f"{prefix}_diffs.tsv").score_matrix(feature)
        # a position matters as much as its most damaging substitution
        top = np.argsort(matrix.min(axis=1), kind="stable")[:TOP]
        found[feature] = all(p in span for p in top)
    assert sum(found.values()) >= len(found) - 1, found  # one feature may still be learning


def test_integrated_gradients_peak_inside_the_planted_motif(synthetic, trained):
    genome, module = trained
    feature = synthetic.features[0]
    window, span = _motif_window(synthetic, genome, feature)
    x = codes_to_one_hot(torch.from_numpy(sequence_to_codes(window)))[None]
    attributions = integrated_gradients(module.net, x, 0, n_steps=32)[0].sum(dim=0)
    top = torch.argsort(attributions, descending=True)[:TOP]
    assert all(int(p) in span for p in top)
