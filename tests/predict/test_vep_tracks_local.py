"""Track variant effects score substitutions as layer-local mutants, equal to full passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from _tolerances import EVAL
from selene.io.outputs import TRACK_KINDS
from selene.models import BPNet, TrackCNN
from selene.predict import ops
from selene.sequences import Genome

LENGTH, BIN = 256, 8
OTHER = {b: "ACGT"[("ACGT".index(b) + 1) % 4] for b in "ACGT"}


@pytest.fixture(scope="module")
def chrom() -> str:
    return "".join(np.random.default_rng(5).choice(list("ACGT"), 1200))


@pytest.fixture(scope="module")
def genome(chrom: str, tmp_path_factory: pytest.TempPathFactory) -> Genome:
    path = tmp_path_factory.mktemp("local_tracks") / "genome.fa"
    path.write_text(f">chr1\n{chrom}\n")
    return Genome(path)


@pytest.fixture(scope="module")
def vcf(chrom: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Substitutions every 23 bases, on both strands, and a few other kinds of variant.

    40 ALTs: 35 SNVs, a multi-allelic SNV (2), an MNP, an insertion and a deletion.
    """
    rows = [(p, chrom[p - 1], OTHER[chrom[p - 1]], "+-"[i % 2]) for i, p in
            enumerate(range(200, 1000, 23))]  # fmt: skip
    b = chrom[499]
    rows += [
        (500, b, f"{OTHER[b]},{OTHER[OTHER[b]]}", "+"),
        (600, chrom[599:601], OTHER[chrom[599]] + OTHER[chrom[600]], "-"),  # an MNP
        (700, chrom[699], chrom[699] + "GATTACA", "+"),
        (800, chrom[799:805], chrom[799], "-"),
    ]
    path = tmp_path_factory.mktemp("local_vcf") / "variants.vcf"
    lines = [f"chr1\t{p}\tv{i}\t{r}\t{a}\t{s}\n" for i, (p, r, a, s) in enumerate(rows)]
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tSTRAND\n" + "".join(lines))
    return path


def _net() -> TrackCNN:
    torch.manual_seed(4)
    net = TrackCNN(LENGTH, 3, BIN, channels=16, n_dilated=2, dropout=0.0, crop_bins=2)
    with torch.no_grad():  # doubled convolutions: alleles move the coverage by percents
        for weight in (p for p in net.parameters() if p.dim() == 3):
            weight.mul_(2)
    return net.eval()


def _scores(runner, genome, vcf) -> dict[str, np.ndarray]:
    chunks = list(ops.variant_effects(runner, genome, vcf, strand_index=5, batch_size=8, span=64))
    return {k: np.concatenate([getattr(c, k) for c in chunks]) for k in TRACK_KINDS}


def test_layer_local_substitutions_equal_full_passes(genome, vcf) -> None:
    net = _net()
    local = ops.make_runner(net, activation="exp", device="cpu", layer_local=True)
    plain = ops.make_runner(net, activation="exp", device="cpu", layer_local=False)
    assert local.engine.name == "layer_local" and plain.engine.name == "plain"
    calls = []
    mutants = local.engine.mutants
    local.engine.mutants = lambda *a: calls.append(len(a[1])) or mutants(*a)
    got, want = _scores(local, genome, vcf), _scores(plain, genome, vcf)
    assert sum(calls) == 35 + 2 + 1  # every SNV and MNP allele, none of the indels
    with torch.no_grad():
        x = torch.nn.functional.one_hot(torch.randint(0, 4, (8, LENGTH)), 4).mT.float()
        scale = 1 + float(net(x).abs().max())
    # Each log rate is within 2 EVAL (1 + |log rate|) of the full pass (the engine's self-check
    # bound, accel.check); exp makes it a relative error of each bin, which a sum of positive
    # bins keeps; one EVAL more for rounding the sums to float32. log2 of a ratio of two such
    # sums (plus the pseudocount) moves by at most twice that over ln 2. (7.3e-5 relative here;
    # 2.4e-7 measured.)
    relative = (2 * scale + 1) * EVAL
    for kind in TRACK_KINDS:
        if "log2fc" in kind:
            np.testing.assert_allclose(
                got[kind], want[kind], rtol=0, atol=2 * relative / np.log(2)
            )
        else:
            np.testing.assert_allclose(got[kind], want[kind], rtol=relative, atol=0)
    changed = np.abs(want["track_log2fc"]).max()
    assert changed > 100 * 2 * relative  # the alleles move the coverage well beyond that


def test_bpnet_falls_back_to_full_passes(genome, vcf) -> None:
    torch.manual_seed(0)
    net = BPNet(n_filters=8, n_layers=2, n_outputs=2).eval()
    runner = ops.make_runner(net, LENGTH, device="cpu")
    assert runner.engine.name == "plain"  # residual blocks from its first layer on
    with pytest.raises(ValueError, match="BPNet has no layer-local engine"):
        ops.make_runner(net, LENGTH, device="cpu", layer_local=True)
    got = _scores(runner, genome, vcf)
    assert got["track_ref_sum"].shape == (40, 2) and np.isfinite(got["track_log2fc"]).all()
