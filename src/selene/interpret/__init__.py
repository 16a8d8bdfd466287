"""Interpret predictions: ISM / VEP results, score matrices, heatmaps, logos, attributions.

Functions here read what ``selene.predict`` writers wrote (or take arrays) and draw them; apart
from the gradient attributions, nothing here runs a model. Score matrices are
``(length, alphabet)`` as in Selene; attributions are ``(N, alphabet, length)`` like model input.
"""

from __future__ import annotations

from selene.interpret._plotting import save_figure
from selene.interpret.attributions import input_x_gradient, integrated_gradients, saliency
from selene.interpret.deep_lift_shap import DeepLiftShapResult, deep_lift_shap
from selene.interpret.ism_result import ISMResult, ism_score_matrix
from selene.interpret.logos import heatmap, sequence_logo
from selene.interpret.motif_db import consensus_ppm, jaspar_motifs, read_meme, write_meme
from selene.interpret.motifs import MotifPattern, MotifResult, motifs
from selene.interpret.scores import reference_importance, rescale_score_matrix
from selene.interpret.vep_plots import (
    chrom_sort_key,
    ordered_variants,
    ordered_variants_and_indices,
    variant_effect_plot,
)
from selene.interpret.vep_result import (
    VariantScores,
    load_variant_abs_diff_scores,
    load_variant_scores,
)

__all__ = [
    "DeepLiftShapResult",
    "ISMResult",
    "MotifPattern",
    "MotifResult",
    "VariantScores",
    "chrom_sort_key",
    "consensus_ppm",
    "deep_lift_shap",
    "heatmap",
    "input_x_gradient",
    "integrated_gradients",
    "ism_score_matrix",
    "jaspar_motifs",
    "load_variant_abs_diff_scores",
    "load_variant_scores",
    "motifs",
    "ordered_variants",
    "ordered_variants_and_indices",
    "read_meme",
    "reference_importance",
    "rescale_score_matrix",
    "saliency",
    "save_figure",
    "sequence_logo",
    "variant_effect_plot",
    "write_meme",
]
