"""Scores of quantitative tracks: Pearson and Spearman per track, over bins and over windows.

Predictions and targets are ``(N, T, L)``: windows, tracks, bins. Each track is scored twice:

- over bins (``pearson``, ``spearman``, ``mse``): every bin of every window is one point;
- over windows (``pearson_windows``, ``spearman_windows``, ``mse_windows``): one point per
  window, its total over the bins (what a counts head or a peak caller sees).

Memory is bounded whatever the number of windows scored. Pearson and MSE stream (torchmetrics'
``PearsonCorrCoef`` keeps running moments, in float64), so they are exact over every bin and
window. Spearman needs every value to rank them, so it is computed over a uniform random sample
of at most ``sample_size`` bins (window and bin positions, the same for every track), and of as
many windows: exact while fewer were seen, within about ``1 / sqrt(sample_size)`` beyond (0.003
at 100,000). By default ``sample_size`` is 100,000, lowered for many tracks so that a sample
holds at most 2 million values per kind (but at least 1,000 rows): about 64 MB at most while
it fills. Each sample is a bottom-k sample (each row draws a random key; the smallest keys are
kept), so batches and processes merge by keeping the smallest keys again, and the sample does
not depend on how the windows were batched. The samples feed the scatter plots; for each of
the first ``EXAMPLE_TRACKS`` tracks, the ``n_examples`` windows with the most observed signal
in it are kept whole for the track plots (:mod:`selene.models.track_reports`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor
from torchmetrics import Metric, PearsonCorrCoef
from torchmetrics.functional.regression import spearman_corrcoef
from torchmetrics.utilities import dim_zero_cat

from selene.models._track_state import pending_state, restore_state
from selene.models.metrics import FeatureScores

__all__ = ["EXAMPLE_TRACKS", "TrackMetrics", "TrackScores", "default_sample_size"]

SAMPLE_SIZE = 100_000  # bins (and windows) kept per split for Spearman and the scatter plots
SAMPLE_VALUES = 2_000_000  # ... lowered so that a sample holds at most this many values
MIN_SAMPLE_SIZE = 1_000
N_EXAMPLES = 4  # windows kept whole per drawn track for the track plots
EXAMPLE_TRACKS = 8  # tracks drawn in the track plots (the table has them all)


def default_sample_size(n_tracks: int) -> int:
    """Return the default ``sample_size`` for ``n_tracks`` tracks (module docstring)."""
    return min(SAMPLE_SIZE, max(MIN_SAMPLE_SIZE, SAMPLE_VALUES // n_tracks))


@dataclass(frozen=True)
class TrackScores(FeatureScores):
    """Per-track scores of one evaluation pass, with what the track plots draw.

    Attributes
    ----------
    sample : tuple of Tensor, shape (K, T) each, optional
        Predicted and observed values of the sampled bins.
    totals : tuple of Tensor, shape (K, T) each, optional
        Predicted and observed totals of the sampled windows.
    examples : tuple of Tensor, shape (E, min(T, EXAMPLE_TRACKS), L) each, optional
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
    sample_size : int, optional
        Most bins, and most windows, kept for Spearman and the scatter plots (see the module
        docstring); None: :func:`default_sample_size`.
    n_examples : int
        Windows kept whole per drawn track for the track plots.
    seed : int
        Seed of the samples' random keys (restarted by ``reset``).
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    def __init__(
        self,
        n_tracks: int,
        sample_size: int | None = None,
        n_examples: int = N_EXAMPLES,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(n_tracks, int) or n_tracks < 1:
            raise ValueError(f"TrackMetrics: n_tracks must be an int >= 1, got {n_tracks!r}")
        if sample_size is None:
            sample_size = default_sample_size(n_tracks)
        if not isinstance(sample_size, int) or sample_size < 2:
            raise ValueError(f"TrackMetrics: sample_size must be an int >= 2, got {sample_size!r}")
        self.n_tracks, self.sample_size, self.n_examples = n_tracks, sample_size, n_examples
        self.seed = seed
        # one key stream per sample: the samples do not depend on the batching
        self._generators = [torch.Generator().manual_seed(seed + i) for i in range(2)]
        # running moments in float64: the bins of a whole genome do not fit float32 sums
        self.pearson = PearsonCorrCoef(num_outputs=n_tracks).set_dtype(torch.float64)
        self.pearson_windows = PearsonCorrCoef(num_outputs=n_tracks).set_dtype(torch.float64)
        for name in ("squared_error", "squared_error_windows"):
            self.add_state(name, torch.zeros(n_tracks, dtype=torch.float64), "sum")
        for name in ("n_bins", "n_windows"):
            self.add_state(name, torch.zeros((), dtype=torch.float64), "sum")
        for kind in ("sample", "window", "example"):
            for part in ("key", "preds", "target"):
                self.add_state(f"{kind}_{part}", default=[], dist_reduce_fx="cat")
        self.last_plot_data: dict[str, tuple[Tensor, Tensor]] = {}

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of predicted and observed tracks, ``(N, T, L)`` each."""
        if preds.shape != target.shape or preds.ndim != 3 or preds.shape[1] != self.n_tracks:
            raise ValueError(
                f"TrackMetrics: expected predictions and targets of shape (N, {self.n_tracks}, "
                f"L), got {tuple(preds.shape)} and {tuple(target.shape)}"
            )
        preds, target = preds.detach().float(), target.detach().float()
        bins = (  # (N * L, T)
            preds.transpose(1, 2).reshape(-1, self.n_tracks),
            target.transpose(1, 2).reshape(-1, self.n_tracks),
        )
        totals = preds.double().sum(-1), target.double().sum(-1)  # (N, T)
        squeeze = (lambda x: x[:, 0]) if self.n_tracks == 1 else (lambda x: x)
        self.pearson.update(*(squeeze(x.double()) for x in bins))
        self.pearson_windows.update(*(squeeze(x) for x in totals))
        self.squared_error += (bins[0].double() - bins[1].double()).square().sum(0)
        self.squared_error_windows += (totals[0] - totals[1]).square().sum(0)
        self.n_bins += bins[0].shape[0]
        self.n_windows += preds.shape[0]
        for kind, generator, (p, t) in zip(
            ("sample", "window"), self._generators, (bins, totals), strict=True
        ):
            key = torch.rand(p.shape[0], generator=generator).to(preds.device)
            states = [getattr(self, f"{kind}_{part}") for part in ("key", "preds", "target")]
            _keep(*states, key, p.float(), t.float())
            if len(states[0]) > 1 and sum(len(k) for k in states[0]) > 2 * self.sample_size:
                _compact(*states, self.sample_size)
        if self.n_examples:
            drawn = slice(0, EXAMPLE_TRACKS)
            total = -target[:, drawn].sum(-1)  # (N, T'), most signal first: smallest keys kept
            states = [self.example_key, self.example_preds, self.example_target]
            _keep(*states, total, preds[:, drawn], target[:, drawn])
            _compact(*states, self.n_examples)

    def compute(self) -> dict[str, Tensor]:
        """Return per-track scores (class docstring); keep the plot data in ``last_plot_data``."""
        with warnings.catch_warnings():  # a constant track: NaN, as RegressionFeatureMetrics
            warnings.filterwarnings("ignore", "The variance of predictions or target is close")
            pearson = self.pearson.compute().reshape(-1).float()
            pearson_windows = self.pearson_windows.compute().reshape(-1).float()
        samples = {}
        for kind in ("sample", "window", "example")[: 3 if self.n_examples else 2]:
            states = [[dim_zero_cat(getattr(self, f"{kind}_{part}"))] for part in _PARTS]
            _compact(*states, self.n_examples if kind == "example" else self.sample_size)
            samples[kind] = (states[1][0], states[2][0])
        self.last_plot_data = {
            "sample": tuple(x.cpu() for x in samples["sample"]),
            "totals": tuple(x.cpu() for x in samples["window"]),
        }
        if self.n_examples:
            self.last_plot_data["examples"] = tuple(x.cpu() for x in samples["example"])
        spearman = _spearman(*(x.double() for x in samples["sample"]))
        spearman_windows = _spearman(*(x.double() for x in samples["window"]))
        return {
            "pearson": pearson,
            "spearman": spearman.to(pearson.device),
            "mse": (self.squared_error / self.n_bins).float(),
            "pearson_windows": pearson_windows,
            "spearman_windows": spearman_windows.to(pearson.device),
            "mse_windows": (self.squared_error_windows / self.n_windows).float(),
        }

    def reset(self) -> None:
        """Forget every batch (and restart the samples' random keys)."""
        super().reset()
        self.pearson.reset()
        self.pearson_windows.reset()
        for i, generator in enumerate(self._generators):
            generator.manual_seed(self.seed + i)

    def pending(self) -> dict[str, Tensor] | None:
        """Return the running state since the last reset, or None before any update.

        A flat ``{name: Tensor}`` (:mod:`selene.models._track_state`), merged over processes
        when there are several: what a checkpoint saved between two reports keeps.
        """
        return pending_state(self) if self.update_count else None

    def restore(self, state: Mapping[str, Tensor], scores: bool = True) -> None:
        """Take :meth:`pending`'s ``state`` (a resumed run's metric goes on from it).

        Parameters
        ----------
        state : Mapping
            What :meth:`pending` returned.
        scores : bool
            False: restore only the samples' random key streams (the processes of a resumed
            run but the first, which takes the merged scores).
        """
        restore_state(self, state, scores)


_PARTS = ("key", "preds", "target")


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


def _spearman(preds: Tensor, target: Tensor) -> Tensor:
    """Spearman per column of ``(K, T)``, ``NaN`` where constant or ``K < 2``."""
    n_tracks = preds.shape[1]
    if preds.shape[0] < 2:
        return torch.full((n_tracks,), math.nan, device=preds.device)
    squeeze = (lambda x: x[:, 0]) if n_tracks == 1 else (lambda x: x)
    rho = spearman_corrcoef(squeeze(preds), squeeze(target)).reshape(-1).float()
    rho[(preds.std(0) == 0) | (target.std(0) == 0)] = math.nan
    return rho
