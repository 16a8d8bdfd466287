"""Move batches from DataLoader workers in packets through a ring of shared-memory buffers.

Torch sends every tensor a worker yields through a fresh shared-memory segment (allocate, fault
in, pass a file descriptor, map again): for a few hundred KB per batch that costs more than
drawing the batch. A worker instead packs several batches into one of a few shared buffers it
allocated once, and the main process copies each packet out as soon as it arrives, before it
asks for more, so a buffer is never rewritten while in use (``n_slots`` > packets in flight).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

Batch = dict[str, Any]

_PACKET_BYTES = 4 << 20  # about this much per packet
_MAX_BATCHES = 16


def _flatten(batch: Batch, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for key, value in batch.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, (*prefix, key)))
        else:
            out.append(((*prefix, key), value))
    return out


def _set(batch: Batch, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        batch = batch.setdefault(key, {})
    batch[path[-1]] = value


class Packet:
    """Several batches packed in one shared ``uint8`` buffer; ``unpack`` copies them out."""

    def __init__(self, data: torch.Tensor, fields: list, sizes: list[int]) -> None:
        self.data, self.fields, self.sizes = data, fields, sizes

    def unpack(self) -> list[Batch]:
        """Copy the batches out of the shared buffer (numpy arrays become tensors)."""
        buffer = self.data.numpy()
        bounds = np.concatenate(([0], np.cumsum(self.sizes)))
        batches: list[Batch] = [{} for _ in self.sizes]
        for path, is_list, dtype, wire, tail, offset, nbytes in self.fields:
            wired = buffer[offset : offset + nbytes].view(wire).reshape(-1, *tail)
            array = wired.astype(dtype)  # a copy: the buffer will be rewritten
            for batch, lo, hi in zip(batches, bounds[:-1], bounds[1:], strict=True):
                part = array[lo:hi]
                _set(batch, path, part.tolist() if is_list else torch.from_numpy(part))
        return batches


class PacketRing:
    """A few shared buffers, reused in turn, that packets are written into (in a worker).

    Parameters
    ----------
    n_slots : int
        Number of buffers; more than the packets in flight.
    narrow : dict, optional
        Field path (e.g. ``("targets",)``) -> dtype to carry it as, for fields whose values fit
        exactly (binary labels as ``uint8``); unpacking restores the original dtype.
    """

    def __init__(self, n_slots: int, narrow: dict[tuple[str, ...], str] | None = None) -> None:
        self.slots: list[torch.Tensor | None] = [None] * n_slots
        self.next = 0
        self.narrow = narrow or {}

    def pack(self, batches: list[Batch]) -> Packet:
        """Write ``batches`` (dicts of numpy arrays and lists of str) into the next buffer."""
        flat = [_flatten(b) for b in batches]
        sizes = [len(f[0][1]) for f in flat]
        total = sum(sizes)
        fields, columns, offset = [], [], 0
        for i, (path, first) in enumerate(flat[0]):
            is_list = isinstance(first, list)
            parts = [np.asarray(f[i][1]) for f in flat]
            if is_list:  # equal-width strings across the packet
                dtype = np.dtype(f"<U{max(1, max(p.dtype.itemsize for p in parts) // 4)}")
            else:
                dtype = parts[0].dtype
            wire = dtype if is_list else np.dtype(self.narrow.get(path, dtype))
            tail = parts[0].shape[1:]
            nbytes = total * int(np.prod(tail, dtype=np.int64)) * wire.itemsize
            fields.append((path, is_list, dtype.str, wire.str, tail, offset, nbytes))
            columns.append((offset, nbytes, wire, tail, parts))
            offset += -(-nbytes // 8) * 8
        slot = self.slots[self.next]
        if slot is None or slot.numel() < offset:
            slot = torch.empty(max(offset, _PACKET_BYTES), dtype=torch.uint8).share_memory_()
            self.slots[self.next] = slot
        self.next = (self.next + 1) % len(self.slots)
        buffer = slot.numpy()
        for start, nbytes, wire, tail, parts in columns:
            dest = buffer[start : start + nbytes].view(wire).reshape(total, *tail)
            row = 0
            for part in parts:
                dest[row : row + len(part)] = part
                row += len(part)
        return Packet(slot, fields, sizes)


def batches_per_packet(batch_bytes: int) -> int:
    """How many batches of about ``batch_bytes`` to send per packet: about 4 MB, at most 16."""
    return int(np.clip(_PACKET_BYTES // max(int(batch_bytes), 1), 1, _MAX_BATCHES))


def packed(
    groups: Iterator[list[Batch]],
    narrow: dict[tuple[str, ...], str] | None = None,
    prefetch_factor: int = 2,
) -> Iterator[Packet]:
    """Send each group of batches as one packet (a stream's chunk: its order stays known)."""
    ring = PacketRing(prefetch_factor + 2, narrow)
    for group in groups:
        yield ring.pack(group)


def unpacked(items: Iterator[Any]) -> Iterator[Any]:
    """Yield the batches of each packet (and any other item as it is)."""
    for item in items:
        if isinstance(item, Packet):
            yield from item.unpack()
        else:
            yield item
