from __future__ import annotations

import numpy as np
import pytest
import torch
from samplers_helpers import check_batch, overlaps

import selene.samplers.online as online
from selene.samplers import RandomPositionsSampler
from selene.targets import Target


def _windows(batches):
    return [
        (c, int(s), st)
        for b in batches
        for c, s, st in zip(
            b["coords"]["chrom"], b["coords"]["start"], b["coords"]["strand"], strict=True
        )
    ]


def test_batch_layout_and_labels(make_sampler, genome, targets):
    sampler = make_sampler()
    assert sampler.features == [f"f{i}" for i in range(8)]
    assert sampler.n_features == 8 and sampler.sequence_length == 1000
    batch = next(iter(sampler.train_dataloader()))
    assert batch["sequence"].dtype == torch.uint8 and batch["sequence"].shape == (32, 1000)
    assert batch["targets"].dtype == torch.float32 and batch["targets"].shape == (32, 8)
    check_batch(batch, genome, targets)
    check_batch(sampler.sample(50), genome, targets)


def test_training_windows_are_valid(make_sampler, genome, blacklist):
    sampler = make_sampler(batch_size=256)
    stream = iter(sampler.train_dataloader())
    batches = [next(stream) for _ in range(8)]
    lens = dict(genome.get_chr_lens())
    for chrom, start, _ in _windows(batches):
        assert chrom in ("chr1", "chr2"), "held-out chromosome in training"
        assert 0 <= start and start + 1000 <= lens[chrom]
        assert not overlaps(blacklist, chrom, start, start + 1000)
    codes = torch.cat([b["sequence"] for b in batches]).numpy()
    assert ((codes == genome.UNK_CODE).mean(axis=1) <= 0.3).all()
    strands = {w[2] for w in _windows(batches)}
    assert strands == {"+", "-"}


def test_fixed_sets_reproducible(make_sampler, genome, targets):
    a, b = make_sampler(), make_sampler()
    for mode, loader in (("validate", "val_dataloader"), ("test", "test_dataloader")):
        first = list(getattr(a, loader)())
        again = list(getattr(a, loader)())
        other = list(getattr(b, loader)())
        assert _windows(first) == _windows(again) == _windows(other)
        assert len(_windows(first)) == (200 if mode == "validate" else 100)
        check_batch(first[0], genome, targets)
        held = "chr3" if mode == "validate" else "chr4"
        assert {w[0] for w in _windows(first)} == {held}
    assert _windows(make_sampler(seed=8).val_dataloader()) != _windows(a.val_dataloader())


def test_same_seed_same_stream_any_worker_count(make_sampler):
    ref = iter(make_sampler().train_dataloader())
    ref_batches = [next(ref) for _ in range(3)]
    one = iter(make_sampler(num_workers=1).train_dataloader())
    for expected in ref_batches:
        got = next(one)
        assert _windows([got]) == _windows([expected])
        assert torch.equal(got["sequence"], expected["sequence"])
        assert torch.equal(got["targets"], expected["targets"])


def test_workers_and_ranks_draw_distinct_streams(make_sampler, monkeypatch):
    stream = iter(make_sampler(num_workers=2).train_dataloader())
    w0, w1 = next(stream), next(stream)  # the DataLoader alternates between workers
    assert not set(_windows([w0])) & set(_windows([w1]))
    rank0 = next(iter(make_sampler().train_dataloader()))
    monkeypatch.setattr(online, "current_rank", lambda: 1)
    rank1 = next(iter(make_sampler().train_dataloader()))
    assert not set(_windows([rank0])) & set(_windows([rank1]))
    assert _windows([rank0]) == _windows([w0])  # rank 0, worker 0


def test_new_epoch_new_stream(make_sampler):
    loader = make_sampler().train_dataloader()
    assert _windows([next(iter(loader))]) != _windows([next(iter(loader))])


