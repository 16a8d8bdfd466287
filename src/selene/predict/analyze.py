"""``AnalyzeSequences``: the Selene SDK's prediction API, wired to our functions and writers.

The constructor and the method names and parameters are Selene 0.6.0's, so a Selene script
ports by changing its import; the extra options are keyword-only. Output files have Selene's
names and layout (see :mod:`selene.predict.writers`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from selene.models.checkpoints import describe_module, describe_net
from selene.models.file_model import model_file_config
from selene.predict import _analyze_files as _files
from selene.predict.accel import LayerLocal
from selene.predict.alleles import VepCounts
from selene.predict.codes import check_letters, encode, fit_length, warn_fit
from selene.predict.model import load_model, model_signature, read_features
from selene.predict.ops import predict_codes
from selene.predict.runner import ModelRunner, resolve_device
from selene.predict.writers import OutputSet, file_signature, fingerprint, selene_outputs
from selene.sequences import Genome, complement_codes
from selene.utils.checks import check_arguments


class AnalyzeSequences:
    """Score sequences and their variants with a trained model.

    Parameters
    ----------
    model : torch.nn.Module or SequenceLitModule, optional
        The architecture (our models return logits; a model ending in ``nn.Sigmoid``, as the
        Selene SDK's do, is taken to return probabilities). None: rebuilt from the Lightning
        checkpoint ``trained_model_path``.
    trained_model_path : str or Path, or a list of them, optional
        A Lightning checkpoint written by ``selene.train`` or a Selene ``.pth.tar``; loaded with
        ``torch.load(weights_only=True)``. None: ``model`` already holds its weights. A list:
        one file per sub-model of a :class:`~selene.models.MultiModelWrapper`, in order.
    sequence_length : int, optional
        Defaults to the model's ``sequence_length`` attribute.
    features : list of str, or a path to a file with one name per line, optional
        Defaults to the names a Lightning checkpoint records.
    batch_size : int
    use_cuda : bool
        Run on the GPU (same as ``device="cuda"``).
    data_parallel : bool
        Spread full forward passes over all GPUs (``nn.DataParallel``).
    reference_sequence : Genome class or instance
        The alphabet; BED and VCF input need an instance (the genome to read).
    write_mem_limit : int
        Accepted for compatibility; outputs are written batch by batch.
    device : str or torch.device, optional
        ``"auto"``: the GPU when there is one, else the CPU. None: ``use_cuda`` decides.
    precision : {"32", "bf16", "16"}
        ``"32"`` keeps float32; the others autocast the forward passes.
    average_reverse_complement : bool
        Average predictions over each sequence and its reverse complement.
    activation : {"sigmoid", "identity", "exp"}, optional
        Maps model outputs to predictions; by default from the checkpoint's loss, or
        ``identity`` for a model ending in a sigmoid, else ``sigmoid``.
    layer_local : {"auto", True, False}
        ``"auto"``: layer-local passes for mutants (and prepacked convolutions on a CPU) where
        the model's layer-local engine passed its self-check against the plain forward pass;
        True: require them (ValueError if the model has none); False: plain PyTorch.
    resume : bool
        Continue an interrupted run whose outputs are in place (see :mod:`.writers`).
    show_progress : bool
    """

    def __init__(
        self,
        model: nn.Module | None = None,
        trained_model_path: str | Path | Sequence[str | Path] | None = None,
        sequence_length: int | None = None,
        features: Sequence[str] | str | Path | None = None,
        batch_size: int = 64,
        use_cuda: bool = False,
        data_parallel: bool = False,
        reference_sequence: type[Genome] | Genome = Genome,
        write_mem_limit: int = 1500,
        *,
        device: str | torch.device | None = None,
        precision: str = "32",
        average_reverse_complement: bool = False,
        activation: str | None = None,
        layer_local: LayerLocal = "auto",
        resume: bool = True,
        show_progress: bool = True,
    ) -> None:
        check_arguments(AnalyzeSequences.__init__, locals())  # batch_size='64' -> TypeError
        self._arguments = {k: v for k, v in locals().items() if k != "self"}  # devices=N
        net, auto_activation, recorded = load_model(model, trained_model_path)
        self.model = net
        self.sequence_length = int(sequence_length or getattr(net, "sequence_length", 0))
        if self.sequence_length < 1:
            config = model_file_config(net)
            named = describe_net(config) if config else describe_module(net)
            raise ValueError(
                f"{named} does not record its window (no sequence_length "
                "attribute, nor class_args.sequence_length in a model file's config): pass "
                "sequence_length=N to AnalyzeSequences, or analyzer.sequence_length=N to "
                "python -m selene.predict, N the window it was trained on"
            )
        self.features = read_features(features if features is not None else recorded)
        self.batch_size = batch_size
        self.reference_sequence = reference_sequence
        self.write_mem_limit = write_mem_limit
        self.resume, self.show_progress = resume, show_progress
        self._alphabet = "".join(reference_sequence.BASES_ARR)
        self._unknown = reference_sequence.UNK_BASE
        self.device = resolve_device(device, use_cuda)
        self.use_cuda = self.device.type == "cuda"
        if data_parallel and torch.cuda.device_count() > 1:
            net, layer_local = nn.DataParallel(net), False
        self._runner = ModelRunner(
            net,
            self.sequence_length,
            n_letters=len(self._alphabet),
            complement=complement_codes(self._alphabet),
            activation=activation or auto_activation,  # type: ignore[arg-type]
            average_reverse_complement=average_reverse_complement,
            device=self.device,
            precision=precision,
            layer_local=layer_local,
        )
        _files.check_outputs(self)
        self._options = (precision, average_reverse_complement, activation or auto_activation)
        self._signature: str | None = None

    # ---- plain predictions ---------------------------------------------------------------
    def get_predictions(
        self,
        input_path: str,
        output_dir: str | None = None,
        output_format: str = "tsv",
        strand_index: int | None = None,
    ) -> np.ndarray | None:
        """Predict for a sequence string, or a FASTA or BED file.

        Without ``output_dir``, ``input_path`` is a sequence and its ``(1, F)`` predictions
        are returned; otherwise ``.fa``/``.fasta`` (optionally ``.gz``) files are read as
        FASTA, anything else as BED, and predictions are written to ``output_dir``.
        """
        if output_dir is None:
            check_letters(input_path, self._alphabet, self._unknown)
            seq = fit_length(input_path, self.sequence_length, self._unknown)
            return predict_codes(self._runner, encode(seq, self._alphabet, self._unknown)[None])
        if input_path.removesuffix(".gz").endswith((".fa", ".fasta")):
            self.get_predictions_for_fasta_file(input_path, output_dir, output_format)
        else:
            self.get_predictions_for_bed_file(input_path, output_dir, output_format, strand_index)
        return None

    def get_predictions_for_fasta_file(
        self, input_path: str, output_dir: str, output_format: str = "tsv"
    ) -> None:
        """Write predictions for each record of a FASTA file to ``output_dir``."""
        _files.fasta_predictions(self, input_path, output_dir, output_format)

    def get_predictions_for_bed_file(
        self,
        input_path: str,
        output_dir: str,
        output_format: str = "tsv",
        strand_index: int | None = None,
    ) -> None:
        """Write predictions for a window centred on each BED interval to ``output_dir``."""
        _files.bed_predictions(self, input_path, output_dir, output_format, strand_index)

    # ---- coverage tracks ------------------------------------------------------------------
    def get_track_predictions(
        self,
        output_dir: str,
        input_path: str | None = None,
        chroms: Sequence[str] | None = None,
        center_crop: int = 0,
        overlap: int = 0,
    ) -> list[Path]:
        """Write predicted coverage, one bigWig per track: ``<out>/[<bed name>_]<feature>.bw``.

        Windows of the model's length are tiled over the regions of the BED file
        ``input_path``, or over the chromosomes ``chroms`` (None: the whole genome); see
        :mod:`selene.predict.tracks` for how they are placed, ``center_crop`` (output bins
        dropped at each end of a window) and ``overlap`` (kept bins two windows share,
        averaged). A bin of ``b`` bases is one interval of ``b`` bases in the files. Returns
        the paths, in feature order.
        """
        return _files.track_predictions(self, output_dir, input_path, chroms, center_crop, overlap)

    # ---- in silico mutagenesis ---------------------------------------------------------------
    def in_silico_mutagenesis(
        self,
        sequence: str,
        save_data: Sequence[str],
        output_path_prefix: str = "ism",
        mutate_n_bases: int = 1,
        output_format: str = "tsv",
        start_position: int = 0,
        end_position: int | None = None,
    ) -> None:
        """Score every mutant of ``sequence`` in ``[start_position, end_position)``.

        The sequence is first fitted to the model length; positions index the fitted sequence
        (a warning says which span of a longer or shorter sequence that is). Files are
        ``<output_path_prefix>_<kind>.<ext>``.
        """
        if not sequence:
            raise ValueError("in_silico_mutagenesis: the sequence is empty; give it its bases")
        directory = os.path.dirname(output_path_prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        check_letters(sequence, self._alphabet, self._unknown)
        warn_fit("the sequence", len(sequence), self.sequence_length)
        seq = fit_length(sequence, self.sequence_length, self._unknown)
        _files.ism_sequence(self, seq, save_data, output_path_prefix, mutate_n_bases,
                            output_format, start_position, end_position, "sequence")  # fmt: skip

    def in_silico_mutagenesis_from_file(
        self,
        input_path: str,
        save_data: Sequence[str],
        output_dir: str,
        mutate_n_bases: int = 1,
        use_sequence_name: bool = True,
        output_format: str = "tsv",
        start_position: int = 0,
        end_position: int | None = None,
    ) -> None:
        """Run :meth:`in_silico_mutagenesis` on each record of a FASTA file.

        Files are prefixed by the record's name or, if not ``use_sequence_name``, its index.
        Names are made safe and unique file-name stems first (characters other than letters,
        digits and ``_ . + = -`` become ``_``, leading dots are dropped, a repeated name gets
        ``_2``, ``_3``, ...), with a warning for each record renamed so. Every record is
        checked (letters, not empty) before any is scored. A rerun of an interrupted run skips
        the records it finished (``<fasta name>_ism.inprogress`` lists them).

        Raises
        ------
        ValueError
            If a record is empty or has letters outside the alphabet (naming the file and
            record).
        """
        _files.ism_from_file(self, input_path, save_data, output_dir, mutate_n_bases,
                             use_sequence_name, output_format, start_position,
                             end_position)  # fmt: skip

    # ---- variant effect prediction -------------------------------------------------------
    def variant_effect_prediction(
        self,
        vcf_file: str,
        save_data: Sequence[str],
        output_dir: str | None = None,
        output_format: str = "tsv",
        strand_index: int | None = None,
        require_strand: bool = False,
        *,
        score_ref_mismatches: bool = False,
        span: int | None = 200,
        pseudocount: float = 1.0,
        annotated_vcf: bool = False,
        annotate_top_k: int | None = None,
        regions: Sequence[str] | None = None,
        shards: int = 1,
        shard: int | None = None,
        devices: int = 1,
    ) -> VepCounts:
        """Score each ALT of each VCF record; files are ``<output_dir>/<vcf name>_<kind>``.

        ``predictions`` are written as ``<prefix>.ref_predictions`` and
        ``<prefix>.alt_predictions``. Unscorable records go to ``<prefix>.NA``; records whose
        REF differs from the reference to ``<prefix>.ref_mismatches.vcf`` (scored with the VCF's
        REF, ``ref_match=False``, if ``score_ref_mismatches``).

        A track model (3-D or paired outputs) takes ``save_data`` from
        :data:`selene.io.outputs.TRACK_KINDS` (one column per track; ``span``: the central
        bases of the ``_span`` kinds, ``pseudocount``: added to the sums in the log2 fold
        changes; see :mod:`selene.predict.vep_tracks`).

        ``annotated_vcf``: also write ``<prefix>.annotated.vcf.gz`` (+ ``.tbi``), the VCF's
        records with their ``diffs`` as INFO fields, all features or the ``annotate_top_k``
        largest by ``|diff|`` (see :mod:`selene.predict.annotated_vcf`); needs ``diffs`` in
        ``save_data``.

        ``regions``: score only the records whose POS lies in these regions (``chr1:1-1000``,
        1-based, both ends included; not overlapping) of a bgzipped, tabix-indexed VCF, region
        by region (see :mod:`selene.predict.vcf_regions`).

        ``shards``, ``shard``: score block ``shard`` (0-based; None: every unfinished one) of
        ``shards`` contiguous blocks of records into resumable parts, merged into one process's
        files, byte for byte, once all are done (:mod:`selene.predict.shards`, ``.merge``).
        ``devices``: that many processes score one shard each, one per GPU (or CPU), and
        merge (:mod:`selene.predict.devices`).
        """
        return _files.variant_effects(
            self, vcf_file, save_data, output_dir, output_format, strand_index, require_strand,
            score_ref_mismatches=score_ref_mismatches, span=span, pseudocount=pseudocount,
            annotated_vcf=annotated_vcf, annotate_top_k=annotate_top_k, regions=regions,
            shards=shards, shard=shard, devices=devices,
        )  # fmt: skip

    # ---- helpers -------------------------------------------------------------------------
    def _outputs(self, prefix, kinds, output_format, columns, source, *options) -> OutputSet:
        if os.path.isfile(str(source)):
            source = file_signature(source)
        key = fingerprint(source, columns, kinds, options, self._model_signature(), self.features)
        return selene_outputs(prefix, kinds, output_format, columns, self.features, key)

    def _model_signature(self) -> str:
        if self._signature is None:
            net, options = self._runner.net, (self.sequence_length, self._options)
            self._signature = model_signature(net, *options)
        return self._signature
