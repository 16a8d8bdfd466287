"""Timing our operation against a peer's in one run: alternating calls, best of N."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Return (wall seconds, CPU seconds of the process, result) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def best_of(
    tools: dict[str, Callable[[], object]],
    repeats: int,
    keep_warning: Callable[[str], bool] = lambda message: True,
) -> tuple[dict[str, tuple[float, float]], dict[str, object], dict[str, list[str]]]:
    """Call each tool in turn, ``repeats`` rounds, so that load hits them alike.

    Returns each tool's best (wall, CPU) seconds, its last output, and the warnings of its
    last call (first 160 characters) that ``keep_warning`` keeps.
    """
    best: dict[str, tuple[float, float]] = {}
    outputs: dict[str, object] = {}
    notes: dict[str, list[str]] = {}
    for _ in range(repeats):
        for name, fn in tools.items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                wall, cpu, outputs[name] = timed(fn)
            messages = {str(w.message)[:160] for w in caught}
            notes[name] = sorted(m for m in messages if keep_warning(m))
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    return best, outputs, notes
