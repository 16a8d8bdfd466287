"""``-m analysis.shard='range(2)'`` through Hydra's joblib and submitit (local) launchers.

Each launcher runs the two shards as separate processes at the same time (loky workers for
joblib, ``python -m submitit...`` subprocesses for submitit's local executor, which needs no
SLURM); the shard that finishes last merges, and the merged files equal one process's byte
for byte. The basic launcher (one process, shards in turn) is in test_shards_multirun.py.

Bit for bit only at the same threads per process: oneDNN and MKL split their sums by thread,
and joblib's loky workers get ``cpu_count // n_jobs`` threads unless ``OMP_NUM_THREADS`` is
set (on this 2-core machine, a sweep with 2 jobs at 1 thread differed from one process at 2
threads in the last bits of its HDF5 values).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from selene.predict.__main__ import main, predict
from selene.utils.config import config_dir

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:.*records (not scored|whose REF differs):selene.utils.warnings.SeleneWarning"
    ),
    pytest.mark.slow,  # each shard's process imports torch and Lightning: 15-25 s a launcher
]

LAUNCHERS = {
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5",
                       "hydra.launcher.cpus_per_task=1", "hydra.launcher.gpus_per_node=0"],
}  # fmt: skip


@pytest.fixture(scope="module")
def common(vep_overrides) -> list[str]:
    return [
        *vep_overrides,
        "analyzer.device=cpu",
        "analysis.output_format=hdf5",
        "analysis.save_data=[diffs,predictions]",
    ]


@pytest.fixture(scope="module")
def one_process(common, tmp_path_factory) -> Path:
    """The outputs of the same run in one process, unsharded."""
    out = tmp_path_factory.mktemp("one")
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=[*common, f"analysis.output_dir={out}"])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        predict(cfg)
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_launcher_runs_the_shards_as_processes_and_merges(
    launcher, common, one_process, tmp_path, monkeypatch
) -> None:
    # Each process sums in its own threads' order: the shards and the one process that they
    # must equal to the bit run on one thread each (loky's workers would otherwise get
    # cpu_count // n_jobs threads; child processes read these variables when torch starts).
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    logs = tmp_path / "logs"
    argv = ["selene.predict", "-m", *common, f"paths.log_dir={logs}", *LAUNCHERS[launcher],
            "analysis.shards=2", "analysis.shard=range(2)"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    main()
    assert len(list((logs / "predict" / "multiruns").glob("*/[0-9]"))) == 2  # a job per shard
    (run,) = (logs / "predict" / "vep").iterdir()  # both shards in one folder
    shards = run / "shards"
    assert sorted(p.name for p in shards.iterdir()) == ["0-of-2", "1-of-2", "merged", "plan.json"]
    names = sorted(p.name for p in one_process.iterdir())
    assert "variants_diffs.h5" in names
    assert sorted(p.name for p in run.iterdir() if p.name != "shards") == names
    for name in names:
        assert (run / name).read_bytes() == (one_process / name).read_bytes(), name
