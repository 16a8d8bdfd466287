from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pyfaidx
import pysam
import pytest

from selene.datasets import SyntheticData, make_synthetic
from selene.datasets.synthetic import find_motif, main, reverse_complement

SMALL = dict(n_chroms=2, chrom_length=60_000, n_features=4, n_variants=12, n_queries=3)
FILES = [
    "genome.fa",
    "genome.fa.fai",
    "features.bed.gz",
    "features.bed.gz.tbi",
    "distinct_features.txt",
    "intervals.bed",
    "blacklist.bed",
    "variants.vcf",
    "query.fa",
]


@pytest.fixture(scope="module")
def fasta(synthetic: SyntheticData) -> pyfaidx.Fasta:
    return pyfaidx.Fasta(str(synthetic.fasta))


def read_bed(path: Path) -> list[tuple[str, int, int]]:
    return [
        (c, int(s), int(e))
        for c, s, e, *_ in (line.split("\t") for line in path.read_text().splitlines())
    ]


def peaks(synthetic: SyntheticData) -> list[tuple[str, int, int, str]]:
    with pysam.TabixFile(str(synthetic.features_bed)) as bed:
        rows = [row.split("\t") for c in bed.contigs for row in bed.fetch(c)]
    return [(c, int(s), int(e), f) for c, s, e, f in rows]


def overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def test_files_are_valid(synthetic: SyntheticData, fasta: pyfaidx.Fasta) -> None:
    assert synthetic.fasta.with_suffix(".fa.fai").is_file()
    assert list(fasta.keys()) == ["chr1", "chr2", "chr3", "chr4"]
    assert all(len(fasta[c]) == 200_000 for c in fasta.keys())
    features = synthetic.features_txt.read_text().splitlines()
    assert features == synthetic.features == [f"f{i}" for i in range(8)]
    with pysam.TabixFile(str(synthetic.features_bed)) as bed:
        rows = list(bed.fetch("chr2", 50_000, 100_000))
    assert rows and all(r.split("\t")[3] in features for r in rows)
    with pysam.VariantFile(str(synthetic.vcf)) as vcf:
        assert list(vcf.header.contigs) == ["chr1", "chr2", "chr3", "chr4"]
        records = list(vcf)
    assert len(records) == 40
    with pysam.TabixFile(str(synthetic.root / "blacklist.bed.gz")) as black:
        assert len(list(black.fetch())) == len(read_bed(synthetic.blacklist_bed)) == 8
    queries = pyfaidx.Fasta(str(synthetic.query_fasta))
    assert len(queries.keys()) == 6
    assert {len(queries[k]) for k in queries.keys()} == {500, 800, 1000, 1500, 2000}


def test_genome_has_soft_mask_and_n_runs(fasta: pyfaidx.Fasta) -> None:
    text = str(fasta["chr1"][:])
    assert text.startswith("N" * 2000)
    lower = sum(c.islower() for c in text) / len(text)
    assert 0.02 < lower < 0.2
    assert set(text) == set("ACGTNacgt")


def test_beds_sorted_and_in_bounds(synthetic: SyntheticData) -> None:
    order = {c: i for i, c in enumerate(["chr1", "chr2", "chr3", "chr4"])}
    for rows in (
        read_bed(synthetic.intervals_bed),
        read_bed(synthetic.blacklist_bed),
        peaks(synthetic),
    ):
        keys = [(order[r[0]], r[1], r[2]) for r in rows]
        assert keys == sorted(keys)
        assert all(0 <= r[1] < r[2] <= 200_000 for r in rows)


def test_planted_motifs_lie_in_peaks(synthetic: SyntheticData, fasta: pyfaidx.Fasta) -> None:
    rows = peaks(synthetic)
    counts = {f: sum(r[3] == f for r in rows) for f in synthetic.features}
    assert min(counts.values()) >= 30
    for chrom, start, end, feature in rows:
        sequence = str(fasta[chrom][start:end])
        assert 200 <= end - start <= 400
        assert "N" not in sequence.upper()
        assert find_motif(sequence, synthetic.motifs[feature]), (chrom, start, feature)
    multi = sum(overlaps(a, b) and a[3] != b[3] for a, b in zip(rows, rows[1:], strict=False))
    assert multi > 0.1 * len(rows) / 2


def test_motifs_are_distinct(synthetic: SyntheticData) -> None:
    motifs = list(synthetic.motifs.values())
    assert all(10 <= len(m) <= 12 for m in motifs)
    kmers = [
        {s[i : i + 6] for s in (m, reverse_complement(m)) for i in range(len(m) - 5)}
        for m in motifs
    ]
    assert all(not a & b for a, b in combinations(kmers, 2))


def test_peaks_and_intervals_avoid_blacklist(synthetic: SyntheticData) -> None:
    black = read_bed(synthetic.blacklist_bed)
    for region in [r[:3] for r in peaks(synthetic)] + read_bed(synthetic.intervals_bed):
        assert not any(overlaps(region, b) for b in black)


def apply(sequence: str, offset: int, ref: str, alt: str) -> str:
    return sequence[:offset] + alt + sequence[offset + len(ref) :]


