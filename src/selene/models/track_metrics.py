"""Scores of quantitative tracks: Pearson and Spearman per track, over bins and over windows.

Predictions and targets are ``(N, T, L)``: windows, tracks, bins. Each track is scored twice:

- over bins (``pearson``, ``spearman``, ``mse``): every bin of every window is one point;
- over windows (``pearson_windows``, ``spearman_windows``, ``mse_windows``): one point per
  window, its total over the bins (what a counts head or a peak caller sees).

Memory is bounded whatever the number of bins scored. Pearson and MSE over bins stream
(torchmetrics' ``PearsonCorrCoef`` keeps running moments, in float64). Spearman needs every
value to rank them, so it is computed over a uniform random sample of at most ``sample_bins``
bins (window and bin positions, the same for every track): exact while fewer bins were seen,
within about ``1 / sqrt(sample_bins)`` (0.003 at the default) beyond. The sample is a bottom-k
sample (each bin draws a random key; the ``sample_bins`` smallest keys are kept), so batches and
processes merge by keeping the smallest keys again. Per-window totals are all kept (``N x T``
values). The same sample feeds the scatter plots, and for each track the ``n_examples``
windows with the most observed signal in it are kept whole for the track plots
(:mod:`selene.models.track_reports`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
from torch import Tensor
from torchmetrics import Metric, PearsonCorrCoef
from torchmetrics.functional.regression import pearson_corrcoef, spearman_corrcoef
from torchmetrics.utilities import dim_zero_cat

from selene.models.metrics import FeatureScores

__all__ = ["TrackMetrics", "TrackScores"]

SAMPLE_BINS = 100_000  # bins kept per split for Spearman and the scatter plots (per process)
N_EXAMPLES = 4  # windows kept whole for the track plots


@dataclass(frozen=True)
class TrackScores(FeatureScores):
    """Per-track scores of one evaluation pass, with what the track plots draw.

    Attributes
    ----------
    sample : tuple of Tensor, shape (K, T) each, optional
        Predicted and observed values of the sampled bins.
    totals : tuple of Tensor, shape (N, T) each, optional
        Predicted and observed totals of every window.
    examples : tuple of Tensor, shape (E, T, L) each, optional
        Predicted and observed tracks: ``[e, t]`` is track ``t`` in the window with the
        ``e + 1``-th most observed signal in track ``t``.
    """

    sample: tuple[Tensor, Tensor] | None = None
    totals: tuple[Tensor, Tensor] | None = None
    examples: tuple[Tensor, Tensor] | None = None


class TrackMetrics(Metric):
    """Pearson, Spearman and MSE per track, over bins and over per-window totals.

    ``compute`` returns ``pearson``, ``spearman``, ``mse``, ``pearson_windows``,
    ``spearman_windows``, ``mse_windows``, each of shape ``(T,)``; a correlation is ``NaN`` for
    a track whose predictions or targets are constant.

    Parameters
    ----------
    n_tracks : int
        Tracks (axis 1 of the predictions).
    sample_bins : int
        Most bins kept for Spearman over bins and the scatter plots (see the module docstring).
    n_examples : int
        Windows kept whole for the track plots.
    seed : int
        Seed of the sample's random keys (reset with the metric).
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    def __init__(
        self,
        n_tracks: int,
        sample_bins: int = SAMPLE_BINS,
        n_examples: int = N_EXAMPLES,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for name, value, low in (("n_tracks", n_tracks, 1), ("sample_bins", sample_bins, 2)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"TrackMetrics: {name} must be an int >= {low}, got {value!r}")
        self.n_tracks, self.sample_bins, self.n_examples = n_tracks, sample_bins, n_examples
        self.seed = seed
        self._generator = torch.Generator().manual_seed(seed)
        # running moments in float64: the bins of a whole genome do not fit float32 sums
        self.pearson = PearsonCorrCoef(num_outputs=n_tracks).set_dtype(torch.float64)
        self.add_state("squared_error", torch.zeros(n_tracks, dtype=torch.float64), "sum")
        self.add_state("n_bins", torch.zeros((), dtype=torch.float64), "sum")
        for name in ("total_preds", "total_target", "sample_key", "sample_preds", "sample_target"):
            self.add_state(name, default=[], dist_reduce_fx="cat")
        for name in ("example_total", "example_preds", "example_target"):
            self.add_state(name, default=[], dist_reduce_fx="cat")
        self.last_plot_data: dict[str, tuple[Tensor, Tensor]] = {}

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of predicted and observed tracks, ``(N, T, L)`` each."""
        if preds.shape != target.shape or preds.ndim != 3 or preds.shape[1] != self.n_tracks:
            raise ValueError(
                f"TrackMetrics: expected predictions and targets of shape (N, {self.n_tracks}, "
                f"L), got {tuple(preds.shape)} and {tuple(target.shape)}"
            )
        preds, target = preds.detach().float(), target.detach().float()
        bins_p = preds.transpose(1, 2).reshape(-1, self.n_tracks)  # (N * L, T)
        bins_t = target.transpose(1, 2).reshape(-1, self.n_tracks)
        squeeze = (lambda x: x[:, 0]) if self.n_tracks == 1 else (lambda x: x)
        self.pearson.update(squeeze(bins_p.double()), squeeze(bins_t.double()))
        self.squared_error += (bins_p.double() - bins_t.double()).square().sum(0)
        self.n_bins += bins_p.shape[0]
        self.total_preds.append(preds.double().sum(-1))
        self.total_target.append(target.double().sum(-1))

        key = torch.rand(bins_p.shape[0], generator=self._generator).to(preds.device)
        _keep(self.sample_key, self.sample_preds, self.sample_target, key, bins_p, bins_t)
        if (
            len(self.sample_key) > 1
            and sum(len(k) for k in self.sample_key) > 2 * self.sample_bins
        ):
            _compact(self.sample_key, self.sample_preds, self.sample_target, self.sample_bins)
        if self.n_examples:
            total = -target.sum(-1)  # (N, T), most signal first: the smallest keys are kept
            _keep(
                self.example_total, self.example_preds, self.example_target, total, preds, target
            )
            _compact(self.example_total, self.example_preds, self.example_target, self.n_examples)

    def compute(self) -> dict[str, Tensor]:
        """Return per-track scores (class docstring); keep the plot data in ``last_plot_data``."""
        with warnings.catch_warnings():  # a constant track: NaN, as RegressionFeatureMetrics
            warnings.filterwarnings("ignore", "The variance of predictions or target is close")
            pearson = self.pearson.compute().reshape(-1).float()
        key, preds, target = (
            dim_zero_cat(x) for x in (self.sample_key, self.sample_preds, self.sample_target)
        )
        order = key.argsort()[: self.sample_bins]
        preds, target = preds[order], target[order]
        totals = dim_zero_cat(self.total_preds), dim_zero_cat(self.total_target)
        self.last_plot_data = {
            "sample": (preds.cpu(), target.cpu()),
            "totals": (totals[0].float().cpu(), totals[1].float().cpu()),
        }
        if self.n_examples:
            examples = [self.example_total, self.example_preds, self.example_target]
            examples = [[dim_zero_cat(x)] for x in examples]  # gathered from every process
            _compact(*examples, self.n_examples)
            self.last_plot_data["examples"] = (examples[1][0].cpu(), examples[2][0].cpu())
        pearson_windows, spearman_windows = _correlations(*totals)
        return {
            "pearson": pearson,
            "spearman": _correlations(preds.double(), target.double())[1],
            "mse": (self.squared_error / self.n_bins).float(),
            "pearson_windows": pearson_windows,
            "spearman_windows": spearman_windows,
            "mse_windows": (totals[0] - totals[1]).square().mean(0).float(),
        }

    def reset(self) -> None:
        """Forget every batch (and restart the sample's random keys)."""
        super().reset()
        self.pearson.reset()
        self._generator.manual_seed(self.seed)

    def pending(self) -> None:
        """Nothing to carry over a checkpoint: a resumed run scores the batches after it."""
        return None


def _keep(keys: list, first: list, second: list, key: Tensor, a: Tensor, b: Tensor) -> None:
    keys.append(key)
    first.append(a)
    second.append(b)


def _compact(keys: list, first: list, second: list, k: int) -> None:
    """Keep the ``k`` rows with the smallest keys, in place (the lists are metric states).

    Keys ``(M,)`` pick rows; keys ``(M, T)`` pick rows per column (per track) of ``(M, T, ...)``.
    """
    key = torch.cat(keys)
    order = key.argsort(dim=0, stable=True)[:k]
    if key.dim() == 1:
        a, b = torch.cat(first)[order], torch.cat(second)[order]
        keys[:], first[:], second[:] = [key[order]], [a], [b]
        return
    a, b = torch.cat(first), torch.cat(second)
    index = order.reshape(*order.shape, *(1,) * (a.dim() - 2)).expand(-1, -1, *a.shape[2:])
    keys[:], first[:], second[:] = (
        [key.gather(0, order)],
        [a.gather(0, index)],
        [b.gather(0, index)],
    )


def _correlations(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Pearson and Spearman per column of ``(K, T)``, ``NaN`` where constant or ``K < 2``."""
    n_tracks = preds.shape[1]
    if preds.shape[0] < 2:
        nan = torch.full((n_tracks,), math.nan, device=preds.device)
        return nan, nan.clone()
    squeeze = (lambda x: x[:, 0]) if n_tracks == 1 else (lambda x: x)
    constant = (preds.std(0) == 0) | (target.std(0) == 0)
    with warnings.catch_warnings():  # a constant column: NaN, said by the caller's docs
        warnings.filterwarnings("ignore", "The variance of predictions or target is close")
        r = pearson_corrcoef(squeeze(preds), squeeze(target)).reshape(-1).float()
    rho = spearman_corrcoef(squeeze(preds), squeeze(target)).reshape(-1).float()
    r[constant], rho[constant] = math.nan, math.nan
    return r, rho
