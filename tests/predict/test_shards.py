"""Sharded VEP runs (``shards=N``, ``shard=i``) merge into one process's files, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pysam
import pytest

from selene.io.vcf import read_vcf
from selene.predict import vep as vep_module
from selene.predict.merge import main as merge_main
from selene.predict.shard_merge import merge
from selene.predict.shard_plan import plan_parts

KINDS = ["predictions", "diffs", "abs_diffs", "logits"]
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*records (not scored|whose REF differs):selene.utils.warnings.SeleneWarning",
    "ignore:.*not tabix-indexed:selene.utils.warnings.SeleneWarning",
)


@pytest.fixture
def deepsea(analysis, monkeypatch):
    """The golden DeepSEA analysis with batches of 4 records, so a small VCF makes several."""
    monkeypatch.setattr(analysis, "batch_size", 4)
    return analysis


@pytest.fixture
def small_batches(tiny_model, monkeypatch):
    """The tiny model, its batch size restored after the test."""
    monkeypatch.setattr(tiny_model, "batch_size", 4)
    return tiny_model


@pytest.fixture
def indexed(analysis, tmp_path: Path) -> Path:
    """A sorted, bgzipped, indexed VCF: SNVs, a multi-allelic one, runs of records at one
    position (so block boundaries fall inside them) and a chromosome the genome lacks."""
    seq = analysis.reference_sequence.get_sequence_from_coords
    other = {"A": "C", "C": "G", "G": "T", "T": "A", "N": "A"}
    rows = []
    for chrom, size in (("chr1", 3000), ("chr2", 2000)):
        for pos in range(150, size - 100, 130):
            ref = seq(chrom, pos - 1, pos).upper()
            copies = 3 if pos % 260 == 20 else 1  # a few positions hold three records
            alts = [other[ref], f"{other[ref]},{other[other[ref]]}", other[other[ref]]]
            for i in range(copies):
                rows.append(f"{chrom}\t{pos}\t{chrom}_{pos}_{i}\t{ref}\t{alts[i]}\t.\tPASS\t.")
    rows.append("chrZ\t100\tunknown\tA\tC\t.\tPASS\t.")
    plain = tmp_path / "v.vcf"
    plain.write_text(HEADER + "".join(r + "\n" for r in rows))
    return Path(pysam.tabix_index(str(plain), preset="vcf", keep_original=True))


def same_files(one: Path, sharded: Path) -> list[str]:
    """Assert the files of ``one`` equal those of ``sharded`` (less its shards/) byte for byte."""
    names = sorted(p.name for p in one.iterdir())
    assert sorted(p.name for p in sharded.iterdir() if p.name != "shards") == names
    for name in names:
        assert (one / name).read_bytes() == (sharded / name).read_bytes(), name
    return names


@pytest.mark.parametrize("fmt", ["tsv", "hdf5"])
@pytest.mark.parametrize("n_shards", [2, 3, 40])
def test_sharded_run_equals_one_process(small_batches, workdir, tmp_path, fmt, n_shards) -> None:
    vcf = str(workdir / "variants.vcf")  # 28 records, not sorted: split by record index
    small_batches.variant_effect_prediction(vcf, KINDS, str(tmp_path / "one"), fmt, 7)
    small_batches.variant_effect_prediction(
        vcf, KINDS, str(tmp_path / "sharded"), fmt, 7, shards=n_shards
    )
    names = same_files(tmp_path / "one", tmp_path / "sharded")
    assert "variants.NA" in names and "variants.ref_mismatches.vcf" in names
    parts = json.loads((tmp_path / "sharded" / "shards" / "plan.json").read_text())["parts"]
    assert [p["records"] for p in parts][:3] == {2: [12, 16], 3: [8, 8, 12], 40: [0, 0, 0]}[
        n_shards
    ]  # whole batches of 4 records; 40 > 28 records leaves most shards empty
    assert sum(p["records"] for p in parts) == 28


def test_deepsea_shards_equal_one_process(deepsea, workdir, tmp_path) -> None:
    """The golden DeepSEA, whose floats change with the batch a record is in."""
    vcf = str(workdir / "variants.vcf")
    deepsea.variant_effect_prediction(vcf, KINDS, str(tmp_path / "one"), "hdf5", 7)
    deepsea.variant_effect_prediction(vcf, KINDS, str(tmp_path / "sharded"), "hdf5", 7, shards=3)
    same_files(tmp_path / "one", tmp_path / "sharded")


def test_tabix_region_split_keeps_positions_whole(indexed) -> None:
    every = [r.line for r in read_vcf(indexed)]
    for n_shards in (2, 3, 7, 50):
        parts = plan_parts(str(indexed), n_shards, batch_size=4)
        assert all(p.regions is not None for p in parts)
        lines = [r.line for p in parts for r in p.read(str(indexed), None, lambda: iter(()))]
        assert lines == every, n_shards  # disjoint, contiguous, in file order
        assert [p.records for p in parts] == [
            sum(1 for _ in p.read(str(indexed), None, lambda: iter(()))) for p in parts
        ]
        for p in parts[1:]:  # each starts at a batch, past the records of one position
            assert p.start % 4 == 0 or p.records == 0
            if p.records and p.start:
                assert every[p.start - 1].split("\t")[:2] != every[p.start].split("\t")[:2]
    assert plan_parts(str(indexed), 2, batch_size=4)[1].regions == [
        "chr1:2490",
        "chr2:1",
        "chrZ:1",
    ]


def test_indexed_vcf_shards_with_annotated_vcf(small_batches, indexed, tmp_path) -> None:
    fmt = "hdf5"  # the annotated VCF reads the merged HDF5 diffs
    options = {"annotated_vcf": True, "annotate_top_k": 2}
    small_batches.variant_effect_prediction(
        str(indexed), KINDS, str(tmp_path / "one"), fmt, **options
    )
    small_batches.variant_effect_prediction(
        str(indexed), KINDS, str(tmp_path / "sharded"), fmt, shards=3, **options
    )
    names = same_files(tmp_path / "one", tmp_path / "sharded")
    assert {"v.annotated.vcf.gz", "v.annotated.vcf.gz.tbi", "v.NA"} <= set(names)
    assert (tmp_path / "one" / "v.NA").read_text().startswith("chrZ\t100")


def test_regions_run_shards_by_record_index(small_batches, indexed, tmp_path) -> None:
    regions = ["chr2", "chr1:500-2000"]
    small_batches.variant_effect_prediction(
        str(indexed), ["diffs"], str(tmp_path / "one"), regions=regions
    )
    small_batches.variant_effect_prediction(
        str(indexed), ["diffs"], str(tmp_path / "sharded"), regions=regions, shards=2
    )
    same_files(tmp_path / "one", tmp_path / "sharded")
    plan = json.loads((tmp_path / "sharded" / "shards" / "plan.json").read_text())
    assert [p["regions"] for p in plan["parts"]] == [None, None]


def interrupt_at(monkeypatch, stop_at: int | None) -> list[int]:
    """Count the batches scored; raise KeyboardInterrupt at batch ``stop_at`` (1-based)."""
    real, calls = vep_module._score_batch, []

    def counting(*args, **kwargs):
        calls.append(1)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(vep_module, "_score_batch", counting)
    return calls


@pytest.mark.parametrize("fmt", ["tsv", "hdf5"])
def test_killed_shard_resumes_and_finished_ones_are_kept(
    small_batches, workdir, tmp_path, monkeypatch, fmt
) -> None:
    vcf, out = str(workdir / "variants.vcf"), tmp_path / "sharded"
    small_batches.variant_effect_prediction(vcf, KINDS, str(tmp_path / "one"), fmt, 7)
    calls = interrupt_at(monkeypatch, None)
    small_batches.variant_effect_prediction(vcf, KINDS, str(out), fmt, 7, shards=2, shard=0)
    assert not (out / "shards" / "merged").exists()  # shard 1 has not run
    first = len(calls)
    calls = interrupt_at(monkeypatch, 2)  # killed in shard 1's second batch
    with pytest.raises(KeyboardInterrupt):
        small_batches.variant_effect_prediction(vcf, KINDS, str(out), fmt, 7, shards=2)
    assert list((out / "shards" / "1-of-2").glob("*.inprogress"))
    with pytest.raises(FileNotFoundError, match=r"shards 1-of-2 \(unfinished: resume it\) of 2"):
        merge(out)
    calls = interrupt_at(monkeypatch, None)
    small_batches.variant_effect_prediction(vcf, KINDS, str(out), fmt, 7, shards=2)
    resumed = len(calls)
    full = interrupt_at(monkeypatch, None)
    small_batches.variant_effect_prediction(vcf, KINDS, str(tmp_path / "again"), fmt, 7)
    assert resumed == len(full) - first - 1  # shard 0 kept; shard 1 resumed after 1 batch
    same_files(tmp_path / "one", out)
    calls = interrupt_at(monkeypatch, None)
    small_batches.variant_effect_prediction(vcf, KINDS, str(out), fmt, 7, shards=2)
    assert calls == []  # a rerun of a finished run scores nothing
    same_files(tmp_path / "one", out)


def test_merge_names_the_shards_missing(small_batches, workdir, tmp_path) -> None:
    vcf, out = str(workdir / "variants.vcf"), tmp_path / "out"
    with pytest.raises(FileNotFoundError, match="holds no sharded run"):
        merge(out)
    small_batches.variant_effect_prediction(vcf, ["diffs"], str(out), shards=3, shard=1)
    with pytest.raises(FileNotFoundError, match=r"0-of-3 \(not started\), 2-of-3 \(not started"):
        merge(out)
    assert not (out / "variants_diffs.tsv").exists()
    for shard in (0, 2):
        small_batches.variant_effect_prediction(vcf, ["diffs"], str(out), shards=3, shard=shard)
    merged = (out / "variants_diffs.tsv").read_bytes()  # the last shard merged
    (out / "variants_diffs.tsv").unlink()
    (out / "shards" / "merge.lock").touch()  # as an interrupted merge leaves it
    merge_main([str(out)])
    assert not (out / "shards" / "merge.lock").exists()
    assert (out / "variants_diffs.tsv").read_bytes() == merged
    done = out / "shards" / "2-of-3" / "done.json"
    done.write_text(done.read_text().replace('"key": "', '"key": "x'))
    with pytest.raises(FileNotFoundError, match="2-of-3 .finished for other inputs or options"):
        merge(out)


def test_bad_shard_numbers(small_batches, workdir, tmp_path) -> None:
    vcf = str(workdir / "variants.vcf")
    with pytest.raises(ValueError, match="shards must be a positive integer, got 0"):
        small_batches.variant_effect_prediction(vcf, ["diffs"], str(tmp_path), shards=0)
    with pytest.raises(ValueError, match="shard must be None .* or 0 to 1 for shards=2, got 2"):
        small_batches.variant_effect_prediction(vcf, ["diffs"], str(tmp_path), shards=2, shard=2)


def test_other_batch_size_replans_and_rescores(small_batches, workdir, tmp_path) -> None:
    vcf, out = str(workdir / "variants.vcf"), tmp_path / "out"
    small_batches.variant_effect_prediction(vcf, ["diffs"], str(out / "one"))
    small_batches.variant_effect_prediction(vcf, ["diffs"], str(out / "s"), shards=2)
    small_batches.batch_size = 8
    shutil.rmtree(out / "one")
    small_batches.variant_effect_prediction(vcf, ["diffs"], str(out / "one"))
    small_batches.variant_effect_prediction(vcf, ["diffs"], str(out / "s"), shards=2)
    plan = json.loads((out / "s" / "shards" / "plan.json").read_text())
    assert plan["batch_size"] == 8 and [p["records"] for p in plan["parts"]] == [16, 12]
    same_files(out / "one", out / "s")
