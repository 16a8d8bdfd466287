"""DemoSampler(tracks=True): the demo's coverage tracks as targets, and the tracks_demo configs."""

from __future__ import annotations

import numpy as np
import pyBigWig
import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from selene.datasets.demo import DEMO_FEATURES, DemoSampler
from selene.datasets.synthetic import make_synthetic, open_synthetic
from selene.utils.config import config_dir

SMALL = {"n_validation_samples": 16, "n_test_samples": 16, "batch_size": 8}
TRACKS = {"tracks": True, "center_bin_to_predict": None, "sequence_length": 256, "bin_size": 32}


def test_track_batches_are_the_binned_coverage(tmp_path) -> None:
    demo = DemoSampler(tmp_path / "demo", strand="+", **TRACKS, **SMALL)
    demo.prepare_data()
    demo.setup("fit")
    batch = next(iter(demo.val_dataloader()))
    targets = batch["targets"]
    assert targets.shape == (8, 20, 8) and targets.dtype == torch.float32
    assert demo.n_features == 20 and demo.features == DEMO_FEATURES
    # each bin is the mean read coverage of its 32 bases (N bases: no data, 0)
    data, coords = open_synthetic(tmp_path / "demo"), batch["coords"]
    assert set(coords["strand"]) == {"+"}
    with pyBigWig.open(str(data.tracks["f03"])) as bw:
        for i, (chrom, start) in enumerate(zip(coords["chrom"], coords["start"], strict=True)):
            values = bw.values(chrom, int(start), int(start) + 256, numpy=True)
            expected = np.nan_to_num(values.astype(np.float64)).reshape(8, 32).mean(1)
            np.testing.assert_allclose(targets[i, 3].numpy(), expected, rtol=0, atol=1e-5)
    assert float(targets.max()) > 1  # a peak in some window


def test_tracks_need_the_whole_window_and_the_tracks(tmp_path) -> None:
    make_synthetic(tmp_path / "demo")  # without tracks
    demo = DemoSampler(tmp_path / "demo", **TRACKS, **SMALL)
    with pytest.raises(FileNotFoundError, match="holds the demo without coverage tracks"):
        demo.setup("fit")
    demo.prepare_data()  # adds them
    demo.setup("fit")
    centred = DemoSampler(tmp_path / "demo", tracks=True, center_bin_to_predict=100, **SMALL)
    with pytest.raises(ValueError, match="set center_bin_to_predict=None"):
        centred.setup("fit")


def test_the_tracks_demo_composes_with_track_cnn_and_pearson_monitoring(tmp_path) -> None:
    overrides = ["+experiment=tracks_demo", f"paths.data_dir={tmp_path}"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=[*overrides, f"paths.output_dir={tmp_path / 'out'}"])
    assert cfg.model.net._target_ == "selene.models.TrackCNN" and cfg.model.loss == "poisson"
    assert cfg.callbacks.model_checkpoint.monitor == "val/pearson"
    assert cfg.callbacks.model_checkpoint.mode == "max"
    assert cfg.optimized_metric == "val/pearson_best"
    demo = instantiate(cfg.data)
    assert demo.tracks and demo.bin_size == cfg.model.net.bin_size == 32
    assert not (tmp_path / "demo").exists()  # composing writes nothing
