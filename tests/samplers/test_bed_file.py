from __future__ import annotations

import numpy as np
import pytest
import torch

from selene.samplers import BedFileSampler, MultiFileSampler
from selene.utils.warnings import SeleneWarning


def test_saved_validation_set_reads_back(make_sampler, genome, tmp_path):
    sampler = make_sampler(save_datasets=["validate"], output_dir=tmp_path)
    sampler.setup("fit")  # draws the validation set and writes validate_data.bed
    path = tmp_path / "validate_data.bed"
    lines = path.read_text().splitlines()
    assert len(lines) == 200 and len(lines[0].split("\t")) == 5
    drawn = list(sampler.val_dataloader())
    bed = BedFileSampler(path, genome, targets_avail=True, n_features=8)
    assert bed.n_samples == 200 and bed.sequence_length == 1000
    back = bed.read_batch(0, 200)
    np.testing.assert_array_equal(back["sequence"], torch.cat([b["sequence"] for b in drawn]))
    np.testing.assert_array_equal(back["targets"], torch.cat([b["targets"] for b in drawn]))
    assert back["coords"]["strand"] == sum((b["coords"]["strand"] for b in drawn), [])


def test_selene_format_by_hand(genome, tmp_path):
    # as selene_sdk writes {mode}_data.bed: chrom start end strand indices (maybe empty)
    path = tmp_path / "test_data.bed"
    path.write_text("chr1\t1000\t2000\t+\t0;3\nchr2\t5000\t6000\t-\t\nchr1\t7000\t8000\t-\t7\n")
    bed = BedFileSampler(path, genome, n_samples=3, targets_avail=True, n_features=8)
    batch = bed.read_batch(0, 3)
    expected = [("chr1", 1000, 2000, "+"), ("chr2", 5000, 6000, "-"), ("chr1", 7000, 8000, "-")]
    for row, (chrom, start, end, strand) in enumerate(expected):
        np.testing.assert_array_equal(
            batch["sequence"][row], genome.get_codes_from_coords(chrom, start, end, strand)
        )
    labels = np.zeros((3, 8), np.float32)
    labels[0, [0, 3]] = labels[2, 7] = 1
    np.testing.assert_array_equal(batch["targets"], labels)


def test_resize_and_bad_lines(genome, tmp_path):
    path = tmp_path / "regions.bed"
    path.write_text("chr1\t1000\t1100\nchr1\t5000\t7000\nchrZ\t1\t2\nchr1\t199900\t200000\n")
    with pytest.warns(SeleneWarning, match=r"skipped 2 of 4 windows.*\['chrZ'\]"):
        bed = BedFileSampler(path, genome, sequence_length=500)
    batch = bed.read_batch(0, 2)
    assert "targets" not in batch
    assert batch["coords"]["start"].tolist() == [800, 5750]
    path.write_text("chr1\t1000\t1100\t+\t0;9\n")
    with pytest.raises(ValueError, match=r"feature indices must be in \[0, 8\)"):
        BedFileSampler(path, genome, targets_avail=True, n_features=8)
    path.write_text("chr1\tabc\t1100\n")
    with pytest.raises(ValueError, match="regions.bed:1: start is not a non-negative integer"):
        BedFileSampler(path, genome)


def test_saving_training_windows(make_sampler, tmp_path):
    sampler = make_sampler(save_datasets=["train"], output_dir=tmp_path)
    stream = iter(sampler.train_dataloader())
    batches = [next(stream) for _ in range(2)]
    lines = (tmp_path / "train_data.bed").read_text().splitlines()
    assert len(lines) >= 32
    first = lines[0].split("\t")
    coords = batches[0]["coords"]
    assert first[:4] == [
        coords["chrom"][0],
        str(int(coords["start"][0])),
        str(int(coords["end"][0])),
        coords["strand"][0],
    ]


def test_multi_file_over_bed(make_sampler, genome, synthetic, tmp_path):
    sampler = make_sampler(output_dir=tmp_path)
    for mode in ("validate", "test"):
        sampler.save_dataset_to_file(mode)
    files = {
        m: BedFileSampler(tmp_path / f"{m}_data.bed", genome, targets_avail=True, n_features=8)
        for m in ("validate", "test")
    }
    multi = MultiFileSampler(
        files["validate"],
        files["test"],
        synthetic.features_txt,
        test_sampler=files["test"],
        batch_size=32,
    )
    assert multi.n_features == 8 and multi.sequence_length == 1000
    train = iter(multi.train_dataloader())
    seen = [
        tuple(zip(b["coords"]["chrom"], b["coords"]["start"].tolist(), strict=True))
        for b in (next(train) for _ in range(6))
    ]  # 200 // 32 = 6 full batches per pass
    flat = [w for b in seen for w in b]
    assert len(set(flat)) == len(flat) == 192
    val = list(multi.val_dataloader())
    assert [len(b["coords"]["chrom"]) for b in val] == [32, 32, 32, 4]
    with pytest.raises(ValueError, match="save_datasets to write"):
        sampler.save_dataset_to_file("train")
