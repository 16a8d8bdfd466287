"""Training throughput: selene (Lightning) vs selene_sdk's TrainModel, same model, same data.

DeepSEA (1000 bp, 919 features), batch 64, SGD, windows drawn by IntervalsSampler from a
synthetic genome with 919 features. Reports samples/s and the fraction of step time spent
waiting for data (for selene: from the end of one training batch to the start of the next,
i.e. fetching, transfer and one-hot encoding; for selene_sdk: its ``_get_batch``). The selene_sdk
run happens where it is importable (``.bench/venv/bin/python scripts/bench_train.py``); elsewhere
it is skipped.

    python scripts/bench_train.py [--device cpu|cuda] [--steps 20] [--warmup 3]
    python scripts/bench_train.py --device cuda --batch-sizes 64 512 \
        --precisions 32-true bf16-mixed --json train.json    # one run per batch x precision

selene_sdk runs only at ``32-true`` (its loop has no mixed precision).
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn

from selene.datasets.synthetic import make_synthetic
from selene.models import DeepSEA, SequenceLitModule
from selene.samplers import IntervalsSampler
from selene.sequences import Genome

BATCH, LENGTH, N_FEATURES = 64, 1000, 919
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
OPTIMIZER = {"lr": 0.08, "momentum": 0.9, "weight_decay": 1e-6}
HOLDOUT = {"validation_holdout": ["chr3"], "test_holdout": ["chr4"]}


class StepTimer(pl.Callback):
    """Times each training step and the wait for its batch (end of one step -> start of next)."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.waits, self.steps = warmup, [], []
        self._end: float | None = None
        self._start = 0.0

    def _now(self, module: pl.LightningModule) -> float:
        if module.device.type == "cuda":
            torch.cuda.synchronize(module.device)
        return time.perf_counter()

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:  # noqa: D102
        self._start = self._now(module)
        if self._end is not None and batch_idx > self.warmup:
            self.waits.append(self._start - self._end)

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:  # noqa: D102
        self._end = self._now(module)
        if batch_idx >= self.warmup:
            self.steps.append(self._end - self._start)


def bench_selene(
    data,
    device: str,
    steps: int,
    warmup: int,
    workers: int,
    batch: int = BATCH,
    precision: str = "32-true",
) -> dict:
    """Lightning training with our sampler and module."""
    torch.manual_seed(0)
    sampler = IntervalsSampler(
        Genome(data.fasta),
        data.features_bed,
        data.features_txt,
        data.intervals_bed,
        sample_negative=True,
        seed=0,
        sequence_length=LENGTH,
        center_bin_to_predict=200,
        n_validation_samples=batch,
        n_test_samples=batch,
        batch_size=batch,
        num_workers=workers,
        **HOLDOUT,
    )
    module = SequenceLitModule(
        DeepSEA(LENGTH, N_FEATURES),
        functools.partial(torch.optim.SGD, **OPTIMIZER),
        features=sampler.features,
    )
    return _fit_timed(module, sampler, device, steps, warmup, precision)


def bench_demo(data_dir: Path, device: str, steps: int, warmup: int) -> dict:
    """The demo run's own data and model (conf/: data=demo, model=basset)."""
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from selene.utils.config import config_dir, fit_net_to_data

    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("train", [f"paths.data_dir={data_dir}", "paths.output_dir=."])
    torch.manual_seed(0)
    datamodule = instantiate(cfg.data)
    fit_net_to_data(cfg.model.net, datamodule.n_features, datamodule.sequence_length)
    module = instantiate(cfg.model, features=datamodule.features)
    return _fit_timed(module, datamodule, device, steps, warmup)


def _fit_timed(
    module, datamodule, device: str, steps: int, warmup: int, precision: str = "32-true"
) -> dict:
    timer = StepTimer(warmup)
    trainer = pl.Trainer(
        accelerator="gpu" if device == "cuda" else "cpu",
        devices=1,
        precision=precision,
        max_steps=warmup + steps,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[timer],
    )
    trainer.fit(module, datamodule=datamodule)
    # steps after the first measured one: each has a wait before it and a step after it
    total = sum(timer.waits) + sum(timer.steps[1:])
    return {
        "samples_per_s": datamodule.batch_size * len(timer.waits) / total,
        "data_wait_fraction": sum(timer.waits) / total,
        "step_s": total / len(timer.waits),
    }


