"""Selene's ``train_model: !obj:TrainModel`` and ``evaluate_model: !obj:EvaluateModel`` keys.

Each key lands where our apps read it (``data``, ``trainer``, ``model``, ``callbacks``, the top
level) or, when it has no meaning here (``use_cuda``, ``cpu_n_threads``, ...), is dropped with
a note that says what stands for it.
"""

from __future__ import annotations

from typing import Any

from selene.compat._sampler import value_config
from selene.compat._source import Source, put
from selene.compat._yaml import Import, Obj, SeleneMap

__all__ = ["apply_evaluate_model", "apply_train_model"]

# key -> dotted destination in the experiment
_TRAIN_DIRECT = {
    "batch_size": "data.batch_size",
    "max_steps": "trainer.max_steps",
    "report_stats_every_n_steps": "trainer.val_check_interval",
    "n_validation_samples": "data.n_validation_samples",
    "n_test_samples": "data.n_test_samples",
    "report_gt_feature_n_positives": "model.min_positives",
    "deterministic": "trainer.deterministic",
}
# key -> why it is dropped
_DROPPED = {
    "use_cuda": "the accelerator is chosen for you (trainer.accelerator: auto, the GPU when "
    "there is one); trainer=gpu requires one, trainer=cpu avoids it",
    "cpu_n_threads": "PyTorch's CPU threads: it uses every core by default (loader processes "
    "are data.num_workers)",
    "logging_verbosity": "selene logs train/loss every trainer.log_every_n_steps and the "
    "validation metrics at each validation (hydra.verbose=true for DEBUG)",
    "save_checkpoint_every_n_steps": "checkpoints are written at each validation "
    "(trainer.val_check_interval): the best as best-step<N>.ckpt, the latest as last.ckpt",
    "save_new_checkpoints_after_n_steps": "selene keeps the best and the last checkpoint",
    "output_dir": "(Selene 0.1's place for it) is read as the top-level output_dir",
}
_MONITOR = {"roc_auc": ("val/auroc", "max"), "average_precision": ("val/auprc", "max")}


def apply_train_model(
    src: Source, train: Any, exp: dict[str, Any], defaults: list[dict[str, Any]]
) -> None:
    """Map ``train_model``'s keys into the experiment ``exp`` (and its ``defaults``).

    Raises
    ------
    ValueError
        Naming the key, for an unknown key, a ``checkpoint_resume`` path (Selene's checkpoints
        cannot resume a selene run) or a ``stopping_criteria`` metric with no equivalent.
    """
    args = _args(src, train, "train_model", "TrainModel")
    for key, value in args.items():
        name = f"train_model.{key}"
        if key in _TRAIN_DIRECT:
            put(exp, _TRAIN_DIRECT[key], value)
        elif key == "output_dir":
            src.note(args, key, name, _DROPPED[key])
        elif key == "use_cuda" and not value:
            put(exp, "trainer.accelerator", "cpu")
        elif key in _DROPPED:
            src.note(args, key, name, f"dropped: {_DROPPED[key]}")
        elif key == "data_parallel":
            if value:
                defaults.append({"override /trainer": "ddp"})
                src.note(args, key, name, "is trainer=ddp (every GPU, one process each)")
        elif key == "checkpoint_resume":
            if value:
                raise src.error(
                    args,
                    key,
                    name,
                    "resumes a Selene SDK checkpoint, which cannot resume a selene.train run "
                    "(it lacks the optimizer's and samplers' state)",
                    "set it to False and train anew, or resume a selene.train run with "
                    "ckpt_path=<run>/checkpoints/last.ckpt",
                )
        elif key == "use_scheduler":
            if not value:
                put(exp, "model.lr_scheduler", None)
        elif key == "scheduler_kwargs":
            _scheduler(src, args, value, exp)
        elif key == "metrics":
            _metrics_note(src, args, value)
        elif key == "stopping_criteria":
            _early_stopping(src, args, value, exp)
        else:
            raise src.error(
                args,
                key,
                name,
                "is not a TrainModel argument the converter knows",
                "remove it (see the table in docs/guide.md, 'Coming from selene_sdk')",
            )


