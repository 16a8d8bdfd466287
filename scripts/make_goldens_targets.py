"""Golden labels from selene_sdk 0.6.0 for ``selene.targets.GenomicFeatures``.

Run in the benchmark venv (it has selene_sdk, pytabix and pysam):

    .bench/venv/bin/python scripts/make_goldens_targets.py

Writes ``tests/data/targets_golden.npz``: a small BED (overlapping intervals of one feature,
zero-length intervals, intervals touching bin edges, several chromosomes, coordinates around
tabix bin boundaries), a set of windows, and selene_sdk's ``get_feature_data`` labels for each
threshold setting. ``tests/targets/test_goldens.py`` compares ours against it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pysam
from selene_sdk.targets import GenomicFeatures

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "targets_golden.npz"
FEATURES = ["DNase", "CTCF", "H3K4me3", "EP300", "never_seen"]
CHROMS = {"chr1": 300_000, "chr2": 40_000, "chr10": 20_000}
# Threshold settings: kind + value; "function" is rebuilt in the test as ``table.__getitem__``.
SETTINGS = [
    {"name": "none", "kind": "none", "value": None},
    {"name": "half", "kind": "float", "value": 0.5},
    {"name": "zero", "kind": "float", "value": 0.0},
    {"name": "one", "kind": "float", "value": 1.0},
    {"name": "int_one", "kind": "int", "value": 1},
    {"name": "point3", "kind": "float", "value": 0.3},
    {"name": "point7", "kind": "float", "value": 0.7},
    {"name": "tiny", "kind": "float", "value": 1e-6},
    {"name": "dict", "kind": "dict", "value": {"default": 0.5, "CTCF": 0.1, "EP300": 0.95}},
    {
        "name": "function",
        "kind": "function",
        "value": {"DNase": 0.25, "CTCF": 0.6, "H3K4me3": 0.35, "EP300": 0.05, "never_seen": 0.5},
    },
]


def make_bed(rng: np.random.Generator) -> list[tuple[str, int, int, str]]:
    rows = []
    feats = FEATURES[:4]
    for chrom, length in CHROMS.items():
        n = 120 if chrom == "chr1" else 40
        # Clusters of overlapping intervals so the same feature overlaps itself.
        centres = rng.integers(0, length - 3000, n // 4)
        for c in centres:
            for _ in range(4):
                s = int(c + rng.integers(-300, 300))
                s = max(s, 0)
                e = s + int(rng.choice([1, 2, 50, 100, 150, 199, 200, 201, 400, 1200]))
                rows.append((chrom, s, e, str(rng.choice(feats))))
        # Abutting intervals of one feature, zero-length intervals, an interval at position 0.
        base = int(rng.integers(1000, length - 3000))
        rows += [(chrom, base, base + 100, "DNase"), (chrom, base + 100, base + 250, "DNase")]
        rows += [(chrom, base + 50, base + 50, "CTCF"), (chrom, base + 300, base + 300, "EP300")]
        rows.append((chrom, 0, 120, "H3K4me3"))
    # Around tabix's 16 kb bins and the 2^17 boundary.
    for b in (16384, 1 << 17, 3 * 16384):
        rows += [("chr1", b - 80, b + 80, "CTCF"), ("chr1", b - 1, b, "EP300")]
        rows += [("chr1", b, b + 200, "EP300"), ("chr1", b - 150, b + 2000, "H3K4me3")]
    return sorted(rows, key=lambda r: (list(CHROMS).index(r[0]), r[1], r[2]))


def make_windows(
    rng: np.random.Generator, rows: list[tuple[str, int, int, str]]
) -> list[tuple[str, int, int]]:
    windows = []
    for chrom, s, e, _ in rows[::3]:
        for edge in (s, e):
            length = int(rng.choice([1, 2, 3, 7, 100, 199, 200, 201, 1000]))
            for delta in (-1, 0, 1):
                windows.append((chrom, edge + delta, edge + delta + length))
                windows.append((chrom, edge + delta - length, edge + delta))
    for chrom, length in CHROMS.items():
        for _ in range(60):
            w = int(rng.choice([1, 5, 100, 200, 333, 1000]))
            start = int(rng.integers(0, length - w))
            windows.append((chrom, start, start + w))
    windows.append(("chrX", 100, 300))  # a chromosome with no interval
    return sorted({w for w in windows if w[1] >= 0 and w[1] < w[2]})


def thresholds_of(setting: dict) -> object:
    if setting["kind"] == "function":
        table = setting["value"]

        def threshold(name: str) -> float:
            return table[name]

        return threshold
    return setting["value"]


def main() -> None:
    rng = np.random.default_rng(20240611)
    rows = make_bed(rng)
    windows = make_windows(rng, rows)
    bed_text = "".join(f"{c}\t{s}\t{e}\t{f}\n" for c, s, e, f in rows)
    labels = np.zeros((len(SETTINGS), len(windows), len(FEATURES)), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "golden.bed"
        plain.write_text(bed_text)
        gz = pysam.tabix_index(str(plain), preset="bed", force=True, keep_original=True)
        for k, setting in enumerate(SETTINGS):
            target = GenomicFeatures(gz, FEATURES, feature_thresholds=thresholds_of(setting))
            target._unpicklable_init()
            for w, (c, s, e) in enumerate(windows):
                labels[k, w] = target.get_feature_data(c, s, e)
            print(f"{setting['name']}: {int(labels[k].sum())} positive labels")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        bed=np.array(bed_text),
        features=np.array(FEATURES),
        chroms=np.array([w[0] for w in windows]),
        starts=np.array([w[1] for w in windows], dtype=np.int64),
        ends=np.array([w[2] for w in windows], dtype=np.int64),
        settings=np.array(json.dumps(SETTINGS)),
        labels=labels,
    )
    print(f"wrote {OUT} ({len(windows)} windows, {len(rows)} intervals)")


if __name__ == "__main__":
    main()
