"""``python -m selene.train -m +hparams_search=demo_optuna``: a real Optuna search, in small."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys

import yaml

from _tiny_run import tiny_overrides


def test_the_demo_search_writes_the_best_trial(synthetic, tmp_path) -> None:
    sweep = tmp_path / "sweep"
    command = [
        *("-m", "selene.train", "-m", "+hparams_search=demo_optuna"),
        *tiny_overrides(synthetic.root),
        *("model.min_positives=1", "trainer.max_steps=4", "trainer.val_check_interval=2"),
        *("hydra.sweeper.n_trials=3", "hydra.sweeper.sampler.n_startup_trials=2"),
        f"hydra.sweep.dir={sweep}",
    ]
    env = os.environ | {"OMP_NUM_THREADS": "1"}  # tiny tensors: more threads only contend
    run = subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    # data.batch_size is fixed by the command line: the learning rate alone is searched
    assert list(results["best_params"]) == ["model.optimizer.lr"]
    assert 1e-4 <= results["best_params"]["model.optimizer.lr"] <= 1e-2
    best = {}  # each trial's score: its last logged val/auroc_best
    for trial in sorted(sweep.glob("[0-9]*")):
        with open(trial / "metrics.csv") as handle:
            scores = [r["val/auroc_best"] for r in csv.DictReader(handle) if r["val/auroc_best"]]
        overrides = yaml.safe_load((trial / ".hydra" / "overrides.yaml").read_text())
        lr = next(o for o in overrides if o.startswith("model.optimizer.lr="))
        best[float(lr.split("=")[1])] = float(scores[-1])
    assert len(best) == 3
    lr, value = max(best.items(), key=lambda item: item[1])
    assert math.isclose(results["best_value"], value, rel_tol=1e-6)
    assert results["best_params"]["model.optimizer.lr"] == lr
    assert "Best value:" in run.stdout + run.stderr
