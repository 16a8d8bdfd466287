"""Track models predict coverage; tiled predictions over regions and chromosomes as bigWig."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyBigWig
import pytest
import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_dir

from selene.models import BPNet, DeepSEA, TrackCNN, track_prediction
from selene.models.lit_module import SequenceLitModule
from selene.predict import (
    AnalyzeSequences,
    make_runner,
    predict,
    predict_tracks,
    write_attribution_bigwig,
    write_track_bigwigs,
)
from selene.predict.__main__ import predict as predict_main
from selene.predict.track_writers import attribution_values
from selene.predict.tracks import track_geometry
from selene.sequences import Genome
from selene.sequences.encoding import codes_to_one_hot
from selene.utils.config import config_dir

L, BIN, TRACKS = 256, 8, 2
SIZES = {"chr1": 5000, "chr2": 3333}
# float32 outputs of one window in two batches of different size agree to rounding only
BATCH_TOL = {"rtol": 1e-5, "atol": 1e-6}


@pytest.fixture(scope="module")
def genome(tmp_path_factory: pytest.TempPathFactory) -> Genome:
    rng = np.random.default_rng(0)
    seqs = {name: "".join(rng.choice(list("ACGT"), size)) for name, size in SIZES.items()}
    seqs["chr2"] = seqs["chr2"][:1000] + "N" * 200 + seqs["chr2"][1200:]
    path = tmp_path_factory.mktemp("tracks") / "genome.fa"
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in seqs.items()))
    return Genome(path)


@pytest.fixture(scope="module")
def net() -> TrackCNN:
    torch.manual_seed(0)
    return TrackCNN(L, TRACKS, bin_size=BIN, channels=8, n_dilated=2).eval()


def _tracks(net, genome, regions=None, **options) -> list:
    return list(predict_tracks(net, genome, regions, device="cpu", activation="exp", **options))


def _per_base(blocks, chrom: str) -> np.ndarray:
    """Concatenate one chromosome's blocks at base resolution, ``(T, bases)``."""
    parts = [np.repeat(b.values, b.bin_size, axis=1)[:, : b.end - b.start] for b in blocks
             if b.chrom == chrom]  # fmt: skip
    return np.concatenate(parts, axis=1)


