"""Variant effects on several devices of one node: ``variant_effect_prediction(devices=N)``.

``N`` processes (``torch.multiprocessing``), one per device: ``cuda:<rank>`` (spawned) when
the analyzer runs on a GPU, else the CPU (forked; the tests' stand-in for GPUs, with
``cpu_count // N`` threads each). Rank ``r`` rebuilds the analyzer on its device from the
arguments it was made with and scores shard ``r`` of ``N`` (:mod:`selene.predict.shards`): one
contiguous block of the VCF's records into its own resumable part files. The ranks need no
communication while they score, so a ``torch.distributed`` process group (``gloo``, which runs
on any machine) serves only as the barrier after which rank 0 merges the parts
(:func:`selene.predict.shard_merge.merge_if_complete`): the files equal one process's, byte
for byte, as a sharded run's do. Contiguous blocks rather than batches dealt out in turn keep
the merge a concatenation; devices of one kind score their equal shares in about equal times.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from selene.predict.alleles import VepCounts
from selene.predict.shard_merge import merge_if_complete
from selene.predict.shards import summed_counts

if TYPE_CHECKING:
    from selene.predict.analyze import AnalyzeSequences


def spread_variant_effects(an: AnalyzeSequences, devices: int, kwargs: dict) -> VepCounts:
    """Run ``an.variant_effect_prediction(**kwargs)`` over ``devices`` processes; merge.

    Returns the counts summed over the devices.

    Raises
    ------
    ValueError
        If ``devices`` is not a positive integer, ``kwargs`` already shards the run, the
        analyzer runs on a GPU and fewer than ``devices`` GPUs are visible, or
        ``output_dir`` is not given.
    """
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise ValueError(f"devices must be a positive integer, got {devices!r}")
    if kwargs.get("shards", 1) != 1 or kwargs.get("shard") is not None:
        raise ValueError(
            f"devices={devices} shards the run by itself: leave shards and shard at their "
            f"defaults (got shards={kwargs.get('shards')}, shard={kwargs.get('shard')})"
        )
    if an.device.type == "cuda" and torch.cuda.device_count() < devices:
        raise ValueError(
            f"devices={devices} but {torch.cuda.device_count()} GPUs are visible; ask for "
            "at most that many (or set CUDA_VISIBLE_DEVICES)"
        )
    if not kwargs.get("output_dir"):
        raise ValueError(f"devices={devices} needs an output_dir for the shards' part files")
    args = (devices, an._arguments, an.device.type, kwargs, _free_port())
    # A CUDA process cannot fork (the driver is initialised); CPU processes fork, and start
    # in a moment instead of importing everything again.
    method = "spawn" if an.device.type == "cuda" else "fork"
    mp.start_processes(_rank, args=args, nprocs=devices, join=True, start_method=method)
    merge_if_complete(kwargs["output_dir"])
    return summed_counts(kwargs["output_dir"])


def _rank(rank: int, world: int, arguments: dict, device: str, kwargs: dict, port: int) -> None:
    """One process: score shard ``rank`` of ``world`` on its device; rank 0 merges."""
    from selene.predict.analyze import AnalyzeSequences

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)  # fmt: skip
    try:
        if device == "cuda":
            target = f"cuda:{rank}"
        else:
            target = "cpu"
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
        an = AnalyzeSequences(**{**arguments, "device": target, "use_cuda": False,
                                 "data_parallel": False})  # fmt: skip
        an.variant_effect_prediction(**{**kwargs, "shards": world, "shard": rank})
        dist.barrier()
        if rank == 0:
            merge_if_complete(kwargs["output_dir"])
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
