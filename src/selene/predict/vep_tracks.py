"""Variant effects on predicted tracks: summed ref and alt coverage and its log2 fold change.

A track model returns coverage per track and output bin: :class:`~selene.models.TrackCNN`'s
``(N, T, L // bin)`` log rates (``poisson``) or values (``mse``), or BPNet's ``(profile_logits,
log_counts)`` pair; :func:`selene.models.track_prediction` turns either into
coverage in the targets' units. For every scored ALT and track this module reports (the kinds
of :data:`selene.io.outputs.TRACK_KINDS`):

- ``track_ref_sum``, ``track_alt_sum``: the predicted coverage summed over all output bins of
  the reference and the alternative window;
- ``track_log2fc``: ``log2((alt_sum + pseudocount) / (ref_sum + pseudocount))`` (``pseudocount``
  1 by default: a fold change of windows with almost no coverage stays near 0);
- the same three over the bins that overlap the window's central ``span`` bases (the variant
  sits at the centre, Selene's centring), suffixed ``_span``; ``span=None`` leaves them out.

Windows are :mod:`selene.predict.alleles`' (the ones the classifier scores use): an insertion's
alternative window is re-centred ``(len(ALT) - len(REF)) // 2`` bases later on the alternative
haplotype, a deletion's ``len(REF) // 2 - len(ALT) // 2`` earlier, so each window keeps the
variant in its middle and the bins of the two windows cover slightly different stretches of the
reference beyond the allele (by up to half the length difference at each end). Sums are taken
over each window's own bins; coverage is not re-aligned base by base. For a ``-`` strand
variant both windows are reverse-complemented before scoring, so the model's bins run from the
window's 3' end: the sums, and the central span (symmetric up to one base), do not depend on
it. A bin partly inside the span counts whole.

References and indels' alternative windows get one forward pass each. A substitution's
alternative window is scored as a mutant of its reference, as the classifier scores do
(:meth:`ModelRunner.mutants`): where the runner's mutants are layer-local (a convolutional
front end that passed its self-check, e.g. :class:`~selene.models.TrackCNN`), only the front end's
positions the change reaches are recomputed, and the rest of the network (e.g. the dilated
residual tower, the per-bin head) runs on the reference's front-end output with them written
in. Equal to a full pass to float tolerance; a network without such an engine (BPNet: residual
blocks from its first layer on) takes full passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral

import numpy as np
import torch

from selene.io.outputs import TRACK_KINDS
from selene.models import track_prediction
from selene.predict.alleles import PlacedRecord
from selene.predict.runner import ModelRunner
from selene.predict.vep import KINDS, VariantEffects

_LOSSES = {"exp": "poisson", "identity": "mse", "bpnet": "bpnet"}


def is_track_model(runner: ModelRunner) -> bool:
    """Whether ``runner``'s network predicts tracks: a pair of outputs or a 3-D output."""
    probe = np.full((1, runner.sequence_length), runner.n_letters, np.uint8)
    raw = runner._raw(torch.as_tensor(probe).to(runner.device))
    return isinstance(raw, tuple) or raw.dim() == 3


def track_scorer(
    runner: ModelRunner, span: int | None = 200, pseudocount: float = 1.0
) -> TrackScorer | None:
    """Return a :class:`TrackScorer` if ``runner``'s network predicts tracks, else None."""
    return TrackScorer(runner, span, pseudocount) if is_track_model(runner) else None


def check_track_save_data(save_data: Iterable[str] | str, span: int | None) -> list[str]:
    """Return the requested track kinds in :data:`TRACK_KINDS` order.

    Raises
    ------
    ValueError
        If a name is not a track kind (a track model has no ``diffs`` or ``logits``), nothing is
        asked for, or a ``_span`` kind is asked for with ``span=None``.
    """
    requested = [save_data] if isinstance(save_data, str) else list(save_data)
    unknown = sorted(set(requested) - set(TRACK_KINDS))
    if unknown or not requested:
        raise ValueError(
            f"a track model's variant effects are {list(TRACK_KINDS)}; save_data asked for "
            f"{requested!r}: pick from those"
        )
    if span is None and any(k.endswith("_span") for k in requested):
        raise ValueError("save_data asks for _span kinds but span=None; give span= (bases)")
    return [k for k in TRACK_KINDS if k in requested]


