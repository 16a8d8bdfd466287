"""Sequence models.

The published architectures (bare ``nn.Module``s returning logits), a reverse-complement
wrapper, and loading of Selene SDK weights.
"""

from __future__ import annotations

from selene.models.basset import Basset
from selene.models.danq import DanQ
from selene.models.deeper_deepsea import DeeperDeepSEA
from selene.models.deepsea import DeepSEA
from selene.models.heartenn import HeartENN
from selene.models.loading import load_selene_weights
from selene.models.registry import ARCHITECTURES, get_architecture
from selene.models.sei import Sei
from selene.models.seqweaver import Seqweaver
from selene.models.strand import NonStrandSpecific

# The training helper adds SequenceLitModule (lit_module.py) and load_checkpoint here.

__all__ = [
    "ARCHITECTURES",
    "Basset",
    "DanQ",
    "DeepSEA",
    "DeeperDeepSEA",
    "HeartENN",
    "NonStrandSpecific",
    "Sei",
    "Seqweaver",
    "get_architecture",
    "load_selene_weights",
]
