"""Per-feature evaluation metrics: AUROC / average precision and regression scores.

Each metric is a ``torchmetrics.Metric`` whose ``compute`` returns a dict of per-feature tensors
(shape ``(F,)``); :func:`macro` averages one of them over the features that could be scored.
A feature that cannot be scored in a split (too few positives, no negatives, a constant target)
is ``NaN`` and left out of the macro mean, as in the Selene SDK.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.functional.classification import (
    multilabel_auroc,
    multilabel_average_precision,
    multilabel_precision_recall_curve,
    multilabel_roc,
)
from torchmetrics.functional.regression import pearson_corrcoef, spearman_corrcoef
from torchmetrics.utilities import dim_zero_cat

from selene.utils.warnings import SeleneWarning

__all__ = [
    "BinaryFeatureMetrics",
    "FeatureCurves",
    "FeatureScores",
    "RegressionFeatureMetrics",
    "macro",
    "warn_unscored",
]

_IGNORE = -1  # target code for a missing (NaN) label, skipped per feature


def macro(values: Tensor) -> float:
    """Mean over the features that have a score (``NaN`` when none has one)."""
    values = values[~torch.isnan(values)]
    return float(values.mean()) if values.numel() else math.nan


@dataclass(frozen=True)
class FeatureCurves:
    """ROC and precision-recall curves of the features that could be scored.

    Attributes
    ----------
    index : list of int
        Indices of the scored features.
    roc : list of (Tensor, Tensor)
        ``(fpr, tpr)`` per scored feature.
    pr : list of (Tensor, Tensor)
        ``(recall, precision)`` per scored feature.
    prevalence : list of float
        Positives / labelled examples per scored feature: the precision of a model without
        skill, the precision-recall plot's baseline.
    """

    index: list[int]
    roc: list[tuple[Tensor, Tensor]]
    pr: list[tuple[Tensor, Tensor]]
    prevalence: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class FeatureScores:
    """Scores of one evaluation pass, one value per feature, ready for the writers.

    Attributes
    ----------
    features : list of str
        Feature names, in output order.
    scores : dict of str to Tensor, shape (F,)
        E.g. ``auroc``, ``auprc``, ``n_positives`` (binary) or ``pearson``, ``spearman``,
        ``mse`` (quantitative); ``NaN`` where a feature could not be scored.
    curves : FeatureCurves or None
        ROC and precision-recall curves (binary features only).
    """

    features: list[str]
    scores: dict[str, Tensor]
    curves: FeatureCurves | None = None

    def macro(self) -> dict[str, float]:
        """Macro mean of each score over the scored features (counts are left out)."""
        return {k: macro(v) for k, v in self.scores.items() if v.is_floating_point()}


class _FeatureMetric(Metric):
    """Keeps every prediction and target of a split (exact, not binned, scores)."""

    full_state_update = False
    is_differentiable = False

    def __init__(self, n_features: int) -> None:
        super().__init__()
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
        self.n_features = n_features
        self.add_state("preds", default=[], dist_reduce_fx="cat")
        self.add_state("target", default=[], dist_reduce_fx="cat")

    def _check(self, preds: Tensor, target: Tensor) -> None:
        if preds.shape != target.shape or preds.ndim != 2 or preds.shape[1] != self.n_features:
            raise ValueError(
                f"expected predictions and targets of shape (N, {self.n_features}), "
                f"got {tuple(preds.shape)} and {tuple(target.shape)}"
            )

    def pending(self) -> tuple[Tensor, Tensor] | None:
        """Return what the updates since the last reset kept (this process's), or None."""
        return self._state() if self.update_count else None

    def restore(self, preds: Tensor, target: Tensor) -> None:
        """Keep :meth:`pending`'s tensors again, as one update (a resumed run's metric)."""
        self.preds.append(preds.to(self.device))
        self.target.append(target.to(self.device))
        self._update_count += 1  # what torchmetrics' update wrapper counts

    def _state(self) -> tuple[Tensor, Tensor]:
        if isinstance(self.preds, list) and not self.preds:
            raise RuntimeError(f"{type(self).__name__}.compute() called before any update()")
        return dim_zero_cat(self.preds), dim_zero_cat(self.target)


class BinaryFeatureMetrics(_FeatureMetric):
    """AUROC and average precision (AUPRC) per binary feature.

    Scores equal scikit-learn's ``roc_auc_score`` and ``average_precision_score`` per feature.

    Parameters
    ----------
    n_features : int
        Number of features (columns) predicted.
    min_positives : int
        A feature with fewer positives than this in the split, or with no negatives, is ``NaN``.
        Selene's ``report_gt_feature_n_positives=k`` (strictly more than ``k``) is
        ``min_positives=k + 1``.
    """

    higher_is_better = True

    def __init__(self, n_features: int, min_positives: int = 10) -> None:
        super().__init__(n_features)
        self.min_positives = min_positives

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of probabilities ``(N, F)`` and 0/1 targets ``(N, F)`` (NaN: missing)."""
        self._check(preds, target)
        code = (target >= 0.5).to(torch.int8)
        if target.is_floating_point():
            code[torch.isnan(target)] = _IGNORE
        self.preds.append(preds.detach().float())
        self.target.append(code)

    def counts(self) -> tuple[Tensor, Tensor]:
        """Positives and negatives per feature, shape ``(F,)`` each."""
        _, target = self._state()
        return (target == 1).sum(0), (target == 0).sum(0)

    def _valid(self, target: Tensor) -> Tensor:
        n_pos, n_neg = (target == 1).sum(0), (target == 0).sum(0)
        return (n_pos >= max(self.min_positives, 1)) & (n_neg > 0)

    def compute(self) -> dict[str, Tensor]:
        """Per-feature ``auroc``, ``auprc`` (``NaN`` where not scored) and ``n_positives``."""
        preds, target = self._state()
        valid = self._valid(target)
        auroc = torch.full((self.n_features,), math.nan, device=preds.device)
        auprc = auroc.clone()
        if valid.any():
            p, t, k = preds[:, valid], target[:, valid], int(valid.sum())
            kw = {"num_labels": k, "average": "none", "validate_args": False}
            auroc[valid] = multilabel_auroc(p, t, ignore_index=_IGNORE, **kw).float()
            auprc[valid] = multilabel_average_precision(p, t, ignore_index=_IGNORE, **kw).float()
        return {"auroc": auroc, "auprc": auprc, "n_positives": (target == 1).sum(0)}

    def curves(self) -> FeatureCurves:
        """ROC and precision-recall curves of the scored features."""
        preds, target = self._state()
        valid = self._valid(target)
        index = valid.nonzero().flatten().tolist()
        if not index:
            return FeatureCurves([], [], [])
        p, t = preds[:, valid], target[:, valid]
        kw = {"num_labels": len(index), "ignore_index": _IGNORE, "validate_args": False}
        fpr, tpr, _ = multilabel_roc(p, t, **kw)
        precision, recall, _ = multilabel_precision_recall_curve(p, t, **kw)
        n_pos, n_neg = (t == 1).sum(0), (t == 0).sum(0)
        return FeatureCurves(
            index,
            list(zip(fpr, tpr, strict=True)),
            list(zip(recall, precision, strict=True)),
            (n_pos / (n_pos + n_neg)).tolist(),
        )


class RegressionFeatureMetrics(_FeatureMetric):
    """Pearson and Spearman correlation and mean squared error per quantitative feature.

    Parameters
    ----------
    n_features : int
        Number of features (columns) predicted.
    """

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of predictions ``(N, F)`` and targets ``(N, F)``."""
        self._check(preds, target)
        self.preds.append(preds.detach().float())
        self.target.append(target.detach().float())

    def compute(self) -> dict[str, Tensor]:
        """Per-feature ``pearson``, ``spearman`` (``NaN`` for a constant column) and ``mse``."""
        preds, target = self._state()
        mse = ((preds - target) ** 2).mean(0)
        if preds.shape[0] < 2:
            nan = torch.full_like(mse, math.nan)
            return {"pearson": nan, "spearman": nan.clone(), "mse": mse}
        constant = (target.std(0) == 0) | (preds.std(0) == 0)
        squeeze = (lambda x: x[:, 0]) if self.n_features == 1 else (lambda x: x)
        pearson = pearson_corrcoef(squeeze(preds), squeeze(target)).reshape(-1).float()
        spearman = spearman_corrcoef(squeeze(preds), squeeze(target)).reshape(-1).float()
        pearson[constant], spearman[constant] = math.nan, math.nan
        return {"pearson": pearson, "spearman": spearman, "mse": mse}


def warn_unscored(result: FeatureScores, split: str, min_positives: int) -> None:
    """Warn when no binary feature of ``split`` could be scored, so its macro scores are NaN.

    Parameters
    ----------
    result : FeatureScores
        One evaluation pass (regression scores, which have no ``auroc``, are left alone).
    split : str
        ``train``, ``val`` or ``test``: the metric prefix, named in the warning.
    min_positives : int
        The positives a feature needs to be scored (``model.min_positives``).
    """
    auroc = result.scores.get("auroc")
    if auroc is None or not bool(torch.isnan(auroc).all()):
        return
    n_positives = result.scores["n_positives"]
    short = int((n_positives < min_positives).sum())
    more = {
        "train": "a longer trainer.val_check_interval (train scores cover the steps between "
        "validations)",
        "val": "more validation windows (e.g. data.n_validation_samples)",
        "test": "more test windows (e.g. data.n_test_samples)",
    }.get(split, f"more {split} windows")
    warnings.warn(
        f"{split}/auroc and {split}/auprc are NaN: no {split} feature has both "
        f"model.min_positives={min_positives} positives and a negative ({short} of "
        f"{len(n_positives)} features have fewer positives; the most any has is "
        f"{int(n_positives.max())}). Lower model.min_positives (e.g. model.min_positives=1) "
        f"or give {more}",
        SeleneWarning,
        stacklevel=2,
    )