def test_variants_have_the_stated_effect(synthetic: SyntheticData, fasta: pyfaidx.Fasta) -> None:
    rows = peaks(synthetic)
    with pysam.VariantFile(str(synthetic.vcf)) as vcf:
        records = list(vcf)
    assert {r.info["EFFECT"] for r in records} == {"destroy", "create"}
    assert {r.info["KIND"] for r in records} == {"SNV", "DEL", "INS"}
    for record in records:
        pos, ref, alt = record.pos - 1, record.ref, record.alts[0]
        feature, start = record.info["FEATURE"], record.info["MOTIF_START"]
        motif = synthetic.motifs[feature]
        if record.info["MOTIF_STRAND"] == "-":
            motif = reverse_complement(motif)
        assert str(fasta[record.chrom][pos : pos + len(ref)]) == ref
        lo = start - 50
        window = str(fasta[record.chrom][lo : start + 70]).upper()
        mutated = apply(window, pos - lo, ref, alt)
        if record.info["EFFECT"] == "destroy":
            assert (50, "+") in find_motif(window, motif)
            assert not find_motif(mutated, motif)
            assert any(overlaps((record.chrom, pos, pos + 1), r) and r[3] == feature for r in rows)
        else:
            assert not find_motif(window, motif)
            assert find_motif(mutated, motif) == [(50, "+")]
        if len(ref) != len(alt):  # indels carry the VCF anchor base and are left-aligned
            short, long = sorted((ref, alt), key=len)
            assert len(short) == 1 and long[0] == short and long[-1] != short


def test_query_fasta_carries_motifs(synthetic: SyntheticData) -> None:
    queries = pyfaidx.Fasta(str(synthetic.query_fasta))
    for name in queries.keys():
        record = queries[name]
        label = record.long_name.split("features=")[1]
        present = [f for f, m in synthetic.motifs.items() if find_motif(str(record[:]), m)]
        assert present == ([] if label == "none" else [label])


def test_reproducible(tmp_path: Path) -> None:
    a = make_synthetic(tmp_path / "a", seed=3, **SMALL)
    b = make_synthetic(tmp_path / "b", seed=3, **SMALL)
    c = make_synthetic(tmp_path / "c", seed=4, **SMALL)
    for name in FILES:
        assert (a.root / name).read_bytes() == (b.root / name).read_bytes(), name
    assert a.motifs == b.motifs != c.motifs
    assert a.fasta.read_bytes() != c.fasta.read_bytes()


def test_cached_unless_parameters_change(tmp_path: Path) -> None:
    first = make_synthetic(tmp_path, **SMALL)
    stamp = first.fasta.stat().st_mtime_ns
    assert make_synthetic(tmp_path, **SMALL) == first
    assert first.fasta.stat().st_mtime_ns == stamp
    make_synthetic(tmp_path, **SMALL, force=True)
    assert first.fasta.stat().st_mtime_ns != stamp
    changed = make_synthetic(tmp_path, **(SMALL | {"n_features": 5}))
    assert len(changed.motifs) == 5
    assert changed.features_txt.read_text().count("\n") == 5
    first.vcf.unlink()  # an incomplete dataset is rebuilt
    assert make_synthetic(tmp_path, **(SMALL | {"n_features": 5})).vcf.is_file()


def test_bench_sized_names(tmp_path: Path) -> None:
    data = make_synthetic(tmp_path, n_chroms=1, chrom_length=2_000_000, n_features=919)
    assert data.features[0] == "f000" and data.features[-1] == "f918"
    assert len(set(data.motifs.values())) == 919


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"n_chroms": 0}, "n_chroms must be an integer >= 1, got 0"),
        ({"chrom_length": 1000}, "chrom_length must be"),
        ({"n_features": 2.5}, "n_features must be an integer"),
        ({"peaks_per_feature": 10_000}, "do not fit in .* usable 1 kb slots"),
    ],
)
def test_bad_parameters(tmp_path: Path, override: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_synthetic(tmp_path, **(SMALL | override))


def test_motif_design_fails_clearly() -> None:
    from selene.datasets.synthetic._motifs import design_motifs

    with pytest.raises(ValueError, match="could only design"):
        design_motifs(300, np.random.default_rng(0), length=(6, 6))
    with pytest.raises(ValueError, match="6 <= low <= high"):
        design_motifs(3, np.random.default_rng(0), length=(12, 10))


def test_cli(tmp_path: Path) -> None:
    args = [
        str(tmp_path / "cli"),
        "--n-chroms",
        "2",
        "--chrom-length",
        "60000",
        "--n-features",
        "4",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "selene.datasets.synthetic", *args], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "synthetic dataset in" in run.stderr
    assert all((tmp_path / "cli" / name).is_file() for name in FILES)
    assert main([*args, "--n-queries", "2"]) == 0
    assert len(pyfaidx.Fasta(str(tmp_path / "cli" / "query.fa")).keys()) == 2
    with pytest.raises(SystemExit):
        main([str(tmp_path / "bad"), "--n-chroms", "0"])


@pytest.mark.parametrize(
    "params",
    [
        dict(n_chroms=1, chrom_length=20_000, n_features=3, n_queries=0),
        dict(n_chroms=1, chrom_length=50_000, n_features=1, n_variants=0, n_queries=1),
    ],
)
def test_tiny_configurations(tmp_path: Path, params: dict) -> None:
    data = make_synthetic(tmp_path, **params)
    rows = peaks(data)
    assert {r[3] for r in rows} == set(data.features)
    assert data.query_fasta.read_text().count(">") == params["n_queries"]
    with pysam.VariantFile(str(data.vcf)) as vcf:
        assert len(list(vcf)) <= params.get("n_variants", 40)


def test_every_feature_has_a_peak_when_variant_sites_are_reserved(tmp_path: Path) -> None:
    # 919 features on 4 Mb: before, the sites kept for destroying variants took the only peak
    # of a feature (f874), and the samplers refused the data set.
    data = make_synthetic(
        tmp_path, n_chroms=4, chrom_length=1_000_000, n_features=919, seed=0, n_variants=200
    )
    features = data.features_txt.read_text().split()
    with pysam.TabixFile(str(data.features_bed)) as tbx:
        found = {row.split("\t")[3] for row in tbx.fetch()}
    assert len(features) == 919 and found == set(features)
