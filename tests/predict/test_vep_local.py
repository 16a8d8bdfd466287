"""VEP through the layer-local engine equals full forward passes of the alternative windows.

Substitutions (SNVs, MNVs, ``<INV>``: REF and ALT of one length) are scored as changes of the
reference pass (``ModelRunner.mutants``); indels and other SVs shift a flank of the window and
take a full pass. Every case is compared with the plain engine (``layer_local=False``), whose
passes are the network's own.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from _predict_goldens import FEATURES, SEQUENCE_LENGTH, fill_weights
from torch import nn

from _tolerances import LOGIT_DIFF, PROB, PROB_DIFF
from selene.io.vcf import read_vcf
from selene.models import DeepSEA, NonStrandSpecific
from selene.predict import predict, variant_effects
from selene.predict.alleles import Placer
from selene.predict.unscored import Unscored
from selene.sequences import Genome

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tSTRAND\n"
STRAND = 8  # 0-based column of the strand


class Recurrent(nn.Module):
    """No convolutional front end: the layer-local engine does not apply."""

    sequence_length = SEQUENCE_LENGTH

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(4, 8, batch_first=True)
        self.out = nn.Linear(8, len(FEATURES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x.transpose(1, 2))[0][:, -1])


def rows(seq: str, size: int, strand: str = "+") -> list[str]:
    """A mixed batch on chr1 (``seq``): SNVs at both chromosome ends and inside, an MNV, 1-base
    and longer indels, a multi-allelic record and symbolic SVs."""

    def row(pos: int, ref: str, alt: str, info: str = ".") -> str:
        return f"chr1\t{pos}\tv{pos}\t{ref}\t{alt}\t.\t.\t{info}\t{strand}"

    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    return [
        row(1, seq[0], other[seq[0]]),  # window padded with N on the left
        row(500, seq[499], other[seq[499]]),
        row(size, seq[size - 1], other[seq[size - 1]]),  # the last base
        row(700, seq[699:701], other[seq[699]] + other[seq[700]]),  # MNV
        row(900, seq[899], seq[899] + "A"),  # 1 inserted base: the right flank shifts
        row(1000, seq[999:1001], seq[999]),  # 1 deleted base: the left flank shifts
        row(1100, seq[1099], seq[1099] + "GTA"),  # shifts both flanks
        row(1200, seq[1199:1204], seq[1199]),
        row(1300, seq[1299], f"{other[seq[1299]]},{seq[1299]}T,{seq[1299:1301]}"),
        row(1400, seq[1399], "<INV>", "SVTYPE=INV;END=1410"),
        row(1500, seq[1499], "<DEL>", "SVTYPE=DEL;END=1503"),
        row(1600, seq[1599], "<DEL>", "SVTYPE=DEL;END=1601"),
    ]


@pytest.fixture(scope="module")
def chr1(genome: Genome) -> tuple[str, int]:
    size = genome.chrom_sizes["chr1"]
    return genome.get_sequence_from_coords("chr1", 0, size).upper(), size


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "mixed.vcf"
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return path


def effects(model, genome: Genome, vcf: Path, **options) -> dict[str, np.ndarray]:
    chunks = list(variant_effects(model, genome, vcf, strand_index=STRAND, batch_size=8,
                                  device="cpu", **options))  # fmt: skip
    out = {k: np.concatenate([getattr(c, k) for c in chunks]) for k in ("ref_predictions",
           "alt_predictions", "diffs", "logits")}  # fmt: skip
    out["records"] = [r for c in chunks for r in c.records]
    return out


def assert_same(got: dict, want: dict) -> None:
    assert got["records"] == want["records"]
    np.testing.assert_allclose(got["ref_predictions"], want["ref_predictions"], **PROB)
    np.testing.assert_allclose(got["alt_predictions"], want["alt_predictions"], **PROB)
    np.testing.assert_allclose(got["diffs"], want["diffs"], **PROB_DIFF)
    np.testing.assert_allclose(got["logits"], want["logits"], **LOGIT_DIFF)


@pytest.mark.parametrize("strand", ["+", "-"])
def test_local_scores_equal_full_passes(genome: Genome, chr1, tmp_path, strand: str) -> None:
    seq, size = chr1
    vcf = write(tmp_path, rows(seq, size, strand))
    model = fill_weights(DeepSEA(SEQUENCE_LENGTH, len(FEATURES)))
    local = effects(model, genome, vcf, layer_local=True)
    plain = effects(model, genome, vcf, layer_local=False)
    assert len(local["records"]) == 14  # 12 records, one with 3 ALTs
    assert_same(local, plain)
    assert np.abs(local["diffs"]).max() > 1e-3  # the variants do change the predictions


@pytest.mark.parametrize("how", ["average", "wrapped"])
def test_non_strand_specific_models(genome: Genome, chr1, tmp_path, how: str) -> None:
    seq, size = chr1
    vcf = write(tmp_path, rows(seq, size))
    net = fill_weights(DeepSEA(SEQUENCE_LENGTH, len(FEATURES)))
    model = NonStrandSpecific(net) if how == "wrapped" else net
    options = {"average_reverse_complement": how == "average"}
    local = effects(model, genome, vcf, layer_local=True, **options)
    assert_same(local, effects(model, genome, vcf, layer_local=False, **options))


def test_a_model_without_a_local_front_end_falls_back(genome: Genome, chr1, tmp_path) -> None:
    seq, size = chr1
    torch.manual_seed(0)
    model = Recurrent().eval()
    vcf = write(tmp_path, rows(seq, size)[1:2])  # the SNV at POS 500
    got = effects(model, genome, vcf)  # layer_local="auto"
    with pytest.raises(ValueError, match="Recurrent has no layer-local engine"):
        effects(model, genome, vcf, layer_local=True)
    window = seq[400:600]  # Selene's window of POS 500 (a 200-bp model)
    alt = window[:99] + rows(seq, size)[1].split("\t")[4] + window[100:]
    want = predict(model, [window, alt], device="cpu")
    np.testing.assert_allclose(got["ref_predictions"][0], want[0], **PROB)
    np.testing.assert_allclose(got["alt_predictions"][0], want[1], **PROB)


def test_which_alternative_windows_are_changes_of_the_reference(genome, chr1, tmp_path) -> None:
    seq, size = chr1
    placer = Placer(genome, SEQUENCE_LENGTH, Unscored(io.StringIO(), "x.vcf"), io.StringIO(),
                    False, False)  # fmt: skip
    kinds = [
        "local" if full is None else "full"
        for placed in placer.records(read_vcf(write(tmp_path, rows(seq, size)), STRAND))
        for full in placed.full
    ]
    # SNVs and the MNV: changes; indels: full passes; the multi-allelic record's SNV a change,
    # its insertions full passes; <INV> (a substitution) a change; <DEL>s full passes.
    local, full = ["local"], ["full"]
    assert kinds == local * 4 + full * 4 + local + full * 2 + local + full * 2
