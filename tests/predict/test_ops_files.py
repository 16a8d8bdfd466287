"""``predict(model, sequences)`` equals what AnalyzeSequences writes for FASTA and BED files.

Both go batch by batch through ``ops.predict_codes``; with the same ``batch_size`` the batches
are the same, so the arrays equal the HDF5 files bitwise, and the TSV files too (``%.9g``
round-trips a float32, finer than the printed precision asks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _predict_goldens import FEATURES, SEQUENCE_LENGTH, fill_weights
from test_goldens import read_h5

from selene.io.fasta import read_fasta
from selene.models import DeepSEA
from selene.predict import AnalyzeSequences, predict
from selene.predict.bed import read_regions, window_codes
from selene.predict.unscored import Unscored

BATCH = 16  # the analysis fixture's batch_size


def read_tsv(path: Path, n_ids: int) -> tuple[list[list[str]], np.ndarray]:
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    values = np.array([r[n_ids:] for r in rows], dtype=np.float64).astype(np.float32)
    return [r[:n_ids] for r in rows], values


def reverse_complement(sequence: str) -> str:
    return sequence.translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


@pytest.mark.parametrize(
    "options",
    [{}, {"average_reverse_complement": True}, {"activation": "exp"}],
    ids=["default", "strand-average", "exp"],
)
def test_fasta_files_equal_predict(genome, workdir, tmp_path, options):
    analysis = AnalyzeSequences(
        fill_weights(DeepSEA(SEQUENCE_LENGTH, len(FEATURES))), None, SEQUENCE_LENGTH, FEATURES,
        batch_size=BATCH, reference_sequence=genome, show_progress=False, **options,
    )  # fmt: skip
    fasta = workdir / "query.fa"
    for fmt in ("hdf5", "tsv"):
        analysis.get_predictions_for_fasta_file(str(fasta), str(tmp_path / fmt), fmt)
    records = list(read_fasta(fasta))
    got = predict(analysis.model, [s for _, s in records], batch_size=BATCH, device="cpu",
                  **options)  # fmt: skip
    assert got.shape == (len(records), len(FEATURES))
    assert np.array_equal(got, read_h5(tmp_path / "hdf5" / "query_predictions.h5"))
    ids, tsv = read_tsv(tmp_path / "tsv" / "query_predictions.tsv", 2)
    assert ids == [[str(i), name] for i, (name, _) in enumerate(records)]
    assert np.array_equal(got, tsv)
    single = analysis.get_predictions(records[0][1])
    assert np.array_equal(single, predict(analysis.model, records[0][1], device="cpu", **options))


def test_bed_files_equal_predict(analysis, genome, tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(22):  # two batches of scored rows, both strands
        chrom = ["chr1", "chr2"][i % 2]
        start = int(rng.integers(0, 2300))
        end = start + int(rng.integers(1, 400))
        rows.append(f"{chrom}\t{start}\t{end}\t.\t0\t{'+-'[i % 3 % 2]}")
    # an unknown chromosome, and windows past the ends of chromosomes: padded
    rows[5:5] = ["chrZ\t1\t2", "chr1\t2950\t2960\t.\t0\t-", "chrM\t10\t20\t.\t0\t+"]
    bed = tmp_path / "regions.bed"
    bed.write_text("".join(f"{row}\n" for row in rows))
    with pytest.warns(UserWarning, match="1 rows not scored"):
        for fmt in ("hdf5", "tsv"):
            analysis.get_predictions_for_bed_file(str(bed), str(tmp_path / fmt), fmt, 5)
    # the windows as strings, built here: centred on the midpoint, read on the strand, N-padded
    strings = []
    for row in rows:
        chrom, start, end, *rest = row.split("\t")
        if chrom not in genome.get_chrs():
            continue
        mid = int(start) + (int(end) - int(start)) // 2
        lo, hi = mid - SEQUENCE_LENGTH // 2, mid + SEQUENCE_LENGTH // 2
        size = genome.chrom_sizes[chrom]
        inside = genome.get_sequence_from_coords(chrom, max(lo, 0), min(hi, size))
        window = "N" * max(0, -lo) + inside + "N" * max(0, hi - size)
        strings.append(reverse_complement(window) if rest[-1:] == ["-"] else window)
    got = predict(analysis.model, strings, batch_size=BATCH, device="cpu")
    assert got.shape == (len(rows) - 1, len(FEATURES))
    assert np.array_equal(got, read_h5(tmp_path / "hdf5" / "regions_predictions.h5"))
    ids, tsv = read_tsv(tmp_path / "tsv" / "regions_predictions.tsv", 6)
    assert np.array_equal(got, tsv)
    assert [i[5] == "True" for i in ids] == ["N" in s for s in strings]
    assert sum("N" in s for s in strings) >= 2  # the windows past a chromosome end
    with open(tmp_path / "na.txt", "w") as handle:
        regions = list(read_regions(bed, genome, 5, Unscored(handle, bed), SEQUENCE_LENGTH))
    codes = window_codes(genome, regions, SEQUENCE_LENGTH)
    assert np.array_equal(predict(analysis.model, codes, batch_size=BATCH, device="cpu"), got)