def test_track_models_predict_coverage(net) -> None:
    codes = np.random.default_rng(1).integers(0, 4, (3, L), dtype=np.uint8)
    x = codes_to_one_hot(torch.as_tensor(codes), 4).float()
    coverage = predict(net, codes, device="cpu", activation="exp", layer_local=False)
    with torch.no_grad():
        expected = net(x).exp().numpy()
    assert coverage.shape == (3, TRACKS, L // BIN)
    np.testing.assert_allclose(coverage, expected, **BATCH_TOL)
    # the layer-local engine takes TrackCNN (its self-check passes) and agrees
    local = make_runner(net, device="cpu", activation="exp")
    assert local.engine.name == "layer_local"
    np.testing.assert_allclose(predict(local, codes), coverage, **BATCH_TOL)
    bpnet = BPNet(n_filters=8, n_layers=2, n_outputs=2, sequence_length=300).eval()
    runner = make_runner(bpnet, device="cpu")  # a bare BPNet: coverage by default
    assert (runner.activation, runner.engine.name) == ("bpnet", "plain")  # auto falls back
    with pytest.raises(ValueError, match="no layer-local engine"):
        make_runner(bpnet, device="cpu", layer_local=True)
    with pytest.raises(ValueError, match="not supported for track models"):
        predict(net, codes, device="cpu", average_reverse_complement=True)


def _checkpoint(path: Path, spec: dict, loss: str) -> SequenceLitModule:
    optimizer = functools.partial(torch.optim.SGD, lr=0.0)
    module = SequenceLitModule(spec, optimizer=optimizer, loss=loss, features=["plus", "minus"])
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    trainer.strategy.connect(module)
    trainer.save_checkpoint(path)
    return module


def test_bpnet_checkpoint_predicts_coverage(tmp_path: Path) -> None:
    spec = {"_target_": "selene.models.BPNet", "n_filters": 8, "n_layers": 2, "n_outputs": 2,
            "sequence_length": 300}  # fmt: skip
    path = tmp_path / "bpnet.ckpt"
    module = _checkpoint(path, spec, "bpnet")
    analysis = AnalyzeSequences(trained_model_path=path, device="cpu", show_progress=False)
    codes = np.random.default_rng(2).integers(0, 4, (2, 300), dtype=np.uint8)
    coverage = predict(analysis._runner, codes)
    with torch.no_grad():
        raw = module.net.eval()(codes_to_one_hot(torch.as_tensor(codes), 4).float())
    assert coverage.shape == (2, 2, 300 - 2 * module.net.trimming)
    np.testing.assert_allclose(coverage, track_prediction("bpnet", raw).numpy(), **BATCH_TOL)
    totals = np.expm1(raw[1].numpy()[:, 0]).clip(min=0)
    np.testing.assert_allclose(coverage.sum(axis=(1, 2)), totals, rtol=1e-4)


def test_tiling_covers_every_base_once(net, genome) -> None:
    regions = [("chr2", 3000, 3333), ("1", 100, 1003), ("chr1", 900, 2000), ("chr1", 4990, 5000)]
    blocks = _tracks(net, genome, regions, center_crop=3, batch_size=4)
    covered = {(b.chrom, s) for b in blocks for s in range(b.start, b.end)}
    assert sum(b.end - b.start for b in blocks) == len(covered)  # no base twice
    expected = {(c, s) for c, lo, hi in [("chr1", 100, 2000), ("chr1", 4990, 5000),
                ("chr2", 3000, 3333)] for s in range(lo, hi)}  # fmt: skip
    assert covered == expected
    for b in blocks:
        assert b.values.shape == (TRACKS, -(-(b.end - b.start) // BIN))
    # with overlap=0 each bin is the value of exactly one window: the one tiling places there
    geometry = track_geometry(make_runner(net, device="cpu", activation="exp"))
    kept = geometry.n_bins - 6
    window = 100 + 2 * kept * BIN - geometry.offset - 3 * BIN  # third window of chr1:100-2000
    codes = genome.get_encodings(["chr1"], [window], [window + L], pad=True)
    direct = predict(net, codes, device="cpu", activation="exp")[0, :, 3 : 3 + kept]
    first = [b for b in blocks if b.chrom == "chr1"][0].values
    np.testing.assert_allclose(first[:, 2 * kept : 3 * kept], direct, **BATCH_TOL)


def test_predictions_do_not_depend_on_the_tiling(net, genome) -> None:
    # the receptive field (about 10 bins each side) fits in a crop of 12 bins, so a bin's value
    # is the same whichever window predicts it (windows shifted by whole bins)
    a = _per_base(_tracks(net, genome, [("chr1", 800, 2400)], center_crop=12), "chr1")
    b = _per_base(_tracks(net, genome, [("chr1", 776, 2400)], center_crop=13), "chr1")
    c = _per_base(_tracks(net, genome, [("chr1", 800, 2400)], center_crop=12, overlap=3),
                  "chr1")  # fmt: skip
    np.testing.assert_allclose(a, b[:, 24:], **BATCH_TOL)
    np.testing.assert_allclose(a, c, **BATCH_TOL)
    # a small crop lets edge bins see the windows' zero padding: the tiling shows
    d = _per_base(_tracks(net, genome, [("chr1", 800, 2400)], center_crop=0), "chr1")
    assert not np.allclose(a, d, **BATCH_TOL)


@pytest.mark.parametrize("overlap", [0, 5])
def test_bigwig_round_trip_equals_predictions(net, genome, tmp_path: Path, overlap) -> None:
    blocks = _tracks(net, genome, None, center_crop=4, overlap=overlap, batch_size=8)
    paths = write_track_bigwigs(tmp_path, iter(blocks), genome.chrom_sizes, ["a/b", "c"], "x_")
    assert [p.name for p in paths] == ["x_a_b.bw", "x_c.bw"]
    assert not list(tmp_path.glob(".*"))  # scratch files removed
    for track, path in enumerate(paths):
        with pyBigWig.open(str(path)) as bw:
            assert bw.chroms() == SIZES
            for chrom, size in SIZES.items():
                values = np.asarray(bw.values(chrom, 0, size), dtype=np.float32)
                assert np.array_equal(values, _per_base(blocks, chrom)[track])  # exact


def test_bed_regions_from_the_analyzer_and_config(net, genome, tmp_path: Path) -> None:
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr2\t10\t95\nchr1\t4000\t4999\n")
    analysis = AnalyzeSequences(net, None, features=["p", "q"], reference_sequence=genome,
                                activation="exp", device="cpu", show_progress=False)  # fmt: skip
    paths = analysis.get_track_predictions(str(tmp_path / "out"), str(bed), center_crop=2)
    blocks = _tracks(net, genome, bed, center_crop=2)
    assert [p.name for p in paths] == ["peaks_p.bw", "peaks_q.bw"]
    with pyBigWig.open(str(paths[1])) as bw:
        assert np.isnan(bw.values("chr1", 3999, 4000)[0])  # outside the regions: no data
        got = np.asarray(bw.values("chr1", 4000, 4999), dtype=np.float32)
    assert np.array_equal(got, _per_base(blocks, "chr1")[1])


def test_tracks_analysis_from_config(genome, tmp_path: Path) -> None:
    spec = {"_target_": "selene.models.TrackCNN", "sequence_length": L, "n_tracks": TRACKS,
            "bin_size": BIN, "channels": 8, "n_dilated": 1}  # fmt: skip
    module = _checkpoint(tmp_path / "cnn.ckpt", spec, "poisson")
    overrides = [
        "analysis=tracks",
        f"ckpt_path={tmp_path / 'cnn.ckpt'}",
        "analysis.chroms=[chr2]",
        f"analysis.output_dir={tmp_path / 'out'}",
        f"analyzer.reference_sequence.input_path={genome.path}",
        "analyzer.device=cpu",
        "+analyzer.show_progress=false",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=overrides)
    paths = predict_main(cfg)
    assert [p.name for p in paths] == ["plus.bw", "minus.bw"]  # the checkpoint's features
    expected = _tracks(module.net.eval(), genome, chroms=["chr2"])  # poisson: exp
    with pyBigWig.open(str(paths[0])) as bw:
        assert bw.chroms("chr1") is None
        got = np.asarray(bw.values("chr2", 0, SIZES["chr2"]), dtype=np.float32)
    np.testing.assert_allclose(got, _per_base(expected, "chr2")[0], **BATCH_TOL)


def test_attribution_bigwig(genome, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(6, 4)).astype(np.float32)
    codes = np.array([0, 1, 4, 3, 2, 2])  # 4: an N
    ref = attribution_values(scores, codes)
    assert np.isnan(ref[2]) and ref[0] == scores[0, 0] and ref[3] == scores[3, 3]
    mean_alt = attribution_values(scores, codes, "mean_alternatives")
    assert mean_alt[1] == pytest.approx(scores[1, [0, 2, 3]].mean(), rel=1e-6)
    assert mean_alt[2] == pytest.approx(scores[2].mean(), rel=1e-6)
    path = write_attribution_bigwig(tmp_path / "ism.bw", genome.chrom_sizes, "chr1", 50,
                                    scores, codes)  # fmt: skip
    with pyBigWig.open(str(path)) as bw:
        got = np.asarray(bw.values("chr1", 50, 56), dtype=np.float32)
    assert np.array_equal(got, ref, equal_nan=True)
    per_base = write_attribution_bigwig(tmp_path / "g.bw", SIZES, "chr2", 0, scores[:, 0])
    with pyBigWig.open(str(per_base)) as bw:
        assert np.array_equal(np.asarray(bw.values("chr2", 0, 6), np.float32), scores[:, 0])
    with pytest.raises(ValueError, match="need the sequence's codes"):
        attribution_values(scores)
    with pytest.raises(ValueError, match="reduce must be"):
        attribution_values(scores, codes, "max")
    with pytest.raises(ValueError, match=r"shape \(L,\) or \(L, A\)"):
        attribution_values(scores[None])


def test_errors(net, genome, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chromosome 'chrX' is not in the reference"):
        _tracks(net, genome, [("chrX", 0, 10)])
    with pytest.raises(ValueError, match="empty or runs outside chr1"):
        _tracks(net, genome, [("chr1", 4990, 5010)])
    with pytest.raises(ValueError, match="empty or runs outside chr2"):
        _tracks(net, genome, [("chr2", 10, 10)])
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t10\n")
    with pytest.raises(ValueError, match="bad.bed, line 1"):
        _tracks(net, genome, bad)
    with pytest.raises(ValueError, match="no region to predict"):
        _tracks(net, genome, [])
    with pytest.raises(ValueError, match="center_crop=16 leaves no bin"):
        _tracks(net, genome, center_crop=16)
    with pytest.raises(ValueError, match="overlap=8 must be"):
        _tracks(net, genome, center_crop=12, overlap=8)
    classifier = DeepSEA(200, 3)
    with pytest.raises(ValueError, match="not tracks"):
        list(predict_tracks(classifier, genome, device="cpu"))
    blocks = _tracks(net, genome, [("chr1", 0, 100)])
    with pytest.raises(ValueError, match="3 track names for a model of 2 tracks"):
        write_track_bigwigs(tmp_path, blocks, SIZES, ["a", "b", "c"])
    with pytest.raises(ValueError, match="same file name twice"):
        write_track_bigwigs(tmp_path, blocks, SIZES, ["a b", "a_b"])
    with pytest.raises(ValueError, match="no predictions to write"):
        write_track_bigwigs(tmp_path, [], SIZES)
    blocks[0].values = blocks[0].values[:1]
    with pytest.raises(ValueError, match="holds 1 tracks, the first held 2"):
        write_track_bigwigs(tmp_path, [*_tracks(net, genome, [("chr2", 0, 9)]), *blocks], SIZES)
    with pytest.raises(ValueError, match="do not sit centred"):
        list(predict_tracks(net, genome, device="cpu", activation="exp", bin_size=9))
