"""Benchmark prediction: FASTA sequences/s, ISM seconds per 1000 bp sequence, VEP variants/s.

    .venv/bin/python scripts/bench_predict.py                  # ours only
    .bench/venv/bin/python scripts/bench_predict.py            # ours and selene_sdk 0.6.0

DeepSEA(1000, 919) with fixed random weights (``torch.manual_seed(0)`` then the default
initialisation); a random genome (4 x 1 Mb); a VCF of --n-variants variants (85% SNVs, 10%
insertions, 5% deletions, at least 1 kb from the chromosome ends so that selene_sdk scores them
all) with the genome's REF; --n-sequences random 1000 bp FASTA records; ISM of --n-ism random
1000 bp sequences (every position, 3 alternatives each). Both write HDF5 (Selene's TSV keeps 3
digits and formats slowly). Runs on the CPU, and on CUDA when available (--devices). Where
selene_sdk imports, the same calls run through its AnalyzeSequences on the same weights and
files in the same process, the ratios are printed, and the outputs are compared (deletions
excluded: selene_sdk builds their windows differently).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import h5py
import numpy as np
import torch

from selene.models import DeepSEA
from selene.predict import AnalyzeSequences
from selene.sequences import Genome

LENGTH, TARGETS = 1000, 919


class SeleneDeepSEA(DeepSEA):
    """Our DeepSEA plus Selene's final sigmoid (selene_sdk expects probabilities)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(super().forward(x))


def make_inputs(root: Path, args: argparse.Namespace) -> dict[str, Path | str]:
    rng = np.random.default_rng(0)
    chroms = {f"chr{i + 1}": "".join(rng.choice(list("ACGT"), 1_000_000)) for i in range(4)}
    with open(root / "genome.fa", "w") as handle:
        for name, seq in chroms.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i : i + 80] + "\n" for i in range(0, len(seq), 80))
    with open(root / "query.fa", "w") as handle:
        for i in range(args.n_sequences):
            handle.write(f">seq{i}\n{''.join(rng.choice(list('ACGT'), LENGTH))}\n")
    with open(root / "variants.vcf", "w") as handle:
        handle.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n")
        names = rng.choice(list(chroms), args.n_variants)
        positions = np.sort(rng.integers(2000, 998_000, args.n_variants))
        kinds = rng.random(args.n_variants)
        for i, (chrom, pos, kind) in enumerate(zip(names, positions, kinds, strict=True)):
            seq = chroms[chrom]
            ref = seq[pos - 1]
            if kind < 0.85:
                alt = "ACGT"[("ACGT".index(ref) + 1 + i % 3) % 4]
            elif kind < 0.95:
                alt = ref + "".join(rng.choice(list("ACGT"), 1 + i % 4))
            else:
                ref, alt = seq[pos - 1 : pos + 1 + i % 4], ref
            handle.write(f"{chrom}\t{pos}\tv{i}\t{ref}\t{alt}\n")
    ism = ["".join(rng.choice(list("ACGT"), LENGTH)) for _ in range(args.n_ism)]
    return {"genome": root / "genome.fa", "query": root / "query.fa",
            "vcf": root / "variants.vcf", "ism": ism}  # fmt: skip


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def run(tools: dict, inputs: dict, root: Path, args: argparse.Namespace) -> dict:
    """Time each task with each tool, interleaved (task by task, tool by tool) so that a
    change in machine load hits both; FASTA and ISM keep the best of --repeats runs."""
    save = ["diffs", "predictions"]
    query, vcf = str(inputs["query"]), str(inputs["vcf"])
    root.mkdir(parents=True, exist_ok=True)
    warm_vcf = root / "warm.vcf"  # warm-up: weights, kernels, the genome's caches
    warm_vcf.write_text("".join(Path(vcf).read_text().splitlines(keepends=True)[:50]))
    for name, analysis in tools.items():
        analysis.get_predictions_for_fasta_file(query, str(root / name / "warm"), "hdf5")
        analysis.variant_effect_prediction(str(warm_vcf), save, str(root / name / "warm"), "hdf5")

    def fasta(analysis, out: Path) -> None:
        analysis.get_predictions_for_fasta_file(query, str(out), "hdf5")

    def ism(analysis, out: Path) -> None:
        for i, seq in enumerate(inputs["ism"]):
            analysis.in_silico_mutagenesis(seq, save, str(out / f"ism{i}"), output_format="hdf5")

    def vep(analysis, out: Path) -> None:
        analysis.variant_effect_prediction(vcf, save, str(out), "hdf5")

    times: dict[str, dict[str, float]] = {name: {} for name in tools}
    for task, fn, repeats in (("fasta", fasta, args.repeats), ("ism", ism, args.repeats),
                              ("vep", vep, 1)):  # fmt: skip
        for _ in range(repeats):
            for name, analysis in tools.items():
                seconds = timed(lambda a=analysis, n=name: fn(a, root / n))  # noqa: B023
                times[name][task] = min(seconds, times[name].get(task, float("inf")))
    return {
        name: {
            "fasta_seq_per_s": args.n_sequences / t["fasta"],
            "ism_s_per_seq": t["ism"] / args.n_ism,
            "vep_variants_per_s": args.n_variants / t["vep"],
        }
        for name, t in times.items()
    }


