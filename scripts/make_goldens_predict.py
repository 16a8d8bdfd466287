"""Golden outputs of selene_sdk 0.6.0's AnalyzeSequences, for tests/predict.

Run in the benchmark venv (it has selene_sdk 0.6.0):

    .bench/venv/bin/python scripts/make_goldens_predict.py [--reference-dir DIR]

selene_sdk does not ship DeepSEA; ``--reference-dir`` (default .bench/reference, not
committed) must hold the Selene repository's ``models/deepsea.py``, unmodified. The model is
DeepSEA(200, 4) (with Selene's final Sigmoid) under the hash weights of
tests/predict/_predict_goldens.py. Writes the inputs (tests/data/predict/genome.fa, query.fa,
ism.fa, variants.vcf) and the goldens (tests/data/predict/goldens.npz): Selene's HDF5 values
(float32; Selene stores float32 predictions in float64 datasets) with their row labels, for
FASTA prediction, ISM of one sequence (mutate_n_bases=1 and 2) and VEP (SNVs, an MNV,
insertions, multi-allelic ALTs, both strands, a REF mismatch, ``1``/``MT`` chromosome names),
and the ID columns of its TSV output.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "predict"))
sys.path.insert(0, str(ROOT / "tests"))  # _hashing
from _predict_goldens import (  # noqa: E402
    DATA,
    FEATURES,
    GOLDENS,
    ISM2_RANGE,
    N_FEATURES,
    SEQUENCE_LENGTH,
    VEP_STRAND_INDEX,
    fill_weights,
    random_bases,
)

KINDS = ["abs_diffs", "diffs", "logits", "predictions"]


def write_fasta(path: Path, records: dict[str, str]) -> None:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))


def make_inputs() -> dict[str, str]:
    chr1 = random_bases(3000, seed=1)
    chr1 = chr1[:1500] + chr1[1500:1540].lower() + chr1[1540:]  # soft-masked stretch
    chr2 = random_bases(2500, seed=2)
    chr2 = chr2[:2000] + "N" * 10 + chr2[2010:]
    genome = {"chr1": chr1, "chr2": chr2, "chrM": random_bases(600, seed=3)}
    write_fasta(DATA / "genome.fa", genome)
    query = {
        "seq_exact": random_bases(200, seed=4),
        "seq_short extra words": random_bases(150, seed=5),
        "seq_long": random_bases(260, seed=6),
        "seq_n": random_bases(90, seed=7) + "NNNNN" + random_bases(105, seed=8),
        "seq_lower": random_bases(180, seed=9).lower(),
    }
    write_fasta(DATA / "query.fa", query)
    ism = random_bases(100, seed=10) + "N" + random_bases(99, seed=11)
    write_fasta(DATA / "ism.fa", {"ism_seq": ism})

    def other(base: str, k: int = 1) -> str:
        return "ACGT"[("ACGT".index(base.upper()) + k) % 4]

    rows = []  # (chrom as written, pos, id, ref, alt, strand)
    for i, pos in enumerate(range(150, 2850, 173)):  # SNVs on chr1, all three strand marks
        rows.append(("chr1", pos, f"snv{i}", chr1[pos - 1].upper(), other(chr1[pos - 1]),
                     "+-."[i % 3]))  # fmt: skip
    rows += [
        ("chr1", 1510, "soft", chr1[1509].upper(), other(chr1[1509]), "+"),
        ("chr1", 700, "multi", chr1[699], f"{other(chr1[699])},{other(chr1[699], 2)}", "+"),
        ("chr1", 900, "mnv", chr1[899:901], other(chr1[899]) + other(chr1[900]), "-"),
        ("chr1", 1100, "ins", chr1[1099], chr1[1099] + "AC", "+"),
        ("chr1", 1300, "ins1", chr1[1299], chr1[1299] + "G", "-"),
        ("chr1", 1700, "ins_dash", "-", "GT", "+"),
        ("chr1", 2100, "ins_long", chr1[2099], chr1[2099] + random_bases(249, seed=12), "+"),
        ("1", 2300, "no_chr", chr1[2299], other(chr1[2299]), "+"),
        ("MT", 300, "mito", genome["chrM"][299], other(genome["chrM"][299]), "+"),
        ("chr2", 1995, "near_n", chr2[1994], other(chr2[1994]), "+"),
        ("chr2", 700, "mismatch", other(chr2[699]), other(chr2[699], 2), "+"),
        ("chr2", 1200, "snv_chr2", chr2[1199], other(chr2[1199]), "-"),
    ]
    with open(DATA / "variants.vcf", "w") as handle:
        handle.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tSTRAND\n")
        for chrom, pos, ident, ref, alt, strand in rows:
            handle.write(f"{chrom}\t{pos}\t{ident}\t{ref}\t{alt}\t.\tPASS\t{strand}\n")
    return {"ism": ism}


def read_h5(path: Path) -> np.ndarray:
    with h5py.File(path, "r") as handle:
        data = handle["data"][()]
    assert np.array_equal(data.astype(np.float32).astype(np.float64), data), path
    return data.astype(np.float32)


def read_lines(path: Path) -> np.ndarray:
    return np.array(path.read_text().splitlines())


def tsv_ids(path: Path, n_ids: int) -> np.ndarray:
    rows = path.read_text().splitlines()
    return np.array(["\t".join(line.split("\t")[:n_ids]) for line in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-dir", type=Path, default=ROOT / ".bench" / "reference")
    ref_dir = parser.parse_args().reference_dir
    spec = importlib.util.spec_from_file_location("reference_deepsea", ref_dir / "deepsea.py")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)

    from selene_sdk.predict import AnalyzeSequences
    from selene_sdk.sequences import Genome

    DATA.mkdir(parents=True, exist_ok=True)
    extra = make_inputs()
    model = fill_weights(reference.DeepSEA(SEQUENCE_LENGTH, N_FEATURES))
    goldens: dict[str, np.ndarray] = {"ism_sequence": np.array(extra["ism"])}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name in ("genome.fa", "query.fa", "ism.fa", "variants.vcf"):
            shutil.copy(DATA / name, tmp / name)
        torch.save(model.state_dict(), tmp / "weights.pth")
        analysis = AnalyzeSequences(
            model, str(tmp / "weights.pth"), SEQUENCE_LENGTH, FEATURES, batch_size=16,
            reference_sequence=Genome(str(tmp / "genome.fa")),
        )  # fmt: skip
        for fmt in ("hdf5", "tsv"):
            out = tmp / fmt
            analysis.get_predictions_for_fasta_file(str(tmp / "query.fa"), str(out / "fa"), fmt)
            analysis.in_silico_mutagenesis(extra["ism"], KINDS, str(out / "ism" / "ism"),
                                           output_format=fmt)  # fmt: skip
            analysis.in_silico_mutagenesis_from_file(
                str(tmp / "ism.fa"), KINDS, str(out / "ism2"), mutate_n_bases=2,
                output_format=fmt, start_position=ISM2_RANGE[0], end_position=ISM2_RANGE[1],
            )  # fmt: skip
            vcf = str(tmp / "variants.vcf")
            analysis.variant_effect_prediction(vcf, KINDS, str(out / "vep"), fmt, VEP_STRAND_INDEX)
        h5, tsv = tmp / "hdf5", tmp / "tsv"
        goldens["fasta_predictions"] = read_h5(h5 / "fa" / "query_predictions.h5")
        goldens["fasta_labels"] = read_lines(h5 / "fa" / "query_row_labels.txt")
        goldens["fasta_tsv_ids"] = tsv_ids(tsv / "fa" / "query_predictions.tsv", 2)
        for tag, prefix in (("ism", h5 / "ism" / "ism"), ("ism2", h5 / "ism2" / "ism_seq")):
            for kind in KINDS:
                goldens[f"{tag}_{kind}"] = read_h5(Path(f"{prefix}_{kind}.h5"))
            goldens[f"{tag}_labels"] = read_lines(Path(f"{prefix}_row_labels.txt"))
            goldens[f"{tag}_ref_predictions"] = read_h5(Path(f"{prefix}_ref_predictions.h5"))
        goldens["ism_tsv_ids"] = tsv_ids(tsv / "ism" / "ism_predictions.tsv", 3)
        vep = h5 / "vep" / "variants"
        for kind in ("abs_diffs", "diffs", "logits"):
            goldens[f"vep_{kind}"] = read_h5(Path(f"{vep}_{kind}.h5"))
        for side in ("ref", "alt"):
            goldens[f"vep_{side}_predictions"] = read_h5(Path(f"{vep}.{side}_predictions.h5"))
        goldens["vep_labels"] = read_lines(Path(f"{vep}_row_labels.txt"))
        goldens["vep_tsv_ids"] = tsv_ids(tsv / "vep" / "variants_diffs.tsv", 8)
        goldens["vep_na"] = read_lines(Path(f"{vep}.NA"))
    probabilities = goldens["vep_alt_predictions"]
    print(f"VEP probabilities in [{probabilities.min():.3f}, {probabilities.max():.3f}]")
    np.savez_compressed(GOLDENS, **goldens)
    print(f"wrote {GOLDENS} ({GOLDENS.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
