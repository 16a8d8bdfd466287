"""The LightningModule that trains and evaluates any sequence architecture."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from torch import Tensor, nn
from torchmetrics import MaxMetric

from selene.models._configs import build, config_of, plain
from selene.models._resume import RESUME_KEYS, restore_resume_state, save_resume_state
from selene.models._track_step import is_track_step, track_loss
from selene.models.losses import (
    BEST,
    LOSS_NAMES,
    TARGET_RANGES,
    check_file_parts,
    choose_loss,
)
from selene.models.metrics import (
    BinaryFeatureMetrics,
    FeatureScores,
    RegressionFeatureMetrics,
    warn_unscored,
)
from selene.models.probability import SplitCheck, warn_if_probabilities
from selene.models.track_metrics import TrackMetrics, TrackScores
from selene.utils.warnings import SeleneWarning

__all__ = ["SequenceLitModule"]


class SequenceLitModule(pl.LightningModule):
    """Train, validate and test a bare architecture that maps one-hot sequences to logits.

    Parameters
    ----------
    net : torch.nn.Module or Mapping
        The architecture, or its Hydra config (``_target_`` and arguments). The config is kept in
        the checkpoint so that :func:`load_checkpoint` can rebuild the module alone; for a module
        it is recovered from attributes named like the constructor's arguments when possible.
    optimizer : callable or Mapping, optional
        ``params -> Optimizer`` (e.g. a partial), or its Hydra config with ``_partial_: true``.
        Needed to train only.
    lr_scheduler : callable or Mapping, optional
        ``optimizer -> LRScheduler``, or its Hydra config with ``_partial_: true``.
    loss : {"bce", "mse", "poisson", "bpnet", "file"}
        ``bce``: binary features, BCE on logits, outputs are sigmoid probabilities, scored by
        AUROC / AUPRC; a net ending in ``nn.Sigmoid`` (as the Selene SDK's do) has it split off
        (logged), and one whose outputs look like probabilities otherwise is warned about.
        ``file``: the ``criterion()`` of the model file the net was built from
        (:func:`selene.models.file_model`), computed on what the net returns, as the Selene
        SDK does (``BCELoss`` on a sigmoid net: outputs are probabilities already).
        ``mse`` (identity output) and ``poisson`` (log-rate logits, ``exp`` output):
        quantitative features, scored by Pearson, Spearman and MSE. Targets of shape
        ``(N, T, L)`` are tracks (see :mod:`selene.models._track_step`): scored per track by
        :class:`~selene.models.track_metrics.TrackMetrics`, over bins (``val/pearson``) and
        over per-window totals (``val/pearson_windows``). ``bpnet``: BPNet's pair of outputs,
        profile multinomial NLL plus log-count MSE (parts logged as ``train/profile_nll`` and
        ``train/count_mse``); the prediction is the profile times the predicted total.
    features : sequence of str, optional
        Feature names in output order; stored in the checkpoint.
    min_positives : int
        Binary features with fewer positives than this in a split are scored ``NaN``.
    lr_scheduler_monitor : str
        Metric a plateau scheduler follows.
    lr_scheduler_interval : {"validation", "step", "epoch"}
        When the scheduler steps: after every validation run (as the Selene SDK steps its
        ``ReduceLROnPlateau``), every training step, or every epoch.
    train_metrics : bool
        Also score the training batches: ``train/auroc``, ``train/auprc`` (``train/pearson``,
        ... for quantitative losses) over the batches since the last report, logged at each
        validation and at the end of each training epoch (training streams are endless, so
        reports follow validations). False saves keeping those predictions and scoring them.
    """

    def __init__(
        self,
        net: nn.Module | Mapping[str, Any],
        optimizer: Callable[..., torch.optim.Optimizer] | Mapping[str, Any] | None = None,
        lr_scheduler: Callable[..., Any] | Mapping[str, Any] | None = None,
        loss: Literal["bce", "mse", "poisson", "bpnet", "file"] = "bce",
        features: Iterable[str] | None = None,
        min_positives: int = 10,
        lr_scheduler_monitor: str = "val/loss",
        lr_scheduler_interval: Literal["validation", "step", "epoch"] = "validation",
        train_metrics: bool = True,
    ) -> None:
        super().__init__()
        if loss not in LOSS_NAMES:
            raise ValueError(f"loss must be one of {sorted(LOSS_NAMES)}, got {loss!r}")
        if lr_scheduler_interval not in ("validation", "step", "epoch"):
            raise ValueError(
                "lr_scheduler_interval must be 'validation', 'step' or 'epoch', "
                f"got {lr_scheduler_interval!r}"
            )
        net_config = plain(net) if isinstance(net, Mapping) else config_of(net)
        self.net: nn.Module = instantiate(net_config) if isinstance(net, Mapping) else net
        net_config = config_of(self.net) or net_config  # a model file's net: with its hash
        self._optimizer, self._lr_scheduler = optimizer, lr_scheduler
        self.save_hyperparameters(
            {
                "net": net_config,
                "optimizer": plain(optimizer) if isinstance(optimizer, Mapping) else None,
                "lr_scheduler": (
                    plain(lr_scheduler) if isinstance(lr_scheduler, Mapping) else None
                ),
                "loss": loss,
                "features": list(features) if features is not None else None,
                "min_positives": min_positives,
                "lr_scheduler_monitor": lr_scheduler_monitor,
                "lr_scheduler_interval": lr_scheduler_interval,
                "train_metrics": bool(train_metrics),
            }
        )
        chosen = choose_loss(loss, self.net, net_config)  # bce: a trailing sigmoid split off
        self.criterion, self._kind = chosen.criterion, chosen.kind
        self._activation = chosen.activation
        self._split, self._split_check = chosen.split, None  # a sigmoid split off (bce)
        #: what predict applies to the net's outputs (``sigmoid``, ``identity``, ...)
        self.output_activation = chosen.output
        self._probed = loss != "bce"  # bce: the first outputs are checked for probabilities
        # one per stage, built at its first batch: train_metrics, val_metrics, test_metrics
        self.metrics = nn.ModuleDict()
        # best macro validation score so far (``val/auroc_best``); kept in checkpoints
        self.val_best = MaxMetric(nan_strategy="ignore")
        self.test_results: FeatureScores | None = None
        self._resume_state: dict[str, Any] = {}  # from the checkpoint fit() resumes from

    @property
    def features(self) -> list[str] | None:
        """Feature names in output order (``None`` when not given)."""
        return self.hparams["features"]

    def forward(self, x: Tensor) -> Tensor:
        """Predict (probabilities for ``bce``, tracks for ``bpnet``) from one-hot ``(N, 4, L)``.

        Codes ``(N, L)`` are taken too.
        """
        return self._activation(self.net(_one_hot(x)))

    def setup(self, stage: str) -> None:
        """Ask the DataModule to refuse targets the loss cannot take (``bce``: outside [0, 1]).

        Fitting, also warn of a model file's ``criterion()`` / ``get_optimizer(lr)`` the config
        leaves out, and watch the first step to check that a split-off sigmoid was the output.
        """
        if stage == "fit":
            check_file_parts(self.net, self.hparams["loss"], self._optimizer)
            if self._split is not None:  # was it the output layer? (checked at the first step)
                self._split_check, self._split = SplitCheck(self.net, self._split), None
        bounds = TARGET_RANGES.get(self._kind)
        datamodule = getattr(self._trainer, "datamodule", None)
        if bounds is not None and hasattr(datamodule, "require_target_range"):
            datamodule.require_target_range(*bounds)

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Compute the loss on logits, log ``train/loss``, accumulate the train metrics."""
        loss, logits = self._shared_step(batch, "train")
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["targets"]))
        if self.hparams.get("train_metrics", True):
            self._update_metrics("train", logits, batch["targets"])
        return loss

    def on_train_epoch_end(self) -> None:
        """Log the train scores of the batches since the last validation (if any)."""
        self._log_scores("train")

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> None:
        """Log ``val/loss`` and accumulate the validation metrics."""
        self._eval_step("val", batch)

    def on_validation_epoch_end(self) -> None:
        """Log the macro validation scores (``val/auroc``, ...) and the best so far.

        The best is ``val/auroc_best`` (``val/pearson_best`` for quantitative losses), the
        maximum over this run's validations, sanity checks left out.
        """
        if not self.trainer.sanity_checking:  # the training batches since the last report
            self._log_scores("train")
        result = self._log_scores("val")
        if result is None or self.trainer.sanity_checking:
            return
        name = BEST[self._kind]
        self.val_best.update(result.macro()[name])  # NaN (nothing scored) is ignored
        best = self.val_best.compute()
        if torch.isfinite(best):  # -inf: every validation so far scored NaN
            self.log(f"val/{name}_best", best, sync_dist=True)

    def test_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> None:
        """Log ``test/loss`` and accumulate the test metrics."""
        self._eval_step("test", batch)

    def on_test_epoch_end(self) -> None:
        """Log macro test scores and keep the per-feature ones in :attr:`test_results`."""
        self.test_results = self._log_scores("test", curves=True)

    def predict_step(self, batch: Mapping[str, Tensor] | Tensor, batch_idx: int) -> Tensor:
        """Predict (probabilities for ``bce``) for a batch dict or a sequence tensor."""
        return self(batch["sequence"] if isinstance(batch, Mapping) else batch)

    def configure_optimizers(self) -> Any:
        """Build the optimizer (and scheduler) from the partials or configs given."""
        if self._optimizer is None:
            raise ValueError(
                "no optimizer to train with: pass optimizer=functools.partial(torch.optim.Adam, "
                "lr=1e-3) or a Hydra config with _partial_: true"
            )
        optimizer = build(self._optimizer)(self.parameters())
        if self._lr_scheduler is None:
            return optimizer
        interval, frequency = self.hparams["lr_scheduler_interval"], 1
        if interval == "validation":
            interval, frequency = _validation_schedule(self._trainer)
        scheduler = {
            "scheduler": build(self._lr_scheduler)(optimizer),
            "monitor": self.hparams["lr_scheduler_monitor"],
            "interval": interval,
            "frequency": frequency,
            "strict": False,  # no validation yet (or none at all): skip the step, do not fail
        }
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Keep what a resumed run needs besides Lightning's state; warn if the net is unknown.

        See :mod:`selene.models._resume`: random states, logged metrics, the best validation
        score and train scores not yet reported.
        """
        save_resume_state(self, checkpoint)
        if self.hparams["net"] is None:
            warnings.warn(
                f"the checkpoint does not record how to build {type(self.net).__name__}; pass "
                "net= to load_checkpoint, or give SequenceLitModule the net's Hydra config",
                SeleneWarning,
                stacklevel=2,
            )

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Hold the saved random states and metrics until training resumes (``on_train_start``)."""
        if self._trainer is None or self._trainer.state.fn != "fit":
            return  # testing or loading a checkpoint: nothing to resume
        self._resume_state = {key: checkpoint[key] for key in RESUME_KEYS if key in checkpoint}

    def on_train_start(self) -> None:
        """Resuming: restore random states and metrics after the loaders drew their seeds."""
        state, self._resume_state = self._resume_state, {}
        restore_resume_state(self, state)

    def _shared_step(self, batch: Mapping[str, Tensor], stage: str) -> tuple[Tensor, Any]:
        logits, targets = self.net(_one_hot(batch["sequence"])), batch["targets"]
        if self._split_check is not None and self._split_check.seen:
            check, self._split_check = self._split_check, None
            check.close(type(self.net).__name__)
        if not self._probed:
            self._probed = True
            warn_if_probabilities(logits, f"{type(self.net).__name__} with loss='bce'")
        chosen = self.hparams["loss"]  # file: as the Selene SDK, criterion(outputs, targets)
        if chosen != "file" and is_track_step(chosen, logits, targets):
            loss, parts = track_loss(chosen, logits, targets)
            for name, value in parts.items():  # bpnet: profile_nll, count_mse
                self.log(
                    f"{stage}/{name}", value, sync_dist=stage != "train", batch_size=len(targets)
                )
            return loss, logits
        if logits.shape != targets.shape:
            raise ValueError(
                f"the model predicts {tuple(logits.shape)[1:]} features per sequence but the "
                f"data has {tuple(targets.shape)[1:]} targets; build the net with "
                f"n_targets={targets.shape[-1]} or use data with {logits.shape[-1]} features"
            )
        return self.criterion(logits, targets.to(logits.dtype)), logits

    def _eval_step(self, stage: str, batch: Mapping[str, Tensor]) -> None:
        loss, logits = self._shared_step(batch, stage)
        targets = batch["targets"]
        self.log(f"{stage}/loss", loss, sync_dist=True, batch_size=len(targets))
        self._update_metrics(stage, logits, targets)

    def _update_metrics(self, stage: str, logits: Any, targets: Tensor) -> None:
        with torch.no_grad():
            preds = self._activation(logits)
        metric = self._stage_metrics(stage, targets.shape[1], tracks=targets.dim() == 3)
        metric.update(preds, targets)

    def _stage_metrics(
        self, stage: str, n: int, tracks: bool = False
    ) -> BinaryFeatureMetrics | RegressionFeatureMetrics | TrackMetrics:
        key = f"{stage}_metrics"  # not "train": nn.ModuleDict keys cannot shadow Module.train
        if key not in self.metrics:
            if tracks:
                metric = TrackMetrics(n)
            elif self._kind == "bce":
                metric = BinaryFeatureMetrics(n, self.hparams["min_positives"])
            else:
                metric = RegressionFeatureMetrics(n)
            self.metrics[key] = metric.to(self.device)
        return self.metrics[key]  # type: ignore[return-value]

    def _log_scores(self, stage: str, curves: bool = False) -> FeatureScores | None:
        metric = self.metrics[f"{stage}_metrics"] if f"{stage}_metrics" in self.metrics else None
        if metric is None or metric.update_count == 0:
            return None  # nothing since the last report (e.g. validation ended the epoch)
        # (F,) each: torchmetrics squeezes one feature's scores to 0-d tensors
        scores = {k: v.cpu().reshape(-1) for k, v in metric.compute().items()}
        n = len(next(iter(scores.values())))
        names = self.features or [f"feature_{i}" for i in range(n)]
        if isinstance(metric, TrackMetrics):  # with what the track plots draw
            result = TrackScores(names, scores, **(metric.last_plot_data if curves else {}))
        else:
            with_curves = curves and isinstance(metric, BinaryFeatureMetrics)
            result = FeatureScores(names, scores, metric.curves() if with_curves else None)
            if not (self._trainer is not None and self._trainer.sanity_checking):
                warn_unscored(result, stage, self.hparams["min_positives"])
        for name, value in result.macro().items():
            # equal on every rank (compute() gathers the states); syncing just says so
            self.log(f"{stage}/{name}", value, sync_dist=True)
        metric.reset()
        return result


def _validation_schedule(trainer: pl.Trainer | None) -> tuple[str, int]:
    """Return the scheduler interval and frequency that step it after each validation run."""
    every = getattr(trainer, "val_check_interval", 1.0)
    if isinstance(every, int) and getattr(trainer, "check_val_every_n_epoch", 1) is None:
        return "step", every
    return "epoch", getattr(trainer, "check_val_every_n_epoch", None) or 1


def _one_hot(x: Tensor) -> Tensor:
    """Codes ``(N, L)`` uint8 to one-hot ``(N, 4, L)`` float; one-hot passes through."""
    if x.dtype == torch.uint8:
        from selene.sequences import codes_to_one_hot

        return codes_to_one_hot(x)
    return x
