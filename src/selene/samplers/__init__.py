"""Samplers: LightningDataModules that serve whole batches of windows and their labels.

Online samplers draw windows from a reference genome on the fly (``RandomPositionsSampler``,
``IntervalsSampler``); ``MultiFileSampler`` serves fixed datasets read by file samplers
(``BedFileSampler``, ``MatFileSampler``). Batches are dicts: ``sequence`` (uint8 codes
``(B, L)``, or float one-hot ``(B, 4, L)`` from .mat files), ``targets`` (float32 ``(B, F)``;
``(B, T, L // bin_size)`` from ``BigWigTargets``, flipped along the bins for '-' windows) and
``coords`` (``chrom``, ``start``, ``end``, ``strand``) where known; the DataModules'
``on_after_batch_transfer`` turns codes into float one-hot ``(B, 4, L)`` on the device.
"""

from __future__ import annotations

from selene.samplers.bed_file import BedFileSampler, write_bed_dataset
from selene.samplers.intervals import IntervalsSampler
from selene.samplers.mat_file import MatFileSampler
from selene.samplers.multi_file import MultiFileSampler
from selene.samplers.online import OnlineSampler
from selene.samplers.random_positions import RandomPositionsSampler

__all__ = [
    "BedFileSampler",
    "IntervalsSampler",
    "MatFileSampler",
    "MultiFileSampler",
    "OnlineSampler",
    "RandomPositionsSampler",
    "write_bed_dataset",
]
