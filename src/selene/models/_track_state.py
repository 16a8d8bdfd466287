"""The running state of :class:`~selene.models.track_metrics.TrackMetrics` as plain tensors.

A checkpoint saved between two reports keeps the train scores' state (``train_scores``), so
that a resumed run reports the same ``train/pearson`` as one never interrupted. The state is a
flat ``{name: Tensor}`` (``torch.load(weights_only=True)`` reads it back):

- the metric's own states (sums, counts, and the bottom-k samples concatenated);
- ``pearson.<state>`` and ``pearson_windows.<state>``: the running moments of the two
  :class:`torchmetrics.PearsonCorrCoef`;
- ``generator_<i>``: the samples' random key streams, so the rows drawn after a resume are
  those an uninterrupted run draws;
- ``update_count``.

Under several processes the states are gathered and merged into one (sums added, samples
pooled and cut back to their size, moments merged by Chan et al.'s pairwise rule), which the
resumed run's first process takes; the others restore only the key streams (equal on every
process: same seed, same number of updates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
import torch.distributed as dist
from torch import Tensor
from torchmetrics.utilities import dim_zero_cat
from torchmetrics.utilities.distributed import gather_all_tensors

if TYPE_CHECKING:
    from selene.models.track_metrics import TrackMetrics

__all__ = ["merge_states", "pending_state", "restore_state"]

_MOMENTS = ("pearson", "pearson_windows")


def pending_state(metric: TrackMetrics) -> dict[str, Tensor]:
    """Return ``metric``'s state (module docstring), merged over processes when there are more."""
    state = {name: _plain(getattr(metric, name)) for name in metric._defaults}
    for prefix in _MOMENTS:
        child = getattr(metric, prefix)
        state |= {f"{prefix}.{name}": getattr(child, name).clone() for name in child._defaults}
    for i, generator in enumerate(metric._generators):
        state[f"generator_{i}"] = generator.get_state()
    state["update_count"] = torch.tensor(metric.update_count)
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        on_device = {k: v.to(metric.device) for k, v in state.items()}
        gathered = {k: gather_all_tensors(v) for k, v in on_device.items()}
        ranks = [
            {k: v[r].cpu() for k, v in gathered.items()} for r in range(len(gathered["n_bins"]))
        ]
        state = merge_states(ranks, metric.sample_size, metric.n_examples)
    return state


def restore_state(metric: TrackMetrics, state: Mapping[str, Tensor], scores: bool = True) -> None:
    """Load :func:`pending_state`'s ``state`` into a fresh ``metric`` (``scores=False``: keys).

    Raises
    ------
    ValueError
        If the state is of another number of tracks, or lacks a state this metric keeps.
    """
    missing = [k for k in _names(metric) if k not in state]
    if missing or state["squared_error"].shape != (metric.n_tracks,):
        got = tuple(state["squared_error"].shape) if "squared_error" in state else "none"
        raise ValueError(
            f"the checkpoint's train_scores do not fit TrackMetrics({metric.n_tracks}): missing "
            f"{missing[:3]}, tracks {got}; resume with the model and data the checkpoint was "
            "trained on"
        )
    for i, generator in enumerate(metric._generators):
        generator.set_state(state[f"generator_{i}"])
    if not scores:
        return
    for name, default in metric._defaults.items():
        value = state[name].to(metric.device)
        if isinstance(default, list):  # a list state: its rows as one tensor (none: empty)
            value = [value] if len(value) else []
        setattr(metric, name, value)
    count = int(state["update_count"])
    for prefix in _MOMENTS:
        child = getattr(metric, prefix)
        for name in child._defaults:
            setattr(child, name, state[f"{prefix}.{name}"].to(metric.device))
        child._update_count, child._computed = count, None
    metric._update_count, metric._computed = count, None  # what torchmetrics' update counts


def merge_states(states: list[Mapping[str, Tensor]], sample_size: int, n_examples: int) -> dict:
    """Merge the states of several processes into one (module docstring)."""
    merged = dict(states[0])
    for other in states[1:]:
        for name in ("squared_error", "squared_error_windows", "n_bins", "n_windows"):
            merged[name] = merged[name] + other[name]
        for kind, k in (("sample", sample_size), ("window", sample_size), ("example", n_examples)):
            parts = [torch.cat([merged[f"{kind}_{p}"], other[f"{kind}_{p}"]]) for p in _PARTS]
            if len(parts[0]):
                order = parts[0].argsort(dim=0, stable=True)[:k]
                parts = [_take(x, order) for x in parts]
            merged |= {f"{kind}_{p}": x for p, x in zip(_PARTS, parts, strict=True)}
        for prefix in _MOMENTS:
            merged |= _merge_moments(merged, other, prefix)
    return merged


_PARTS = ("key", "preds", "target")


def _take(x: Tensor, order: Tensor) -> Tensor:
    """Rows ``order`` of ``x``: one row index per row (keys ``(M,)``) or per track ``(M, T)``."""
    if order.dim() == 1:
        return x[order]
    index = order.reshape(*order.shape, *(1,) * (x.dim() - 2)).expand(-1, -1, *x.shape[2:])
    return x.gather(0, index)


def _merge_moments(a: Mapping[str, Tensor], b: Mapping[str, Tensor], prefix: str) -> dict:
    """Pool two PearsonCorrCoef states (Chan, Golub and LeVeque's pairwise update).

    Hand-written: torchmetrics merges its processes' moments in a private function whose
    arguments changed between the versions we support.
    """
    get = {s: (a[f"{prefix}.{s}"], b[f"{prefix}.{s}"]) for s in ("n_total", "mean_x", "mean_y")}
    (n1, n2), (mx1, mx2), (my1, my2) = get["n_total"], get["mean_x"], get["mean_y"]
    n = n1 + n2
    safe = torch.where(n > 0, n, torch.ones_like(n))
    weight, dx, dy = n1 * n2 / safe, mx2 - mx1, my2 - my1
    out = {
        "n_total": n,
        "mean_x": (n1 * mx1 + n2 * mx2) / safe,
        "mean_y": (n1 * my1 + n2 * my2) / safe,
        "var_x": a[f"{prefix}.var_x"] + b[f"{prefix}.var_x"] + weight * dx.square(),
        "var_y": a[f"{prefix}.var_y"] + b[f"{prefix}.var_y"] + weight * dy.square(),
        "corr_xy": a[f"{prefix}.corr_xy"] + b[f"{prefix}.corr_xy"] + weight * dx * dy,
    }
    for name in (k.split(".", 1)[1] for k in a if k.startswith(f"{prefix}.max_abs")):
        out[name] = torch.maximum(a[f"{prefix}.{name}"], b[f"{prefix}.{name}"])
    return {f"{prefix}.{k}": v for k, v in out.items()}


def _plain(value: Tensor | list[Tensor]) -> Tensor:
    if isinstance(value, list):  # no rows (no examples kept): an empty tensor
        return dim_zero_cat(value).clone() if value else torch.empty(0)
    return value.clone()


def _names(metric: TrackMetrics) -> list[str]:
    names = [*metric._defaults, "update_count"]
    names += [f"generator_{i}" for i in range(len(metric._generators))]
    for prefix in _MOMENTS:
        names += [f"{prefix}.{name}" for name in getattr(metric, prefix)._defaults]
    return names
