"""Architectures by name, for configs and command lines."""

from __future__ import annotations

from torch import nn

from selene.models.basset import Basset
from selene.models.bpnet import BPNet
from selene.models.chrombpnet import ChromBPNet
from selene.models.danq import DanQ
from selene.models.deeper_deepsea import DeeperDeepSEA
from selene.models.deepsea import DeepSEA
from selene.models.heartenn import HeartENN
from selene.models.sei import Sei
from selene.models.seqweaver import Seqweaver
from selene.models.track_cnn import TrackCNN

#: Every built-in classifier (one-hot ``(N, 4, L)`` in, logits ``(N, F)`` out), by lowercase name.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "deepsea": DeepSEA,
    "deeper_deepsea": DeeperDeepSEA,
    "danq": DanQ,
    "heartenn": HeartENN,
    "seqweaver": Seqweaver,
    "sei": Sei,
    "basset": Basset,
}

#: The built-in models of quantitative tracks (outputs ``(N, T, bins)``), by lowercase name.
TRACK_ARCHITECTURES: dict[str, type[nn.Module]] = {
    "bpnet": BPNet,
    "chrombpnet": ChromBPNet,
    "track_cnn": TrackCNN,
}


def _normalize(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def get_architecture(name: str) -> type[nn.Module]:
    """Return the architecture class called ``name``.

    Parameters
    ----------
    name : str
        A key of ``ARCHITECTURES`` or ``TRACK_ARCHITECTURES``, or a class name; case, ``_``
        and ``-`` are ignored (``"DeeperDeepSEA"``, ``"deeper-deepsea"`` and
        ``"deeper_deepsea"`` all work).

    Raises
    ------
    ValueError
        If no architecture has that name; the message lists the valid ones.
    """
    every = {**ARCHITECTURES, **TRACK_ARCHITECTURES}
    for key, cls in every.items():
        if _normalize(name) in (_normalize(key), _normalize(cls.__name__)):
            return cls
    raise ValueError(f"unknown architecture {name!r}; valid names: {', '.join(every)}")
