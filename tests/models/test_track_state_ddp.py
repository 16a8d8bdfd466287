"""Two processes' track train scores merge into one checkpoint state (gloo, on the CPU)."""

from __future__ import annotations

import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from selene.models.track_metrics import TrackMetrics

T, BINS, SAMPLE = 2, 8, 16


def _batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(step)
    target = torch.poisson(torch.rand(4, T, BINS, generator=g) * 3, generator=g)
    return target + torch.rand(4, T, BINS, generator=g), target


def _rank(rank: int, port: int, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        metric = TrackMetrics(T, sample_size=SAMPLE, n_examples=0)
        for step in range(rank * 3, rank * 3 + 3):  # rank 0: batches 0-2, rank 1: 3-5
            metric.update(*_batch(step))
        state = metric.pending()  # a collective: every rank calls it, as on_save_checkpoint
        if rank == 0:
            torch.save(state, out)
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two spawned processes import torch and selene: about 20 CPU s
def test_pending_gathers_and_merges_the_processes_states(tmp_path) -> None:
    out = str(tmp_path / "state.pt")
    mp.spawn(_rank, args=(_free_port(), out), nprocs=2, join=True)
    merged = torch.load(out, weights_only=True)
    assert merged["n_windows"].item() == 6 * 4  # both ranks' windows
    assert len(merged["window_key"]) == SAMPLE  # pooled, cut back to the sample size
    resumed = TrackMetrics(T, sample_size=SAMPLE, n_examples=0)
    resumed.restore(merged)
    whole = TrackMetrics(T, sample_size=SAMPLE, n_examples=0)
    for step in range(6):
        whole.update(*_batch(step))
    got, want = resumed.compute(), whole.compute()
    for name in ("pearson", "mse", "pearson_windows", "mse_windows"):  # exact over every row
        torch.testing.assert_close(got[name], want[name], rtol=1e-6, atol=1e-6)
