"""TrackCNN, and the model=bpnet / model=track_cnn configs: they build and give track shapes."""

from __future__ import annotations

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from selene.models import TRACK_ARCHITECTURES, BPNet, ChromBPNet, TrackCNN, get_architecture
from selene.models.track_cnn import _pool_factors
from selene.utils.config import config_dir, fit_net_to_data


def _one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    codes = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()


@pytest.mark.parametrize(
    ("bin_size", "factors"), [(1, []), (2, [2]), (32, [2] * 5), (50, [2, 25]), (3, [3])]
)
def test_pool_factors_multiply_to_the_bin_size(bin_size, factors) -> None:
    assert _pool_factors(bin_size) == factors


@pytest.mark.parametrize(("bin_size", "n_dilated"), [(1, 0), (8, 2), (32, 3), (50, 1)])
def test_track_cnn_shapes_and_gradients(bin_size, n_dilated) -> None:
    torch.manual_seed(0)
    length = 400 if bin_size == 50 else 256
    model = TrackCNN(length, n_tracks=3, bin_size=bin_size, channels=8, n_dilated=n_dilated)
    out = model.train()(_one_hot(2, length))
    assert out.shape == (2, 3, length // bin_size) == (2, 3, model.n_bins)
    out.square().mean().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name


def test_track_cnn_bins_follow_the_sequence() -> None:
    """A change at the end of the window moves the last bins most, and the first bin not at all."""
    torch.manual_seed(0)
    model = TrackCNN(512, n_tracks=1, bin_size=16, channels=8, n_dilated=1).eval()
    x = _one_hot(1, 512)
    mutant = x.clone()
    mutant[0, :, 500:] = mutant[0, :, 500:].roll(1, dims=0)
    with torch.no_grad():
        change = (model(mutant) - model(x)).abs()[0, 0]
    assert change[0] == 0 and change[-1] > 0
    assert change.argmax() >= model.n_bins - 4


def test_track_cnn_crop_keeps_the_middle_bins() -> None:
    torch.manual_seed(0)
    full = TrackCNN(256, n_tracks=2, bin_size=16, channels=8, n_dilated=1).eval()
    cropped = TrackCNN(256, n_tracks=2, bin_size=16, channels=8, n_dilated=1, crop_bins=3)
    cropped.load_state_dict(full.state_dict())
    x = _one_hot(2, 256)
    with torch.no_grad():
        out = cropped.eval()(x)
        assert out.shape == (2, 2, 10) and cropped.n_bins == 10
        # one 1x1 convolution over 8 channels, on a slice: only the summation order may differ
        torch.testing.assert_close(out, full(x)[:, :, 3:-3], rtol=0, atol=1e-5)


def test_track_cnn_errors() -> None:
    with pytest.raises(ValueError, match="sequence_length=1000 is not a multiple of bin_size=32"):
        TrackCNN(1000, 2, bin_size=32)
    with pytest.raises(ValueError, match="channels must be even"):
        TrackCNN(256, 2, channels=7)
    with pytest.raises(ValueError, match="n_dilated must be a non-negative int, got -1"):
        TrackCNN(256, 2, n_dilated=-1)
    with pytest.raises(ValueError, match="crop_bins must be a non-negative int, got -1"):
        TrackCNN(256, 2, crop_bins=-1)
    with pytest.raises(ValueError, match="crop_bins=4 leaves no bins of the 8 in the window"):
        TrackCNN(256, 2, crop_bins=4)
    with pytest.raises(ValueError, match="dropout must be in"):
        TrackCNN(256, 2, dropout=1.0)
    with pytest.raises(ValueError, match="TrackCNN: n_tracks must be a positive int"):
        TrackCNN(256, 0)
    with pytest.raises(ValueError, match=r"TrackCNN expects one-hot input of shape \(N, 4, 256\)"):
        TrackCNN(256, 2, channels=8)(_one_hot(1, 512))


def test_registry_knows_the_track_models() -> None:
    assert TRACK_ARCHITECTURES == {"bpnet": BPNet, "chrombpnet": ChromBPNet, "track_cnn": TrackCNN}
    assert get_architecture("TrackCNN") is get_architecture("track-cnn") is TrackCNN
    with pytest.raises(ValueError, match="valid names: .*bpnet, track_cnn"):
        get_architecture("basenji")


def _net_config(option: str, n_tracks: int, length: int):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", overrides=[f"model={option}"])
    fit_net_to_data(cfg.model.net, n_tracks, length)
    return cfg.model


# The LightningModule's track losses are wired separately (issue 12, item 4); these check what
# the configs build: the net, with its sizes filled in from the data as for any model.
def test_bpnet_config_builds_bpnet() -> None:
    model_cfg = _net_config("bpnet", 2, 2114)
    assert model_cfg.loss == "bpnet"
    net = instantiate(model_cfg.net)
    assert isinstance(net, BPNet) and net.n_outputs == 2 and net.output_length == 1000
    with torch.device("meta"), torch.no_grad():
        profile, counts = net.to("meta")(torch.empty(2, 4, 2114, device="meta"))
    assert profile.shape == (2, 2, 1000) and counts.shape == (2, 1)


def test_track_cnn_config_builds_track_cnn() -> None:
    model_cfg = _net_config("track_cnn", 3, 1024)
    assert model_cfg.loss == "poisson"
    net = instantiate(model_cfg.net).eval()
    assert isinstance(net, TrackCNN) and net.bin_size == 32
    with torch.no_grad():
        assert net(_one_hot(2, 1024)).shape == (2, 3, 32)


def test_track_models_on_device(device) -> None:
    """float64, so that TF32 convolutions on a GPU do not blur the comparison."""
    torch.manual_seed(0)
    models = [
        BPNet(n_filters=4, n_layers=2, n_control_tracks=1),
        TrackCNN(256, n_tracks=2, bin_size=16, channels=8, n_dilated=2),
    ]
    x = _one_hot(2, 256).double()
    for model in models:
        model = model.double().eval()
        with torch.no_grad():
            on_cpu = torch.cat([out.flatten() for out in _outputs(model(x))])
            on_device = torch.cat(
                [out.flatten() for out in _outputs(model.to(device)(x.to(device)))]
            )
        assert on_device.device.type == device.type
        torch.testing.assert_close(on_device.cpu(), on_cpu, rtol=1e-10, atol=1e-10)


def _outputs(out: torch.Tensor | tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return out if isinstance(out, tuple) else (out,)
