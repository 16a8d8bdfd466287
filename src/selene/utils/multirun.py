"""A Hydra callback that writes which job of a multirun won on ``optimized_metric``."""

from __future__ import annotations

import csv
import logging
import math
import shlex
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

__all__ = ["MultirunSummary"]

log = logging.getLogger(__name__)

_MINIMIZED = ("loss", "mse", "nll")  # metric names that are better lower (when not told)


class MultirunSummary(Callback):
    """Write ``multirun_summary.tsv`` in the sweep directory and log the winning job.

    Each job appends its row when it ends (so a sweep still running, or stopped, has a partial
    table); when every job has ended the table is rewritten with the winner marked. Columns:
    ``job`` (Hydra's job number), ``winner`` (``true`` for the best finite score), the
    ``optimized_metric`` (named as the column; empty when the job did not log it), ``status``
    (``completed`` / ``failed``), ``overrides`` (the job's command-line overrides, shell-quoted,
    ready to paste) and ``run_dir``. Apps without an ``optimized_metric`` (``evaluate``,
    ``predict``) get no table.

    Parameters
    ----------
    filename : str
        Name of the table in the sweep directory (``hydra.sweep.dir``).
    direction : {"maximize", "minimize"} or None
        Which way wins. None: the sweeper's ``direction`` (Optuna) if it has one, else
        ``minimize`` for a metric whose name holds ``loss``, ``mse`` or ``nll`` and
        ``maximize`` otherwise.
    """

    def __init__(
        self, filename: str = "multirun_summary.tsv", direction: str | None = None
    ) -> None:
        if direction not in (None, "maximize", "minimize"):
            raise ValueError(
                f"hydra.callbacks.multirun_summary.direction={direction!r}: use maximize, "
                "minimize or null (the sweeper's direction, else by the metric's name)"
            )
        self.filename = filename
        self.direction = direction

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Start the table (a sweep directory used again gets a new one)."""
        if _metric(config) is None:
            return
        path = self._path(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\t".join(_header(config)) + "\n")

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Append this job's row (in the process that ran it)."""
        if config.hydra.mode != RunMode.MULTIRUN or _metric(config) is None:
            return
        path = self._path(config)
        if not path.is_file():  # a launcher that skipped on_multirun_start here
            path.write_text("\t".join(_header(config)) + "\n")
        completed = job_return.status == JobStatus.COMPLETED
        value = job_return.return_value if completed else None  # failed: return_value raises
        row = [
            str(config.hydra.job.num),
            "",
            "" if value is None else repr(float(value)),
            "completed" if completed else "failed",
            shlex.join(job_return.overrides or []),
            str(config.hydra.runtime.output_dir),
        ]
        with open(path, "a") as handle:
            handle.write("\t".join(row) + "\n")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Mark the winner, rewrite the table sorted by job, and log the result."""
        path = self._path(config)
        if _metric(config) is None or not path.is_file():
            return
        with open(path) as handle:
            rows = list(csv.reader(handle, delimiter="\t"))
        header, rows = rows[0], sorted(rows[1:], key=lambda row: int(row[0]))
        metric, direction = header[2], self._direction(config, header[2])
        scored = [row for row in rows if row[2] and math.isfinite(float(row[2]))]
        pick = max if direction == "maximize" else min
        best = pick(scored, key=lambda row: float(row[2])) if scored else None
        for row in rows:
            row[1] = "true" if row is best else "false"
        with open(path, "w", newline="") as handle:
            csv.writer(handle, delimiter="\t", lineterminator="\n").writerows([header, *rows])
        if best is None:
            log.warning(
                "multirun: no job returned a finite %s (optimized_metric); see %s", metric, path
            )
            return
        log.info(
            "multirun: job %s won on %s = %s (%s) with %s; run dir: %s; every job: %s",
            best[0],
            metric,
            best[2],
            direction,
            " ".join(_swept(best, rows)) or "no overrides",
            best[5],
            path,
        )

    def _path(self, config: DictConfig) -> Path:
        return Path(str(config.hydra.sweep.dir)) / self.filename

    def _direction(self, config: DictConfig, metric: str) -> str:
        direction = self.direction or OmegaConf.select(config, "hydra.sweeper.direction")
        if isinstance(direction, str):
            return direction
        if direction is not None:  # Optuna's multi-objective list: the first one is returned
            return str(direction[0])
        return "minimize" if any(word in metric for word in _MINIMIZED) else "maximize"


def _metric(config: DictConfig) -> str | None:
    metric = OmegaConf.select(config, "optimized_metric")
    return None if metric is None else str(metric)


def _header(config: DictConfig) -> list[str]:
    return ["job", "winner", str(_metric(config)), "status", "overrides", "run_dir"]


def _swept(row: list[str], rows: list[list[str]]) -> list[str]:
    """Return the overrides of ``row`` that not every job shares (all for a single job)."""
    shared = set.intersection(*(set(shlex.split(r[4])) for r in rows))
    mine = shlex.split(row[4])
    return [o for o in mine if o not in shared] if len(rows) > 1 else mine
