"""Apply trained models: predictions, in silico mutagenesis and variant effect prediction.

The operations :func:`predict`, :func:`in_silico_mutagenesis` and :func:`variant_effects`
take a model and sequences and return arrays (no files). ``AnalyzeSequences`` keeps the Selene
SDK's API on top of them: it reads its inputs, scores them with the same functions and writes
the arrays with an :class:`OutputSet`.
"""

from __future__ import annotations

from selene.io.outputs import ISM_COLS, SAVE_DATA, TRACK_KINDS, VARIANTEFFECT_COLS
from selene.io.vcf import read_vcf
from selene.predict.accel import LocalEngine
from selene.predict.alleles import VepCounts, alt_window, window_bounds
from selene.predict.analyze import AnalyzeSequences
from selene.predict.ism import ISMScores, mutations
from selene.predict.ops import in_silico_mutagenesis, make_runner, predict, variant_effects
from selene.predict.runner import ModelRunner, Outputs
from selene.predict.track_writers import write_attribution_bigwig, write_track_bigwigs
from selene.predict.tracks import TrackBlock, predict_tracks
from selene.predict.vep import VariantEffects, predict_variants
from selene.predict.vep_tracks import TrackScorer
from selene.predict.writers import OutputSet

__all__ = [
    "ISM_COLS",
    "SAVE_DATA",
    "TRACK_KINDS",
    "VARIANTEFFECT_COLS",
    "AnalyzeSequences",
    "ISMScores",
    "LocalEngine",
    "ModelRunner",
    "OutputSet",
    "Outputs",
    "TrackBlock",
    "TrackScorer",
    "VariantEffects",
    "VepCounts",
    "alt_window",
    "in_silico_mutagenesis",
    "make_runner",
    "mutations",
    "predict",
    "predict_tracks",
    "predict_variants",
    "read_vcf",
    "variant_effects",
    "window_bounds",
    "write_attribution_bigwig",
    "write_track_bigwigs",
]
