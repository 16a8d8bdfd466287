"""Apply trained models: predictions, in silico mutagenesis and variant effect prediction.

``AnalyzeSequences`` keeps the Selene SDK's API; the functions behind it take a
:class:`ModelRunner` and an :class:`OutputSet` and can be used on their own.
"""

from __future__ import annotations

from selene.predict.alleles import VepCounts, alt_window, window_bounds
from selene.predict.analyze import AnalyzeSequences
from selene.predict.ism import ISM_COLS, in_silico_mutagenesis, mutations
from selene.predict.local import LocalEngine
from selene.predict.runner import ModelRunner, Outputs
from selene.predict.vcf import VARIANTEFFECT_COLS, read_vcf
from selene.predict.vep import predict_variants
from selene.predict.writers import SAVE_DATA, OutputSet

__all__ = [
    "ISM_COLS",
    "SAVE_DATA",
    "VARIANTEFFECT_COLS",
    "AnalyzeSequences",
    "LocalEngine",
    "ModelRunner",
    "OutputSet",
    "Outputs",
    "VepCounts",
    "alt_window",
    "in_silico_mutagenesis",
    "mutations",
    "predict_variants",
    "read_vcf",
    "window_bounds",
]
