"""Sequence models.

The published architectures (bare ``nn.Module``s returning logits), a reverse-complement
wrapper, loading of Selene SDK weights, and the LightningModule that trains any of them.
"""

from __future__ import annotations

from selene.models._track_step import track_prediction
from selene.models.basset import Basset
from selene.models.bpnet import BPNet
from selene.models.chrombpnet import ChromBPNet
from selene.models.danq import DanQ
from selene.models.deeper_deepsea import DeeperDeepSEA
from selene.models.deepsea import DeepSEA
from selene.models.file_model import file_model, file_optimizer
from selene.models.heartenn import HeartENN
from selene.models.lit_module import SequenceLitModule
from selene.models.load import load_checkpoint
from selene.models.loading import load_selene_weights
from selene.models.multi import MultiModelWrapper
from selene.models.registry import ARCHITECTURES, TRACK_ARCHITECTURES, get_architecture
from selene.models.sei import Sei
from selene.models.seqweaver import Seqweaver
from selene.models.strand import NonStrandSpecific
from selene.models.track_cnn import TrackCNN

__all__ = [
    "ARCHITECTURES",
    "BPNet",
    "Basset",
    "ChromBPNet",
    "DanQ",
    "DeepSEA",
    "DeeperDeepSEA",
    "HeartENN",
    "MultiModelWrapper",
    "NonStrandSpecific",
    "Sei",
    "SequenceLitModule",
    "Seqweaver",
    "TRACK_ARCHITECTURES",
    "TrackCNN",
    "file_model",
    "file_optimizer",
    "get_architecture",
    "load_checkpoint",
    "load_selene_weights",
    "track_prediction",
]