def bench_selene_sdk(
    data, device: str, steps: int, warmup: int, batch: int = BATCH
) -> dict | None:
    """selene_sdk 0.6.0's TrainModel loop with its IntervalsSampler, the same architecture."""
    try:
        from selene_sdk import TrainModel
        from selene_sdk.samplers import IntervalsSampler as SdkIntervals
        from selene_sdk.sequences import Genome as SdkGenome
    except ImportError:
        return None
    torch.manual_seed(0)
    threads = torch.get_num_threads()  # TrainModel sets this globally: keep ours
    features = data.features_txt.read_text().split()
    sampler = SdkIntervals(
        SdkGenome(str(data.fasta)),
        str(data.features_bed),
        features,
        str(data.intervals_bed),
        sample_negative=True,
        seed=0,
        sequence_length=LENGTH,
        center_bin_to_predict=200,
        **HOLDOUT,
    )
    model = nn.Sequential(DeepSEA(LENGTH, N_FEATURES), nn.Sigmoid())  # Selene's models end so
    with tempfile.TemporaryDirectory() as out:
        trainer = TrainModel(
            model,
            sampler,
            nn.BCELoss(),
            torch.optim.SGD,
            OPTIMIZER,
            batch_size=batch,
            max_steps=warmup + steps,
            report_stats_every_n_steps=10**9,
            output_dir=out,
            n_validation_samples=batch,
            cpu_n_threads=threads,
            use_cuda=device == "cuda",
            logging_verbosity=0,
            scheduler_kwargs={"patience": 16, "factor": 0.8},  # torch 2.x has no verbose=
        )
        waits: list[float] = []
        get_batch = trainer._get_batch

        def timed_get_batch():
            start = time.perf_counter()
            batch = get_batch()
            waits.append(time.perf_counter() - start)
            return batch

        trainer._get_batch = timed_get_batch
        for _ in range(warmup):
            trainer.train()
        waits.clear()
        start = time.perf_counter()
        for _ in range(steps):
            trainer.train()
        total = time.perf_counter() - start
    torch.set_num_threads(threads)
    return {
        "samples_per_s": batch * steps / total,
        "data_wait_fraction": float(np.sum(waits)) / total,
        "step_s": total / steps,
    }


def run_one(args, data, device: str, workers: int, batch: int, precision: str, demo: bool) -> dict:
    """Time one batch size at one precision; print its table and return its summary."""
    ours = bench_selene(data, device, args.steps, args.warmup, workers, batch, precision)
    sdk = None
    if not args.skip_sdk and precision == "32-true":
        sdk = bench_selene_sdk(data, device, args.steps, args.warmup, batch)
    demo_result = None
    if demo:
        demo_result = bench_demo(args.data_dir.parent, device, args.steps, args.warmup)
    header = f"DeepSEA {LENGTH} bp, {N_FEATURES} features, batch {batch}, {device}"
    if precision != "32-true":
        header += f", {precision}"
    print(f"{header}, torch threads {torch.get_num_threads()}, selene workers {workers}")
    if demo_result is not None:
        print("demo: the defaults of python -m selene.train (its own model, data and batch)")
    print(f"{'':12}{'samples/s':>12}{'s/step':>10}{'data wait':>11}")
    for name, result in (("selene", ours), ("selene_sdk", sdk), ("demo", demo_result)):
        if result is not None:
            print(
                f"{name:12}{result['samples_per_s']:12.1f}{result['step_s']:10.3f}"
                f"{result['data_wait_fraction']:11.1%}"
            )
    summary = {"device": device, "selene": ours, "selene_sdk": sdk, "demo": demo_result}
    if sdk is not None:
        summary["speedup"] = ours["samples_per_s"] / sdk["samples_per_s"]
        print(f"speedup (selene / selene_sdk samples/s): {summary['speedup']:.2f}x")
    elif precision != "32-true" and not args.skip_sdk:
        print(f"selene_sdk: not run at {precision} (its training loop is float32 only)")
    else:
        print("selene_sdk not importable (or skipped): run with .bench/venv/bin/python")
    print(json.dumps(summary))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default=None,
        help="default: cuda if available, else cpu",
    )
    parser.add_argument("--steps", type=int, default=20, help="measured steps per run")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured steps first")
    parser.add_argument(
        "--num-workers",
        type=int,
        default=None,
        help="selene DataLoader workers (default: 0 on cpu, 2 on cuda)",
    )
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[BATCH], help=f"default: {BATCH}"
    )
    parser.add_argument(
        "--precisions",
        nargs="+",
        choices=PRECISIONS,
        default=["32-true"],
        help="Lightning precisions to time (default: 32-true)",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".bench/data/bench_train"))
    parser.add_argument("--skip-sdk", action="store_true", help="do not run selene_sdk")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also time the demo run (python -m selene.train defaults), once",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write every run's summary here (a list)"
    )
    args = parser.parse_args()
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    workers = args.num_workers if args.num_workers is not None else (2 if device == "cuda" else 0)
    data = make_synthetic(
        args.data_dir,
        n_chroms=4,
        chrom_length=1_000_000,
        n_features=N_FEATURES,
        seed=0,
    )
    runs = []
    for i, (batch, precision) in enumerate(
        (b, p) for b in args.batch_sizes for p in args.precisions
    ):
        summary = run_one(args, data, device, workers, batch, precision, args.demo and i == 0)
        runs.append(
            {"batch_size": batch, "precision": precision, "num_workers": workers} | summary
        )
        if args.json:  # after each run, so that a run cut short keeps the ones before
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