class TrackScorer:
    """Score batches of placed records by the coverage a track model predicts.

    Parameters
    ----------
    runner : ModelRunner
        Around a track model. Its activation says how a single output reads: ``exp`` as log
        rates (``poisson``), ``identity`` as values (``mse``); a pair is BPNet's (``bpnet``:
        the profile times the total count).
    span : int, optional
        Central bases (around the variant) of the ``_span`` scores; None: no ``_span`` scores.
    pseudocount : float
        Added to both sums in the log2 fold change.

    Raises
    ------
    ValueError
        If ``span`` is not a positive int or None, ``pseudocount`` is not positive, the runner's
        activation is ``sigmoid`` for a single-output track model (its outputs would be read
        as probabilities: pass ``activation="exp"`` or ``"identity"``), or it averages strands
        (``average_reverse_complement`` or a NonStrandSpecific wrapper: as for track
        predictions, refused; the bins would need flipping back).
    """

    def __init__(self, runner: ModelRunner, span: int | None = 200, pseudocount: float = 1.0):
        if span is not None and (isinstance(span, bool) or not isinstance(span, Integral)
                                 or span < 1):  # fmt: skip
            raise ValueError(f"span must be a positive number of bases or None, got {span!r}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be > 0 (log2 of a zero sum), got {pseudocount!r}")
        if runner.mode is not None:
            raise ValueError(
                "track variant effects do not average strands (average_reverse_complement or "
                "NonStrandSpecific): score the model on one strand"
            )
        span = None if span is None else int(span)
        self.runner, self.span, self.pseudocount = runner, span, float(pseudocount)
        probe = np.full((1, runner.sequence_length), runner.n_letters, np.uint8)
        raw = runner._raw(torch.as_tensor(probe).to(runner.device))
        if isinstance(raw, tuple):
            self.loss = "bpnet"
        elif runner.activation in _LOSSES:
            self.loss = _LOSSES[runner.activation]
        else:
            raise ValueError(
                f"the track model's outputs would go through a {runner.activation}; say what "
                "they are: activation='exp' (log rates, poisson) or 'identity' (values, mse)"
            )
        n_bins = self.coverage(probe).shape[-1]
        self.span_bins = span_mask(runner.sequence_length, n_bins, _bin_size(runner), span)

    @property
    def kinds(self) -> list[str]:
        """The kinds this scorer fills (the ``_span`` ones only with a ``span``)."""
        return [k for k in TRACK_KINDS if self.span is not None or not k.endswith("_span")]

    def coverage(self, codes: np.ndarray) -> np.ndarray:
        """Predicted coverage ``(N, T, B)`` float32 for codes ``(N, L)``."""
        return self._coverage(self.runner._raw(torch.as_tensor(codes).to(self.runner.device)))

    def __call__(self, batch: list[PlacedRecord]) -> VariantEffects:
        """Score one batch: every record's reference and every ALT's window (module docstring)."""
        refs = np.stack([r.ref for r in batch])
        rows = np.concatenate([[i] * len(r.ids) for i, r in enumerate(batch)]).astype(np.int64)
        pairs = [(x, full) for r in batch for x, full in zip(r.local, r.full, strict=True)]
        ids = [i for r in batch for i in r.ids]
        if self.runner.local_mutants and any(f is None for _, f in pairs):
            ref_cov, alt_cov = self._as_mutants(refs, rows, pairs)
        else:
            alts = [_substituted(refs[i], x) if f is None else f
                    for i, (x, f) in zip(rows, pairs, strict=True)]  # fmt: skip
            cov = self.coverage(np.concatenate([refs, np.stack(alts)]))
            ref_cov, alt_cov = cov[: len(refs)], cov[len(refs) :]
        scores = track_scores(ref_cov[rows], alt_cov, self.span_bins, self.pseudocount)
        return VariantEffects(ids, **dict.fromkeys(KINDS), **scores)

    def _as_mutants(
        self, refs: np.ndarray, rows: np.ndarray, pairs: list
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coverage of the references and of every ALT, substitutions as mutants of theirs."""
        runner = self.runner
        whole = np.array([i for i, (_, f) in enumerate(pairs) if f is not None], np.int64)
        stacked = np.concatenate([refs, *(pairs[i][1][None] for i in whole)])
        state = runner.reference(stacked)  # the network's raw outputs, kept for the mutants
        cov = self._coverage(state.forward.output)
        alt_cov = np.empty((len(pairs), *cov.shape[1:]), np.float32)
        alt_cov[whole] = cov[len(refs) :]
        widths: dict[int, list[int]] = {}
        for i, ((_, codes), full) in enumerate(pairs):
            if full is None:
                widths.setdefault(len(codes), []).append(i)
        for which in widths.values():
            starts = np.array([pairs[i][0][0] for i in which], np.int64)
            window = np.stack([pairs[i][0][1] for i in which])
            alt_cov[which] = self._coverage(runner.raw_mutants(state, rows[which], starts, window))
        return cov[: len(refs)], alt_cov

    def _coverage(self, raw: torch.Tensor | tuple[torch.Tensor, ...]) -> np.ndarray:
        raw = tuple(r.float() for r in raw) if isinstance(raw, tuple) else raw.float()
        return track_prediction(self.loss, raw).cpu().numpy()


def track_scores(
    ref: np.ndarray, alt: np.ndarray, span_bins: np.ndarray | None, pseudocount: float = 1.0
) -> dict[str, np.ndarray]:
    """Return the sums and log2 fold changes of coverage ``ref`` and ``alt`` ``(N, T, B)``.

    Returns
    -------
    dict of str to numpy.ndarray, shape (N, T), float32
        The kinds of :data:`TRACK_KINDS` (the ``_span`` ones over ``span_bins``, a boolean
        mask of the bins, and left out when it is None). Sums are taken in float64.
    """
    parts: dict[str, object] = {"": slice(None)}
    if span_bins is not None:
        parts["_span"] = span_bins
    out = {}
    for suffix, bins in parts.items():
        ref_sum = ref[..., bins].sum(-1, dtype=np.float64)
        alt_sum = alt[..., bins].sum(-1, dtype=np.float64)
        log2fc = np.log2((alt_sum + pseudocount) / (ref_sum + pseudocount))
        out[f"track_ref_sum{suffix}"] = ref_sum.astype(np.float32)
        out[f"track_alt_sum{suffix}"] = alt_sum.astype(np.float32)
        out[f"track_log2fc{suffix}"] = log2fc.astype(np.float32)
    return out


def span_mask(length: int, n_bins: int, bin_size: int, span: int | None) -> np.ndarray | None:
    """Which of ``n_bins`` output bins overlap the central ``span`` bases of a window.

    The bins, ``bin_size`` bases each, are taken to tile the middle of the ``length``-base
    input (a centre crop, as :class:`~selene.models.TrackCNN`'s ``crop_bins`` and BPNet's
    trimming leave them). The span is bases ``[(length - span) // 2, (length - span) // 2 +
    span)``; a span wider than the window takes every bin.
    """
    if span is None:
        return None
    offset = (length - n_bins * bin_size) // 2
    lo = (length - span) // 2
    edges = offset + np.arange(n_bins) * bin_size
    return (edges + bin_size > lo) & (edges < lo + span)


def _substituted(ref: np.ndarray, local: tuple[int, np.ndarray]) -> np.ndarray:
    """Return the reference's codes with a substitution's ``(start, codes)`` written in."""
    start, codes = local
    out = ref.copy()
    out[start : start + len(codes)] = codes
    return out


def _bin_size(runner: ModelRunner) -> int:
    """Bases per output bin: the network's ``bin_size`` (TrackCNN), else 1 (BPNet)."""
    return int(getattr(runner.net, "bin_size", None) or 1)
