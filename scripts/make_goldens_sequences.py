"""Write the toy FASTA files under tests/data/ and selene_sdk 0.6.0's outputs on them.

Run with the benchmark venv, which has selene_sdk (the tests never import it):

    .bench/venv/bin/python scripts/make_goldens_sequences.py

Outputs (committed): tests/data/sequences_toy.fa, sequences_toy_proteins.fa,
sequences_blacklist.bed and sequences_goldens.npz.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pysam

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
IUPAC = "RYKMSWBDHVX"


def _dna(rng: np.random.Generator, n: int) -> str:
    """Random bases with soft-masked stretches, N runs and sprinkled IUPAC letters."""
    letters = rng.choice(list("ACGT"), n)
    for _ in range(max(1, n // 300)):  # soft-masked repeats
        a, k = int(rng.integers(0, n)), int(rng.integers(5, 80))
        letters[a : a + k] = np.char.lower(letters[a : a + k])
    for _ in range(max(1, n // 500)):  # N runs, upper and lower case
        a = int(rng.integers(0, n))
        letters[a : a + int(rng.integers(3, 60))] = rng.choice(["N", "n"])
    for i in rng.integers(0, n, size=max(1, n // 100)):  # IUPAC ambiguity codes
        letters[i] = rng.choice(list(IUPAC + IUPAC.lower()))
    return "".join(letters)


def _write_fasta(path: Path, records: list[tuple[str, str, int]]) -> None:
    with path.open("w") as out:
        for name, seq, width in records:
            out.write(f">{name} toy record\n")
            for i in range(0, len(seq), width):
                out.write(seq[i : i + width] + "\n")


def _windows(rng: np.random.Generator, sizes: dict[str, int]) -> list[tuple[str, int, int, str]]:
    """Random in-bounds windows, windows past either end, and windows wider than a chromosome."""
    windows = []
    for chrom, size in sizes.items():
        for length in (1, 7, 50, 101):
            for _ in range(3):
                if length <= size:
                    start = int(rng.integers(0, size - length + 1))
                    windows.append((chrom, start, start + length))
        windows += [(chrom, -5, 20), (chrom, size - 20, size + 9), (chrom, -3, size + 4)]
        windows += [(chrom, 0, size), (chrom, size - 1, size)]
    return [(c, s, e, strand) for c, s, e in windows for strand in "+-"]


def main() -> None:
    from selene_sdk.sequences import Genome, Proteome

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    records = [("chr1", _dna(rng, 1500), 60), ("chr2", _dna(rng, 37), 10)]
    records += [("chr10", _dna(rng, 999), 50), ("chrM", _dna(rng, 203), 70)]
    fasta = DATA / "sequences_toy.fa"
    _write_fasta(fasta, records)
    proteins = [("P1", "".join(rng.choice(list("ARNDCEQGHILKMFPSTWYVXBZ"), 120)), 60)]
    proteins += [("Q9", "".join(rng.choice(list("ARNDCEQGHILKMFPSTWYV"), 33)), 60)]
    protein_fasta = DATA / "sequences_toy_proteins.fa"
    _write_fasta(protein_fasta, proteins)
    blacklist = DATA / "sequences_blacklist.bed"
    blacklist.write_text(
        "chr1\t100\t150\nchr1\t140\t200\nchr1\t1000\t1001\nchr10\t0\t10\n"
        "chrM\t195\t400\nchrUn\t0\t100\n"
    )

    with tempfile.TemporaryDirectory() as tmp:
        # selene_sdk writes the .fai beside the FASTA: work on copies.
        work = Path(tmp)
        genome = Genome(str(shutil.copy(fasta, work)))
        sizes = dict(genome.get_chr_lens())
        windows = _windows(rng, sizes)
        encodings, sequences = [], []
        for chrom, start, end, strand in windows:
            pad = start < 0 or end > sizes[chrom]
            encodings.append(genome.get_encoding_from_coords(chrom, start, end, strand, pad))
            sequences.append(genome.get_sequence_from_coords(chrom, start, end, strand, pad))

        bed = shutil.copy(blacklist, work / "blacklist.bed")
        tabixed = pysam.tabix_index(str(bed), preset="bed", force=True)
        with_blacklist = Genome(str(work / fasta.name), blacklist_regions=tabixed)
        queries = [
            (c, s, s + n) for c in sizes for s in range(-2, sizes[c] + 2, 7) for n in (1, 9)
        ]
        in_bounds = [with_blacklist.coords_in_bounds(*q) for q in queries]

        proteome = Proteome(str(shutil.copy(protein_fasta, work)))
        protein_windows = [("P1", 0, 120), ("P1", 5, 17), ("Q9", 3, 33), ("Q9", 0, 1)]
        protein_encodings = [proteome.get_encoding_from_coords(*w) for w in protein_windows]

        # Last: selene_sdk's bases_order changes Genome's class attributes for every instance.
        reordered = Genome(str(work / fasta.name), bases_order=["T", "G", "C", "A"])
        order_encodings = [
            reordered.get_encoding_from_coords(c, s, e, strand)
            for c, s, e, strand in windows
            if 0 <= s and e <= sizes[c]
        ]

    np.savez_compressed(
        DATA / "sequences_goldens.npz",
        chr_lens_names=np.array(list(sizes)),
        chr_lens=np.array(list(sizes.values())),
        chroms=np.array([w[0] for w in windows]),
        starts=np.array([w[1] for w in windows]),
        ends=np.array([w[2] for w in windows]),
        strands=np.array([w[3] for w in windows]),
        encodings=np.concatenate(encodings),
        sequences=np.array(sequences),
        order_encodings=np.concatenate(order_encodings),
        bl_chroms=np.array([q[0] for q in queries]),
        bl_starts=np.array([q[1] for q in queries]),
        bl_ends=np.array([q[2] for q in queries]),
        bl_in_bounds=np.array(in_bounds),
        protein_ids=np.array([w[0] for w in protein_windows]),
        protein_starts=np.array([w[1] for w in protein_windows]),
        protein_ends=np.array([w[2] for w in protein_windows]),
        protein_encodings=np.concatenate(protein_encodings),
    )


if __name__ == "__main__":
    main()