def apply_evaluate_model(src: Source, evaluate: Any, exp: dict[str, Any]) -> None:
    """Map ``evaluate_model``'s keys (checkpoint, features, batch size) into ``exp``.

    Raises
    ------
    ValueError
        Naming the key, for an unknown key.
    """
    args = _args(src, evaluate, "evaluate_model", "EvaluateModel")
    for key, value in args.items():
        name = f"evaluate_model.{key}"
        if key == "trained_model_path":
            put(exp, "ckpt_path", value)
            if isinstance(value, str) and not value.endswith(".ckpt"):
                src.note(
                    args,
                    key,
                    name,
                    "is ckpt_path: Selene SDK weights, loaded into the net of the model section "
                    "(a selene.train checkpoint, .ckpt, would bring its own model)",
                )
        elif key == "features":
            put(exp, "data.features", value_config(src, value, name))
        elif key in ("batch_size", "n_test_samples"):
            put(exp, f"data.{key}", value)
        elif key == "use_cuda":
            src.note(args, key, name, f"dropped: {_DROPPED[key]}")
        elif key == "output_dir":
            put(exp, "hydra.run.dir", value)
            src.note(args, key, name, "is hydra.run.dir (the run's directory)")
        elif key == "report_gt_feature_n_positives":
            put(exp, "_min_positives", value)  # for Selene weights; a .ckpt keeps its own
        else:
            raise src.error(
                args,
                key,
                name,
                "is not an EvaluateModel argument the converter knows",
                "remove it (see the table in docs/guide.md, 'Coming from selene_sdk')",
            )


def _args(src: Source, section: Any, name: str, cls: str) -> SeleneMap:
    if isinstance(section, Obj) and section.cls == cls:
        return section.args
    raise src.error(
        section if isinstance(section, Obj) else None,
        None,
        name,
        f"must be !obj:selene_sdk.{cls} {{...}}",
        f"tag it as Selene does: {name}: !obj:selene_sdk.{cls} {{...}}",
    )


def _scheduler(src: Source, args: SeleneMap, value: Any, exp: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        raise src.error(
            args,
            "scheduler_kwargs",
            "train_model.scheduler_kwargs",
            "must be a mapping of ReduceLROnPlateau arguments",
            "write it as {patience: 3, factor: 0.2}",
        )
    for key, arg in value.items():
        if key == "verbose":  # deprecated by PyTorch; Lightning's lr_monitor logs the rate
            src.note(value, key, "train_model.scheduler_kwargs.verbose", "dropped (lr_monitor)")
        else:
            put(exp, f"model.lr_scheduler.{key}", arg)


def _metrics_note(src: Source, args: SeleneMap, value: Any) -> None:
    names = list(value) if isinstance(value, dict) else value
    src.note(
        args,
        "metrics",
        "train_model.metrics",
        f"{names} dropped: selene logs AUROC and AUPRC per feature for classifiers, Pearson, "
        "Spearman and MSE for regression (mse/poisson losses)",
    )


def _early_stopping(src: Source, args: SeleneMap, value: Any, exp: dict[str, Any]) -> None:
    name = "train_model.stopping_criteria"
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)):
        raise src.error(
            args, "stopping_criteria", name, f"must be [metric, patience], got {value!r}", ""
        )
    metric, patience = value
    monitor = _MONITOR.get(metric)
    metrics = args.get("metrics") if isinstance(args.get("metrics"), dict) else {}
    imported = metrics.get(metric)
    if monitor is None and isinstance(imported, Import):
        for word in ("spearman", "pearson"):
            if word in imported.name.lower():
                monitor = (f"val/{word}", "max")
    if monitor is None:
        raise src.error(
            args,
            "stopping_criteria",
            name,
            f"monitors {metric!r}, which selene does not log",
            "use roc_auc or average_precision, a metric imported from a *spearman* or "
            "*pearson* function, or add an EarlyStopping callback on val/loss by hand",
        )
    put(
        exp,
        "callbacks.early_stopping",
        {
            "_target_": "pytorch_lightning.callbacks.EarlyStopping",
            "monitor": monitor[0],
            "mode": monitor[1],
            "patience": patience,  # validations, as Selene counts them
        },
    )
    src.note(args, "stopping_criteria", name, f"is an EarlyStopping callback on {monitor[0]}")
