"""SequenceLitModule on tracks: losses equal track_losses, scores equal scipy's, BPNet's pair."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from scipy import stats
from torch.utils.data import DataLoader, Dataset

from selene.models import SequenceLitModule
from selene.models import track_losses as tl
from selene.models._track_step import track_loss, track_prediction
from selene.models.track_metrics import (
    EXAMPLE_TRACKS,
    TrackMetrics,
    TrackScores,
    default_sample_size,
)

L, T, BIN = 128, 2, 8
TRIM = 47 + 2 + 4  # BPNet with 2 dilated layers
CNN = {"_target_": "selene.models.TrackCNN", "sequence_length": L, "n_tracks": T, "bin_size": BIN}
BPNET = {"_target_": "selene.models.BPNet", "n_filters": 8, "n_layers": 2, "n_outputs": T}
# correlations of float32 predictions, accumulated in float64 by us and by scipy: the inputs
# agree exactly, so only the summation order differs (relative 1e-7 on a sum of <= 1e3 terms)
CORR = {"rel": 0, "abs": 1e-5}


class Tracks(Dataset):
    """Random sequences and Poisson counts ``(T, bins)`` with a per-window level."""

    def __init__(self, n: int, bins: int, seed: int, tracks: int = T) -> None:
        g = torch.Generator().manual_seed(seed)
        self.codes = torch.randint(0, 4, (n, L), generator=g, dtype=torch.uint8)
        level = torch.rand(n, 1, 1, generator=g) * 4
        rate = level * torch.rand(n, tracks, bins, generator=g)
        self.targets = torch.poisson(rate, generator=g)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"sequence": self.codes[i], "targets": self.targets[i]}


def _module(net: dict, loss: str, lr: float = 0.0) -> SequenceLitModule:
    torch.manual_seed(0)
    net = net | ({"channels": 8, "n_dilated": 1} if "TrackCNN" in net["_target_"] else {})
    return SequenceLitModule(
        net, functools.partial(torch.optim.SGD, lr=lr), loss=loss, features=["plus", "minus"]
    )


def _trainer(tmp_path, **kwargs) -> pl.Trainer:
    defaults = {
        "accelerator": "cpu",
        "default_root_dir": tmp_path,
        "logger": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "enable_checkpointing": False,
    }
    return pl.Trainer(**(defaults | kwargs))


def _outputs(module: SequenceLitModule, data: Tracks) -> object:
    with torch.no_grad():
        return module.eval().net(torch.nn.functional.one_hot(data.codes.long(), 4).mT.float())


@pytest.mark.parametrize("loss", ["mse", "poisson"])
def test_validation_loss_and_scores_equal_track_losses_and_scipy(tmp_path, loss) -> None:
    module, data = _module(CNN, loss), Tracks(24, L // BIN, 0)
    # three batches: the metrics merge them; one forward pass of all 24 gives the expected
    logged = _trainer(tmp_path).validate(module, DataLoader(data, batch_size=8))[0]
    output = _outputs(module, data)
    assert logged["val/loss"] == pytest.approx(
        float(getattr(tl, loss)(output, data.targets)), rel=1e-5
    )
    preds = (output.exp() if loss == "poisson" else output).double().numpy()
    target = data.targets.double().numpy()
    bins = [(preds[:, t].ravel(), target[:, t].ravel()) for t in range(T)]
    totals = [(preds[:, t].sum(-1), target[:, t].sum(-1)) for t in range(T)]
    expected = {
        "val/pearson": np.mean([stats.pearsonr(p, y)[0] for p, y in bins]),
        "val/spearman": np.mean([stats.spearmanr(p, y)[0] for p, y in bins]),
        "val/mse": np.mean([np.mean((p - y) ** 2) for p, y in bins]),
        "val/pearson_windows": np.mean([stats.pearsonr(p, y)[0] for p, y in totals]),
        "val/spearman_windows": np.mean([stats.spearmanr(p, y)[0] for p, y in totals]),
    }
    for key, value in expected.items():
        assert logged[key] == pytest.approx(value, **(CORR if "mse" not in key else {"rel": 1e-5}))


def test_bpnet_logs_its_loss_parts_and_scores_its_profile(tmp_path) -> None:
    module, data = _module(BPNET, "bpnet"), Tracks(16, L - 2 * TRIM, 1)
    with torch.no_grad():  # totals of about e**3 - 1 reads (a log count < 0 predicts none)
        module.net.linear.bias.fill_(3.0)
    trainer = _trainer(tmp_path, max_steps=1, limit_val_batches=0)
    trainer.fit(module, DataLoader(data, batch_size=16))  # lr 0: the weights stay
    profile_logits, log_counts = _outputs(module.train(), data)  # train mode: no dropout here
    parts = tl.bpnet_loss(profile_logits, log_counts, data.targets)
    logged = trainer.callback_metrics
    assert float(logged["train/loss"]) == pytest.approx(float(parts.loss), rel=1e-5)
    assert float(logged["train/profile_nll"]) == pytest.approx(float(parts.profile), rel=1e-5)
    assert float(logged["train/count_mse"]) == pytest.approx(float(parts.counts), rel=1e-5)

    # the prediction: softmax over both tracks jointly, times the predicted total
    joint = torch.softmax(profile_logits.flatten(1), -1).reshape(profile_logits.shape)
    expected = joint * (log_counts.exp() - 1).clamp(min=0)[:, :, None]
    module.eval()
    with torch.no_grad():
        torch.testing.assert_close(module(data.codes), expected, rtol=1e-5, atol=1e-6)
    logged = _trainer(tmp_path).validate(module, DataLoader(data, batch_size=16))[0]
    preds, target = expected.double().numpy(), data.targets.double().numpy()
    r = [stats.pearsonr(preds[:, t].ravel(), target[:, t].ravel())[0] for t in range(T)]
    assert logged["val/pearson"] == pytest.approx(np.mean(r), **CORR)
    assert {"val/profile_nll", "val/count_mse"} <= set(logged)


def test_track_prediction_per_track_totals() -> None:
    logits, log_counts = torch.randn(3, 2, 5), torch.randn(3, 2)
    expected = torch.softmax(logits, -1) * torch.expm1(log_counts).clamp(min=0)[..., None]
    torch.testing.assert_close(track_prediction("bpnet", (logits, log_counts)), expected)
    assert torch.equal(track_prediction("poisson", logits), logits.exp())


def test_pearson_best_follows_the_validations(tmp_path) -> None:
    module = _module(CNN, "poisson", lr=0.05)
    train, val = Tracks(64, L // BIN, 2), Tracks(16, L // BIN, 3)
    trainer = _trainer(tmp_path, max_steps=4, val_check_interval=2)
    seen = []

    class Best(pl.Callback):
        def on_validation_end(self, trainer, module) -> None:
            if not trainer.sanity_checking:
                seen.append(float(trainer.callback_metrics["val/pearson"]))

    trainer.callbacks.append(Best())
    trainer.fit(module, DataLoader(train, batch_size=16), DataLoader(val, batch_size=16))
    assert len(seen) == 2
    assert float(trainer.callback_metrics["val/pearson_best"]) == pytest.approx(max(seen))


def test_test_results_carry_the_plot_data(tmp_path) -> None:
    module, data = _module(CNN, "poisson"), Tracks(12, L // BIN, 4)
    _trainer(tmp_path).test(module, DataLoader(data, batch_size=4))
    result = module.test_results
    assert isinstance(result, TrackScores) and result.features == ["plus", "minus"]
    assert result.sample[0].shape == (12 * L // BIN, T)  # every bin: fewer than the cap
    assert result.totals[1].shape == (12, T)
    assert result.examples[0].shape == (4, T, L // BIN)
    # per track, the windows with the most signal in that track
    most = data.targets.sum(-1).topk(4, dim=0).values  # (4, T)
    assert torch.equal(result.examples[1].sum(-1), most)


def test_the_bin_sample_is_capped_uniform_and_independent_of_batching() -> None:
    g = torch.Generator().manual_seed(5)
    preds, target = torch.rand(40, 3, 10, generator=g), torch.rand(40, 3, 10, generator=g)
    whole, parts = TrackMetrics(3, sample_size=50), TrackMetrics(3, sample_size=50)
    whole.update(preds, target)
    for i in range(0, 40, 7):
        parts.update(preds[i : i + 7], target[i : i + 7])
    scores, split = whole.compute(), parts.compute()
    sample = whole.last_plot_data["sample"]
    assert sample[0].shape == (50, 3)
    for a, b in zip(sample, parts.last_plot_data["sample"], strict=True):
        assert torch.equal(a, b)
    # the sampled rows are bins of the data, and Spearman over bins is scipy's on them
    flat = preds.mT.reshape(-1, 3)
    assert all((flat == row).all(1).any() for row in sample[0])
    rho = [stats.spearmanr(sample[0][:, t], sample[1][:, t])[0] for t in range(3)]
    np.testing.assert_allclose(scores["spearman"], rho, rtol=0, atol=1e-6)
    # Pearson and MSE stream over every bin
    r = [stats.pearsonr(flat[:, t], target.mT.reshape(-1, 3)[:, t])[0] for t in range(3)]
    np.testing.assert_allclose(scores["pearson"], r, rtol=0, atol=1e-5)
    torch.testing.assert_close(scores["pearson"], split["pearson"], rtol=0, atol=1e-6)
    whole.reset()
    whole.update(preds, target)
    whole.compute()
    assert torch.equal(whole.last_plot_data["sample"][0], sample[0])  # the keys restart


def test_the_window_sample_is_capped_and_window_pearson_and_mse_stream() -> None:
    g = torch.Generator().manual_seed(6)
    preds, target = torch.rand(40, 3, 5, generator=g), torch.rand(40, 3, 5, generator=g)
    whole, parts = TrackMetrics(3, sample_size=10), TrackMetrics(3, sample_size=10)
    whole.update(preds, target)
    for i in range(0, 40, 3):
        parts.update(preds[i : i + 3], target[i : i + 3])
    scores, split = whole.compute(), parts.compute()
    sampled = whole.last_plot_data["totals"]
    assert sampled[0].shape == (10, 3)
    other = parts.last_plot_data["totals"]
    assert torch.equal(sampled[0], other[0]) and torch.equal(sampled[1], other[1])
    rho = [stats.spearmanr(sampled[0][:, t], sampled[1][:, t])[0] for t in range(3)]
    np.testing.assert_allclose(scores["spearman_windows"], rho, rtol=0, atol=1e-6)
    totals = preds.double().sum(-1).numpy(), target.double().sum(-1).numpy()
    r = [stats.pearsonr(totals[0][:, t], totals[1][:, t])[0] for t in range(3)]
    np.testing.assert_allclose(scores["pearson_windows"], r, rtol=0, atol=1e-6)
    mse = ((totals[0] - totals[1]) ** 2).mean(0)
    np.testing.assert_allclose(scores["mse_windows"], mse, rtol=1e-6)
    torch.testing.assert_close(split["mse_windows"], scores["mse_windows"])


def test_sample_sizes_and_example_tracks_are_bounded() -> None:
    assert default_sample_size(20) == 100_000
    assert default_sample_size(100) == 20_000 and default_sample_size(5_000) == 1_000
    metric = TrackMetrics(EXAMPLE_TRACKS + 2, n_examples=2)
    metric.update(torch.rand(5, EXAMPLE_TRACKS + 2, 6), torch.rand(5, EXAMPLE_TRACKS + 2, 6))
    metric.compute()
    assert metric.last_plot_data["examples"][0].shape == (2, EXAMPLE_TRACKS, 6)


def test_one_track_and_constant_tracks() -> None:
    metric = TrackMetrics(1)
    x = torch.arange(20.0).reshape(2, 1, 10)
    metric.update(x, 2 * x + 1)
    scores = metric.compute()  # torchmetrics squeezes one track's scores to 0-d
    assert float(scores["pearson"]) == pytest.approx(1.0, abs=1e-6)
    assert float(scores["spearman"]) == pytest.approx(1.0, abs=1e-6)
    flat = TrackMetrics(2)
    flat.update(torch.rand(3, 2, 4), torch.zeros(3, 2, 4))
    assert torch.isnan(flat.compute()["pearson"]).all()


def test_one_track_through_the_module(tmp_path) -> None:
    module = SequenceLitModule(CNN | {"n_tracks": 1, "channels": 8}, loss="poisson")
    data = Tracks(8, L // BIN, 6, tracks=1)
    _trainer(tmp_path).test(module, DataLoader(data, batch_size=4))
    assert module.test_results.scores["pearson"].shape == (1,)
    preds = _outputs(module, data).exp()
    r = stats.pearsonr(preds.double().ravel(), data.targets.double().ravel())[0]
    assert float(module.test_results.scores["pearson"][0]) == pytest.approx(r, **CORR)


def test_track_errors() -> None:
    output, targets = torch.zeros(2, T, 4), torch.zeros(2, T, 4)
    with pytest.raises(ValueError, match="loss='poisson' scores one tensor: set model.loss=bpnet"):
        track_loss("poisson", (output, torch.zeros(2, 1)), targets)
    with pytest.raises(ValueError, match=r"loss='bpnet' takes a model returning \(profile_logits"):
        track_loss("bpnet", output, targets)
    with pytest.raises(ValueError, match=r"predicts tracks of shape \(2, 3\) but the data has"):
        track_loss("mse", torch.zeros(2, T, 3), targets)
    with pytest.raises(ValueError, match="loss='bce' cannot score tracks"):
        track_loss("bce", output, targets)
    with pytest.raises(ValueError, match="takes one tensor"):
        track_prediction("mse", (output, output))
    with pytest.raises(ValueError, match=r"expected predictions and targets of shape \(N, 2, L\)"):
        TrackMetrics(2).update(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="sample_size must be an int >= 2"):
        TrackMetrics(2, sample_size=1)
    with pytest.raises(ValueError, match="n_tracks must be an int >= 1"):
        TrackMetrics(0)


def test_a_wrongly_shaped_track_model_is_refused_at_the_first_step(tmp_path) -> None:
    module = _module(CNN | {"bin_size": 16}, "poisson")
    loader = DataLoader(Tracks(4, L // BIN, 0), batch_size=4)
    with pytest.raises(ValueError, match=r"predicts tracks of shape \(2, 8\) but the data has"):
        _trainer(tmp_path).validate(module, loader)
