"""Issue 14's must-show: on a model trained on the synthetic data, DeepLIFT/SHAP + TF-MoDISco
recover the planted motif of most features (TOMTOM q < 0.05 against the generator's motifs).

The session's small genome (4 x 200 kb, 8 features) trains a motif-detector net in seconds on
windows drawn as the demo draws them (peaks and motif-less background). Thirty peak windows per
feature are explained for their own feature; MoDISco runs on all 240 at once (so
``min_metacluster_size`` is lowered from 100 to 50 for so few windows), and each positive
pattern is matched against the generator's consensus motifs written as a MEME file.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
from torch import nn

from selene.interpret import consensus_ppm, deep_lift_shap, motifs, write_meme
from selene.samplers import IntervalsSampler
from selene.sequences import Genome, codes_to_one_hot
from selene.utils.warnings import SeleneWarning

pytestmark = pytest.mark.slow
LENGTH, PER_FEATURE, STEPS = 200, 30, 800
Q_MAX = 0.05


class MotifNet(nn.Module):
    """Motif detectors, the max over the window, a logit per feature."""

    def __init__(self, n_targets: int, channels: int = 32) -> None:
        super().__init__()
        self.sequence_length = LENGTH
        self.net = nn.Sequential(
            nn.Conv1d(4, channels, 15, padding="same"), nn.ReLU(), nn.MaxPool1d(LENGTH),
            nn.Flatten(), nn.Linear(channels, n_targets),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _train(synthetic) -> nn.Module:
    """Adam on 3072 windows drawn the demo's way (one thread: 10x faster on a shared CPU)."""
    sampler = IntervalsSampler(
        Genome(synthetic.fasta), synthetic.features_bed, synthetic.features_txt,
        synthetic.intervals_bed, sample_negative=True, validation_holdout=["chr3"],
        test_holdout=["chr4"], sequence_length=LENGTH, center_bin_to_predict=100,
        n_validation_samples=64, n_test_samples=64, seed=1,
    )  # fmt: skip
    sampler.setup("fit")
    batch = sampler.sample(3072, "train")
    x = codes_to_one_hot(torch.as_tensor(batch["sequence"])).float()
    y = torch.as_tensor(batch["targets"]).float()
    torch.manual_seed(0)
    net = MotifNet(y.shape[1])
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)
    draws = torch.Generator().manual_seed(0)
    for _ in range(STEPS):
        i = torch.randint(0, len(x), (64,), generator=draws)
        loss = nn.functional.binary_cross_entropy_with_logits(net(x[i]), y[i])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net.eval()


def _peak_windows(synthetic) -> tuple[np.ndarray, np.ndarray]:
    """The first PER_FEATURE peaks of each feature, centred; the feature index of each."""
    genome, features = Genome(synthetic.fasta), synthetic.features
    with gzip.open(synthetic.features_bed, "rt") as bed:
        rows = [line.split("\t")[:4] for line in bed]
    windows, targets = [], []
    for index, feature in enumerate(features):
        for chrom, start, end, _ in [r for r in rows if r[3].strip() == feature][:PER_FEATURE]:
            centre = (int(start) + int(end)) // 2
            lo = centre - LENGTH // 2
            windows.append(genome.get_encoding_from_coords(chrom, lo, lo + LENGTH))
            targets.append(index)
    one_hot = np.stack(windows).astype(np.float32)
    return (one_hot if one_hot.shape[1] == 4 else one_hot.transpose(0, 2, 1)), np.array(targets)


@pytest.fixture(scope="module")
def found(synthetic, tmp_path_factory: pytest.TempPathFactory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net = _train(synthetic)
        one_hot, targets = _peak_windows(synthetic)
        attributions = deep_lift_shap(net, one_hot, n_shuffles=5, target=targets.tolist())
    finally:
        torch.set_num_threads(threads)
    meme = tmp_path_factory.mktemp("planted") / "planted.meme"
    write_meme(meme, {f"{f} {m}": consensus_ppm(m) for f, m in synthetic.motifs.items()})
    with pytest.warns(SeleneWarning, match="8 target motifs"):
        result = motifs(
            attributions, one_hot, databases=[meme], window=None, min_metacluster_size=50
        )
    return result, targets, synthetic.features


def test_modisco_recovers_the_planted_motif_of_most_features(found) -> None:
    result, targets, features = found
    table = result.table
    positive = table[(table["sign"] == 1) & (table["q_value"] < Q_MAX)]
    recovered = set(positive["target_id"])
    assert len(recovered) > len(features) / 2, f"recovered {sorted(recovered)}:\n{table}"
    # each pattern matches the motif of the feature whose windows hold its seqlets
    by_name = {p.name: p for p in result.patterns}
    for row in positive.itertuples():
        sources = targets[by_name[row.pattern].seqlets["example_idx"].to_numpy()]
        assert features[np.bincount(sources).argmax()] == row.target_id, row
