"""Our AnalyzeSequences equals selene_sdk 0.6.0's (goldens from scripts/make_goldens_predict.py).

Same DeepSEA(200, 4) weights; Selene's HDF5 values (full float32) are compared. Selene's come
from its plain forward pass on the machine that made the goldens, ours from the layer-local
engine on this one: other kernels, other summation orders, so the tolerances are those of
tests/_tolerances.py. Our logits scores are exact logit differences, Selene's are logits of
float32 probabilities in [0.2, 0.7], which adds < 5u (3e-7) per logit: within LOGIT_DIFF.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from _predict_goldens import GOLDENS, ISM2_RANGE, VEP_STRAND_INDEX

from _tolerances import LOGIT_DIFF, PROB, PROB_DIFF
from selene.predict import AnalyzeSequences

KINDS = ["abs_diffs", "diffs", "logits", "predictions"]
TOL = {"abs_diffs": PROB_DIFF, "diffs": PROB_DIFF, "logits": LOGIT_DIFF, "predictions": PROB}


@pytest.fixture(scope="module")
def goldens() -> dict[str, np.ndarray]:
    with np.load(GOLDENS) as data:
        return {k: data[k] for k in data.files}


def read_h5(path: Path) -> np.ndarray:
    with h5py.File(path, "r") as handle:
        return handle["data"][()]


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def ids(path: Path, n: int) -> list[str]:
    return ["\t".join(line.split("\t")[:n]) for line in lines(path)]


def test_engine_is_used(analysis: AnalyzeSequences) -> None:
    assert analysis._runner.engine.name == "layer_local"


def test_fasta_predictions_equal_selene(analysis, workdir, goldens) -> None:
    for fmt in ("hdf5", "tsv"):
        analysis.get_predictions_for_fasta_file(str(workdir / "query.fa"), str(workdir / fmt), fmt)
    out = workdir / "hdf5"
    np.testing.assert_allclose(
        read_h5(out / "query_predictions.h5"), goldens["fasta_predictions"], **PROB
    )
    assert lines(out / "query_row_labels.txt") == list(goldens["fasta_labels"])
    assert ids(workdir / "tsv" / "query_predictions.tsv", 2) == list(goldens["fasta_tsv_ids"])


def test_ism_equals_selene(analysis, workdir, goldens) -> None:
    sequence = str(goldens["ism_sequence"])
    for fmt in ("hdf5", "tsv"):
        analysis.in_silico_mutagenesis(sequence, KINDS, str(workdir / f"ism_{fmt}" / "ism"),
                                       output_format=fmt)  # fmt: skip
    prefix = workdir / "ism_hdf5" / "ism"
    for kind in KINDS:
        got = read_h5(Path(f"{prefix}_{kind}.h5"))
        np.testing.assert_allclose(got, goldens[f"ism_{kind}"], **TOL[kind], err_msg=kind)
    assert lines(Path(f"{prefix}_row_labels.txt")) == list(goldens["ism_labels"])
    ref = read_h5(Path(f"{prefix}_ref_predictions.h5"))
    np.testing.assert_allclose(ref, goldens["ism_ref_predictions"], **PROB)
    tsv = workdir / "ism_tsv" / "ism_predictions.tsv"
    assert ids(tsv, 3) == list(goldens["ism_tsv_ids"])


def test_ism_two_bases_equals_selene(analysis, workdir, goldens) -> None:
    analysis.in_silico_mutagenesis_from_file(
        str(workdir / "ism.fa"), KINDS, str(workdir / "ism2"), mutate_n_bases=2,
        output_format="hdf5", start_position=ISM2_RANGE[0], end_position=ISM2_RANGE[1],
    )  # fmt: skip
    prefix = workdir / "ism2" / "ism_seq"
    assert lines(Path(f"{prefix}_row_labels.txt")) == list(goldens["ism2_labels"])
    for kind in KINDS:
        got = read_h5(Path(f"{prefix}_{kind}.h5"))
        np.testing.assert_allclose(got, goldens[f"ism2_{kind}"], **TOL[kind], err_msg=kind)


def test_vep_equals_selene(analysis, workdir, goldens) -> None:
    vcf = str(workdir / "variants.vcf")
    for fmt in ("hdf5", "tsv"):
        analysis.variant_effect_prediction(
            vcf, KINDS, str(workdir / f"vep_{fmt}"), fmt, VEP_STRAND_INDEX,
            score_ref_mismatches=True,
        )  # fmt: skip
    prefix = workdir / "vep_hdf5" / "variants"
    assert lines(Path(f"{prefix}_row_labels.txt")) == list(goldens["vep_labels"])
    for kind in ("abs_diffs", "diffs", "logits"):
        got = read_h5(Path(f"{prefix}_{kind}.h5"))
        np.testing.assert_allclose(got, goldens[f"vep_{kind}"], **TOL[kind], err_msg=kind)
    for side in ("ref", "alt"):
        got = read_h5(Path(f"{prefix}.{side}_predictions.h5"))
        np.testing.assert_allclose(got, goldens[f"vep_{side}_predictions"], **PROB, err_msg=side)
    tsv = workdir / "vep_tsv" / "variants_diffs.tsv"
    assert ids(tsv, 8) == list(goldens["vep_tsv_ids"])


def test_vep_skips_ref_mismatches_by_default(analysis, workdir, goldens) -> None:
    with pytest.warns(UserWarning, match="1 records whose REF differs"):
        counts = analysis.variant_effect_prediction(
            str(workdir / "variants.vcf"), ["diffs"], str(workdir / "vep_default"), "hdf5",
            VEP_STRAND_INDEX,
        )  # fmt: skip
    assert counts.ref_mismatches == 1
    labels = list(goldens["vep_labels"])
    kept = [i for i, row in enumerate(labels[1:]) if "\tFalse\t" not in row]
    prefix = workdir / "vep_default" / "variants"
    assert lines(Path(f"{prefix}_row_labels.txt"))[1:] == [labels[1 + i] for i in kept]
    got = read_h5(Path(f"{prefix}_diffs.h5"))
    np.testing.assert_allclose(got, goldens["vep_diffs"][kept], **PROB_DIFF)
    mismatches = lines(workdir / "vep_default" / "variants.ref_mismatches.vcf")
    assert [m.split("\t")[2] for m in mismatches] == ["mismatch"]
