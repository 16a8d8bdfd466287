"""Golden files for tests/interpret: selene_sdk 0.6.0's own ISM / VEP output and interpret results.

Run in the bench venv (it has both packages):
``.bench/venv/bin/python scripts/interpret_goldens.py``.
Writes tests/data/interpret/: ISM and VEP output files written by selene_sdk's AnalyzeSequences
(TSV and HDF5, a tiny hand-seeded model), and goldens.npz with selene_sdk's
``ISMResult.get_score_matrix_for``, ``rescale_score_matrix`` and ``ordered_variants_and_indices``
results on them.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from selene_sdk.interpret import ISMResult, ordered_variants_and_indices, rescale_score_matrix
from selene_sdk.predict import AnalyzeSequences
from selene_sdk.sequences import Genome
from torch import nn

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "interpret"
FEATURES = ["f0", "f1", "f2"]
LENGTH = 12
SEQUENCE = "ACGTTGCANGTA"  # one unknown base: its row holds all four substitutions
SAVE = ["abs_diffs", "diffs", "logits", "predictions"]
GENOME = {
    "chr1": "ACGTACGTTTGACCATGCAAGTCCGATTACAGGATCCATGCAAGTACGATCGATT" * 2,
    "chr2": "GATC" * 20,
}
VCF = [  # chrom, pos (1-based), id, ref, alt
    ("chr1", 20, "v_a", "A", "G"),
    ("chr1", 20, "v_b", "A", "T"),
    ("chr1", 35, ".", "C", "A"),
    ("chr2", 30, "v_c", "C", "G"),
    ("chr1", 60, "v_d", "A", "C"),
]


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, len(FEATURES), kernel_size=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.conv(x).mean(dim=2))


def main() -> None:
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp())
    weights = tmp / "tiny.pth"
    torch.save(Tiny().state_dict(), weights)
    fasta = OUT / "genome.fa"
    fasta.write_text("".join(f">{c}\n{s}\n" for c, s in GENOME.items()))
    genome = Genome(str(fasta))
    analysis = AnalyzeSequences(
        Tiny(), str(weights), LENGTH, FEATURES, batch_size=7, reference_sequence=genome
    )
    for fmt in ("tsv", "hdf5"):
        analysis.in_silico_mutagenesis(SEQUENCE, SAVE, str(OUT / f"ism_{fmt}" / "seq"), 1, fmt)
    analysis.in_silico_mutagenesis(
        SEQUENCE,
        ["diffs"],
        str(OUT / "ism_span" / "seq"),
        1,
        "tsv",
        start_position=3,
        end_position=9,
    )
    vcf = OUT / "variants.vcf"
    vcf.write_text("".join("\t".join(map(str, v)) + "\n" for v in VCF))
    for fmt in ("tsv", "hdf5"):
        analysis.variant_effect_prediction(str(vcf), SAVE, str(OUT / f"vep_{fmt}"), fmt)
    (OUT / "genome.fa.fai").unlink(missing_ok=True)

    goldens: dict[str, np.ndarray] = {}
    for kind in ("predictions", "diffs"):
        result = ISMResult.from_file(str(OUT / "ism_tsv" / f"seq_{kind}.tsv"))
        goldens[f"reference_{kind}"] = np.array(result.reference_sequence)
        for feature in FEATURES:
            for mask, tag in ((None, "none"), (0.5, "half")):
                matrix = result.get_score_matrix_for(feature, reference_mask=mask)
                goldens[f"ism_{kind}_{feature}_{tag}"] = matrix
    for kind in ("predictions", "diffs"):
        matrix = goldens[f"ism_{kind}_f1_none"]
        for base in ("identity", "probability", "max_effect"):
            for position in ("identity", "probability", "max_effect"):
                with np.errstate(all="ignore"):
                    goldens[f"rescale_{kind}_{base}_{position}"] = rescale_score_matrix(
                        matrix, base, position
                    )
    labels = [(c, str(p), n, r, a) for c, p, n, r, a in VCF]
    ordered, indices = ordered_variants_and_indices(labels)
    goldens["ordered_indices"] = np.array(indices)
    goldens["ordered_positions"] = np.array([o[1] for o in ordered])
    np.savez(OUT / "goldens.npz", **goldens)
    shutil.rmtree(tmp)
    for path in sorted(OUT.rglob("*")):
        print(path.relative_to(OUT), path.stat().st_size if path.is_file() else "")


if __name__ == "__main__":
    main()
