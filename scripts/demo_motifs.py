"""How many of the demo's planted motifs a trained demo model's patterns recover (issue 14).

Explains ``--per-feature`` peak windows of every feature for that feature (DeepLIFT/SHAP,
``--shuffles`` dinucleotide shuffles), runs TF-MoDISco once on all of them, and matches each
pattern by TOMTOM against the generator's consensus motifs (as a MEME file), alone and together
with JASPAR (a broad background for TOMTOM's p-values). Prints, per feature, the positive
pattern matching its motif best; writes the report (``motifs.html``, logos) to ``--out``.

    python scripts/demo_motifs.py CKPT DATA_DIR [--out DIR] [--per-feature 30] [--shuffles 20]

``DATA_DIR`` is the demo's synthetic dataset (``${paths.data_dir}/demo`` of the training run).
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd

from selene.datasets.synthetic import open_synthetic
from selene.interpret import consensus_ppm, deep_lift_shap, motifs, write_meme
from selene.interpret.motif_db import load_motif_database, tomtom_matches
from selene.models.load import load_checkpoint
from selene.sequences import Genome


def peak_windows(data, length: int, per_feature: int) -> tuple[np.ndarray, np.ndarray]:
    genome = Genome(data.fasta)
    with gzip.open(data.features_bed, "rt") as bed:
        rows = [line.rstrip("\n").split("\t")[:4] for line in bed]
    windows, targets = [], []
    for index, feature in enumerate(data.features):
        for chrom, start, end, _ in [r for r in rows if r[3] == feature][:per_feature]:
            lo = (int(start) + int(end)) // 2 - length // 2
            windows.append(genome.get_encoding_from_coords(chrom, lo, lo + length))
            targets.append(index)
    one_hot = np.stack(windows).astype(np.float32)
    return (one_hot if one_hot.shape[1] == 4 else one_hot.transpose(0, 2, 1)), np.array(targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpt")
    parser.add_argument("data_dir")
    parser.add_argument("--out", default="demo_motifs")
    parser.add_argument("--per-feature", type=int, default=30)
    parser.add_argument("--shuffles", type=int, default=20)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    module = load_checkpoint(args.ckpt, map_location="cpu")
    data = open_synthetic(args.data_dir)
    length = int(module.net.sequence_length)
    one_hot, targets = peak_windows(data, length, args.per_feature)
    t = time.perf_counter()
    attributions = deep_lift_shap(module, one_hot, args.shuffles, target=targets.tolist())
    seconds, delta = time.perf_counter() - t, np.abs(attributions.delta).max()
    print(f"deep_lift_shap: {len(one_hot)} windows x {args.shuffles} shuffles, {seconds:.0f} s")
    print(f"max |convergence delta| {delta:.2e}")
    planted = write_meme(
        out / "planted.meme", {f"{f} {m}": consensus_ppm(m) for f, m in data.motifs.items()}
    )  # fmt: skip
    t = time.perf_counter()
    result = motifs(attributions, one_hot, databases=[planted])
    print(f"motifs: {len(result.patterns)} patterns, {time.perf_counter() - t:.0f} s")
    both = load_motif_database([planted, "jaspar"])
    queries = {p.name: p.ppm[:, slice(*p.trim)] for p in result.patterns}
    with_jaspar = tomtom_matches(queries, both, top=len(both))
    rows = []
    for feature in data.features:
        best = result.matches[(result.matches["target_id"] == feature)]
        best = best[best["pattern"].str.startswith("pos")].sort_values("q_value").head(1)
        row = {"feature": feature, "motif": data.motifs[feature]}
        if len(best):
            m = best.iloc[0]
            pattern = next(p for p in result.patterns if p.name == m["pattern"])
            j = with_jaspar[(with_jaspar["pattern"] == m["pattern"])]
            mine = j[j["target_id"] == feature].iloc[0]
            top = j.iloc[0]
            row.update(
                pattern=m["pattern"],
                n_seqlets=pattern.n_seqlets,
                rank=int(m["rank"]),
                q_planted=m["q_value"],
                q_with_jaspar=mine["q_value"],
                best_with_jaspar=f"{top['target_name']} ({top['q_value']:.1e})",
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    recovered = table["q_planted"].lt(0.05) & table["rank"].eq(1)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False))
    print(f"recovered (best match, q < 0.05): {int(recovered.sum())} of {len(table)} features")
    table.to_csv(out / "features.tsv", sep="\t", index=False)
    result.save(out / "modisco_results.h5")
    print("report:", result.write_report(out))


if __name__ == "__main__":
    main()