def test_one_hot_on_device(make_sampler, device):
    sampler = make_sampler()
    batch = next(iter(sampler.train_dataloader()))
    moved = sampler.on_after_batch_transfer({**batch, "sequence": batch["sequence"].to(device)}, 0)
    one_hot = moved["sequence"]
    assert one_hot.shape == (32, 4, 1000) and one_hot.dtype == torch.float32
    assert one_hot.device.type == device.type
    torch.testing.assert_close(one_hot.sum(dim=1), torch.ones(32, 1000, device=device))


def test_options(make_sampler):
    forward = make_sampler(strand="+", exclude_chrs=["chr2"]).sample(200)
    assert set(forward["coords"]["strand"]) == {"+"}
    assert set(forward["coords"]["chrom"]) == {"chr1"}
    prop = make_sampler(validation_holdout=0.25, test_holdout=0.25)
    chroms = {m: set(prop.sample(100, mode=m)["coords"]["chrom"]) for m in prop.modes}
    assert [len(chroms[m]) for m in ("train", "validate", "test")] == [2, 1, 1]
    assert len(set.union(*chroms.values())) == 4
    assert make_sampler(test_holdout=None).modes == ["train", "validate"]
    odd = make_sampler(sequence_length=1001, center_bin_to_predict=[100, 300]).sample(4)
    assert np.asarray(odd["sequence"]).shape == (4, 1001)


def test_paths_are_accepted(synthetic):
    sampler = RandomPositionsSampler(
        str(synthetic.fasta),
        str(synthetic.features_bed),
        str(synthetic.features_txt),
        validation_holdout=["chr3"],
        test_holdout=["chr4"],
        n_validation_samples=10,
    )
    assert sampler.n_features == 8
    assert len(sampler.sample(3)["coords"]["chrom"]) == 3


def test_features_list_not_matching_the_target_file_is_refused(synthetic, tmp_path):
    listed = tmp_path / "features.txt"
    listed.write_text("".join(f"{f}\n" for f in synthetic.features[:-1]) + "not_in_bed\n")
    with pytest.raises(
        ValueError,
        match=r"1 of the 8 listed features have no interval in .*"
        r"features.bed.gz, e.g. \['not_in_bed'\]",
    ):
        RandomPositionsSampler(
            str(synthetic.fasta),
            str(synthetic.features_bed),
            str(listed),
            validation_holdout=["chr3"],
            test_holdout=["chr4"],
        )


def test_errors(make_sampler):
    with pytest.raises(KeyError, match=r"holdout chromosome\(s\) \['chr9'\] not in genome.fa"):
        make_sampler(validation_holdout=["chr9"])
    with pytest.raises(ValueError, match="sequence_length < center_bin_to_predict"):
        make_sampler(sequence_length=100, center_bin_to_predict=200)
    with pytest.raises(ValueError, match="both odd or both even"):
        make_sampler(sequence_length=1001, center_bin_to_predict=200)
    with pytest.raises(ValueError, match="'train' partition has no valid position"):
        make_sampler(sequence_length=120_000, center_bin_to_predict=200)
    with pytest.raises(ValueError, match="strand must be"):
        make_sampler(strand="-")
    with pytest.raises(ValueError, match="save_datasets needs an output_dir"):
        make_sampler(save_datasets=["test"])
    with pytest.raises(ValueError, match="2 features given but the target has 8"):
        make_sampler(features=["f0", "f1"])
    with pytest.raises(ValueError, match="mode must be one of"):
        make_sampler(mode="predict")


class _GappyTarget(Target):
    """A custom target with no value for windows starting past 100 kb."""

    def __init__(self, n: int) -> None:
        self.n_features = n

    def get_feature_data(self, chrom: str, start: int, end: int) -> np.ndarray:
        return np.full(self.n_features, np.nan if start > 100_000 else 1.0, np.float32)


def test_nan_from_a_custom_target_is_refused_naming_the_window(make_sampler):
    sampler = make_sampler(target_path=_GappyTarget(8), n_validation_samples=None)
    with pytest.raises(ValueError, match=r"_GappyTarget gave NaN for feature 0 of chr\d:\d+-\d+"):
        sampler.sample(64)
