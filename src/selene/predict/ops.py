"""Predictions, in silico mutagenesis and variant effects as arrays: no files.

These are the operations behind :class:`~selene.predict.AnalyzeSequences`, which reads its
inputs, calls the same scoring functions and hands their arrays to the writers, so for the same
model, options and ``batch_size`` the arrays returned here equal the files it writes.

``model`` is a ``torch.nn.Module`` (our models return logits; one ending in ``nn.Sigmoid``, as
the Selene SDK's do, is taken to return probabilities), a ``SequenceLitModule`` (its loss picks
the activation) or a :class:`~selene.predict.ModelRunner` (reused as is, e.g. across calls).
The network is put in eval mode and moved to ``device``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

from selene.io import vcf
from selene.predict import ism, vep
from selene.predict.accel import LayerLocal
from selene.predict.alleles import Placer
from selene.predict.codes import Sequences, as_codes, warn_fit
from selene.predict.ism import ISMScores
from selene.predict.model import load_model
from selene.predict.runner import ModelRunner, resolve_device
from selene.predict.unscored import Unscored
from selene.predict.vep import VariantEffects
from selene.predict.vep_tracks import track_scorer
from selene.sequences import Genome, complement_codes
from selene.utils.warnings import SeleneWarning


def make_runner(
    model: nn.Module | ModelRunner,
    sequence_length: int | None = None,
    *,
    alphabet: str = "ACGT",
    device: str | torch.device = "auto",
    activation: str | None = None,
    average_reverse_complement: bool = False,
    layer_local: LayerLocal = "auto",
) -> ModelRunner:
    """Return a :class:`ModelRunner` for ``model`` (``model`` itself if it is one).

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or ModelRunner
    sequence_length : int, optional
        Defaults to the model's ``sequence_length`` attribute.
    alphabet : str
    device : str or torch.device
        ``"auto"``: the GPU when there is one, else the CPU.
    activation : {"sigmoid", "identity", "exp"}, optional
        Default: from a ``SequenceLitModule``'s loss, ``identity`` for a network ending in a
        sigmoid, else ``sigmoid``.
    average_reverse_complement : bool
        As in :class:`ModelRunner`.
    layer_local : {"auto", True, False}
        As in :class:`ModelRunner`: ``"auto"`` uses the layer-local engine where its
        self-check passed, True requires it, False runs plain PyTorch.

    Raises
    ------
    ValueError
        If the sequence length is neither given nor recorded by the model.
    """
    if isinstance(model, ModelRunner):
        return model
    net, auto_activation, _ = load_model(model, None)
    length = int(sequence_length or getattr(net, "sequence_length", 0))
    if length < 1:
        raise ValueError(
            f"{type(net).__name__} does not record its sequence_length; pass sequence_length="
        )
    return ModelRunner(
        net,
        length,
        n_letters=len(alphabet),
        complement=complement_codes(alphabet),
        activation=activation or auto_activation,  # type: ignore[arg-type]
        average_reverse_complement=average_reverse_complement,
        device=resolve_device(device),
        layer_local=layer_local,
    )


def predict(
    model: nn.Module | ModelRunner,
    sequences: Sequences,
    *,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    **options,
) -> np.ndarray:
    """Predict for sequences.

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or ModelRunner
    sequences : str, sequence of str, numpy.ndarray or torch.Tensor
        See :func:`selene.predict.codes.as_codes`.
    batch_size : int
    device : str or torch.device
    **options
        Passed to :func:`make_runner` (``activation``, ``average_reverse_complement``, ...).

    Returns
    -------
    numpy.ndarray, shape (N, F), float32
        For a track model ``(N, T, L')``: coverage per track and output bin (the activation
        follows the checkpoint's loss; see :func:`selene.models.track_prediction`). Tracks
        over regions or chromosomes: :func:`selene.predict.predict_tracks`.
    """
    runner = make_runner(model, device=device, **options)
    codes = as_codes(sequences, runner.sequence_length)
    _check_length(codes, runner)
    batches = range(0, len(codes), batch_size)
    parts = [predict_codes(runner, codes[i : i + batch_size]) for i in batches]
    if not parts:
        probe = np.full((1, runner.sequence_length), runner.n_letters, np.uint8)
        return predict_codes(runner, probe)[:0]
    return np.concatenate(parts)


def predict_codes(runner: ModelRunner, codes: np.ndarray) -> np.ndarray:
    """Predict for one batch of codes: the one path from codes to predictions.

    :func:`predict` and ``AnalyzeSequences``' FASTA and BED predictions call it batch by
    batch. The runner applies the strand option (``average_reverse_complement``, or a
    ``NonStrandSpecific`` model's mode) and the output activation.

    Parameters
    ----------
    runner : ModelRunner
    codes : numpy.ndarray, shape (B, L), dtype uint8

    Returns
    -------
    numpy.ndarray, shape (B, F), float32
    """
    return runner.outputs(codes).predictions.float().cpu().numpy()


def in_silico_mutagenesis(
    model: nn.Module | ModelRunner,
    sequence: Sequences,
    mutate_n_bases: int = 1,
    start: int = 0,
    end: int | None = None,
    *,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    **options,
) -> ISMScores:
    """Score every mutant of ``sequence`` in ``[start, end)``.

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or ModelRunner
    sequence : str, numpy.ndarray or torch.Tensor
        One sequence (see :func:`as_codes`); a string is fitted to the model length first and
        positions index the fitted sequence (a warning says which span of a longer or shorter
        string that is).
    mutate_n_bases : int
        Bases changed per mutant (every combination of positions and alternative letters).
    start, end : int
    batch_size : int
        Mutants per batch (as ``AnalyzeSequences``' ``batch_size``).
    device : str or torch.device
    **options
        Passed to :func:`make_runner`.

    Returns
    -------
    ISMScores
        Rows in the Selene SDK's order (the rows of ``AnalyzeSequences``' files).

    Raises
    ------
    ValueError
        If ``sequence`` holds more than one sequence or is not the model length, or the range
        is invalid.
    """
    runner = make_runner(model, device=device, **options)
    if isinstance(sequence, str) and runner.sequence_length:
        warn_fit("the sequence", len(sequence), runner.sequence_length)
    codes = as_codes(sequence, runner.sequence_length)
    if len(codes) != 1:
        raise ValueError(f"in_silico_mutagenesis takes one sequence, got {len(codes)}")
    _check_length(codes, runner)
    letters = "".join(Genome.BASES_ARR) + Genome.UNK_BASE
    ref, chunks = ism.score_mutants(
        runner, codes[0], letters, start=start, end=end, n_bases=mutate_n_bases,
        batch_size=batch_size,
    )  # fmt: skip
    reference = ref.predictions.float().cpu().numpy()[0]
    return ISMScores.concatenate(list(chunks(0)), reference)


def variant_effects(
    model: nn.Module | ModelRunner,
    reference_sequence: Genome,
    variants: str | Path | Iterable[vcf.VcfRecord],
    *,
    strand_index: int | None = None,
    require_strand: bool = False,
    score_ref_mismatches: bool = False,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    span: int | None = 200,
    pseudocount: float = 1.0,
    **options,
) -> Iterator[VariantEffects]:
    """Score every ALT of every variant against ``reference_sequence``, chunk by chunk.

    Parameters
    ----------
    model : torch.nn.Module, SequenceLitModule or ModelRunner
    reference_sequence : Genome
    variants : str, Path or iterable of VcfRecord
        A VCF file (plain or gzipped) or records (:func:`selene.predict.read_vcf`).
    strand_index : int, optional
        0-based VCF column holding each variant's strand.
    require_strand, score_ref_mismatches : bool
        As in ``AnalyzeSequences.variant_effect_prediction``.
    batch_size : int
        Records per chunk.
    device : str or torch.device
    span : int, optional
        A track model's central span in bases (the ``track_*_span`` scores); None: none.
    pseudocount : float
        Added to a track model's summed coverage in its log2 fold changes.
    **options
        Passed to :func:`make_runner`.

    Yields
    ------
    VariantEffects
        One chunk per batch, in file order. Records that cannot be scored (unknown
        chromosome, past its end, an SV that does not fit the window, REF mismatch) are left
        out and counted in a
        :class:`~selene.utils.warnings.SeleneWarning` at the end. A track model (3-D or
        paired outputs) fills the ``track_*`` kinds (:mod:`selene.predict.vep_tracks`) and
        leaves the others None.
    """
    runner = make_runner(model, device=device, alphabet="".join(reference_sequence.BASES_ARR),
                         **options)  # fmt: skip
    source = str(variants) if isinstance(variants, (str, Path)) else "the variants"
    if isinstance(variants, (str, Path)):
        variants = vcf.read_vcf(variants, strand_index)
    na, mismatches = Unscored(io.StringIO(), source), io.StringIO()
    placer = Placer(reference_sequence, runner.sequence_length, na, mismatches,
                    score_ref_mismatches, require_strand)  # fmt: skip
    scorer = track_scorer(runner, span, pseudocount)
    for _, chunk in vep.score_variants(runner, placer, variants, batch_size, scorer=scorer):
        yield chunk
    notes = vep.unscored_notes(placer.counts, na)
    if notes:
        warnings.warn("; ".join(notes), SeleneWarning, stacklevel=2)


def _check_length(codes: np.ndarray, runner: ModelRunner) -> None:
    if codes.shape[1] != runner.sequence_length:
        raise ValueError(
            f"the sequences are {codes.shape[1]} long but the model takes "
            f"{runner.sequence_length}; give sequences of the model length (strings are fitted)"
        )