def compare(ours: Path, theirs: Path, vcf: Path) -> dict[str, float]:
    """Largest differences between our outputs and selene_sdk's (deletions excluded)."""

    def data(path: Path) -> np.ndarray:
        with h5py.File(path) as handle:
            return handle["data"][()]

    result = {
        "fasta": float(
            np.abs(
                data(ours / "query_predictions.h5") - data(theirs / "query_predictions.h5")
            ).max()
        ),  # fmt: skip
        "ism_diffs": float(
            np.abs(data(ours / "ism0_diffs.h5") - data(theirs / "ism0_diffs.h5")).max()
        ),  # fmt: skip
    }
    rows = [line.split("\t") for line in vcf.read_text().splitlines() if line[0] != "#"]
    keep = np.array([len(r[3]) <= len(r[4]) for r in rows])
    diffs = np.abs(
        data(ours / "variants_diffs.h5")[keep] - data(theirs / "variants_diffs.h5")[keep]
    )
    result["vep_diffs_snv_ins"] = float(diffs.max())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sequences", type=int, default=512)
    parser.add_argument("--n-variants", type=int, default=10_000)
    parser.add_argument("--n-ism", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2, help="FASTA and ISM: best of N")
    parser.add_argument("--devices", nargs="+", default=None, help="default: cpu (+ cuda)")
    parser.add_argument("--skip-selene", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    devices = args.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    try:
        if args.skip_selene:
            raise ImportError
        import selene_sdk.sequences
        from selene_sdk.predict import AnalyzeSequences as SeleneAnalyzeSequences
    except ImportError:
        SeleneAnalyzeSequences = None  # noqa: N806
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    weights = DeepSEA(LENGTH, TARGETS).state_dict()
    features = [f"f{i}" for i in range(TARGETS)]
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        root = Path(tmp_name)
        inputs = make_inputs(root, args)
        torch.save(weights, root / "weights.pth")
        for device in devices:
            ours_model = DeepSEA(LENGTH, TARGETS)
            ours_model.load_state_dict(weights)
            tools = {"ours": AnalyzeSequences(
                ours_model, None, LENGTH, features, args.batch_size,
                reference_sequence=Genome(inputs["genome"]), device=device, show_progress=False,
                resume=False)}  # fmt: skip
            if SeleneAnalyzeSequences is not None:
                tools["selene_sdk"] = SeleneAnalyzeSequences(
                    SeleneDeepSEA(LENGTH, TARGETS), str(root / "weights.pth"), LENGTH, features,
                    args.batch_size, use_cuda=device == "cuda",
                    reference_sequence=selene_sdk.sequences.Genome(str(inputs["genome"])),
                )  # fmt: skip
            row = {"device": device, "threads": torch.get_num_threads()}
            row |= run(tools, inputs, root / device, args)
            if "selene_sdk" in row:
                ours, sdk = row["ours"], row["selene_sdk"]
                row["speedup"] = {
                    "fasta": ours["fasta_seq_per_s"] / sdk["fasta_seq_per_s"],
                    "ism": sdk["ism_s_per_seq"] / ours["ism_s_per_seq"],
                    "vep": ours["vep_variants_per_s"] / sdk["vep_variants_per_s"],
                }
                row["max_abs_difference"] = compare(
                    root / device / "ours", root / device / "selene_sdk", inputs["vcf"]
                )
            results.append(row)
            report(row, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(row: dict, args: argparse.Namespace) -> None:
    print(f"\n{row['device']} (torch {torch.__version__}, {row['threads']} threads), "
          f"DeepSEA({LENGTH}, {TARGETS}), batch {args.batch_size}, HDF5 output")  # fmt: skip
    lines = [("FASTA", "fasta_seq_per_s", "seq/s", "fasta"),
             ("ISM", "ism_s_per_seq", "s per 1000 bp sequence", "ism"),
             ("VEP", "vep_variants_per_s", "variants/s", "vep")]  # fmt: skip
    for name, key, unit, speed in lines:
        text = f"  {name:5s} ours {row['ours'][key]:9.3f} {unit}"
        if "selene_sdk" in row:
            text += (f" | selene_sdk {row['selene_sdk'][key]:9.3f} {unit}"
                     f" | ours {row['speedup'][speed]:.2f}x faster")  # fmt: skip
        print(text)
    if "max_abs_difference" in row:
        print(
            "  max |ours - selene_sdk|:",
            {k: f"{v:.2e}" for k, v in row["max_abs_difference"].items()},
        )


if __name__ == "__main__":
    main()
