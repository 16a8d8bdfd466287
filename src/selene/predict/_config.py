"""What ``python -m selene.predict`` fills in before it builds the analyzer.

- The reference genome: BED and VCF analyses read one. With the demo checkpoint (no
  ``ckpt_path``, no ``analyzer.model``) it is the demo's; with a model of the user's it must be
  given, since the demo genome would give wrong windows without a word. FASTA and ISM analyses
  need only the alphabet (the ``Genome`` class).
- The output folder: by default a function of the inputs, so that rerunning an interrupted
  command resumes it (see :mod:`selene.predict.writers`) without the user knowing its path.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from omegaconf import DictConfig, OmegaConf

from selene.io.outputs import vcf_prefix
from selene.predict.writers import file_signature, fingerprint

log = logging.getLogger("selene.predict")

#: Methods that read no genome (the ``reference_sequence`` class gives the alphabet).
NO_GENOME = frozenset(
    {"get_predictions_for_fasta_file", "in_silico_mutagenesis_from_file", "in_silico_mutagenesis"}
)
#: The folder each method's default outputs go to, under ``${paths.log_dir}/predict``.
SHORT_NAMES = {
    "get_predictions_for_fasta_file": "fasta",
    "get_predictions_for_bed_file": "bed",
    "in_silico_mutagenesis_from_file": "ism",
    "variant_effect_prediction": "vep",
    "get_track_predictions": "tracks",
}
#: Analyzer keys that change how a run goes, not what it writes: left out of the folder name.
RUNTIME_KEYS = frozenset(
    {"batch_size", "device", "use_cuda", "data_parallel", "write_mem_limit", "resume",
     "show_progress"}
)  # fmt: skip


def fill_reference(cfg: DictConfig, demo: bool) -> None:
    """Complete ``cfg.analyzer.reference_sequence`` when its ``input_path`` is null.

    Parameters
    ----------
    cfg : DictConfig
        The composed ``predict`` config (changed in place).
    demo : bool
        Whether the model is the demo checkpoint (the demo genome then goes with it).

    Raises
    ------
    ValueError
        If the analysis reads a genome, none is given and the model is not the demo's.
    """
    ref = cfg.analyzer.get("reference_sequence")
    if not isinstance(ref, DictConfig) or ref.get("input_path", "") is not None:
        return
    method = cfg.analysis.method
    if method in NO_GENOME:
        alphabet_only = {"_target_": "hydra.utils.get_class", "path": ref._target_}
        cfg.analyzer.reference_sequence = alphabet_only
    elif demo:
        ref.input_path = cfg.demo_genome
    else:
        raise ValueError(
            f"analysis method {method} reads a reference genome, and none is given for "
            f"ckpt_path={cfg.ckpt_path}: pass analyzer.reference_sequence.input_path=<the genome "
            "FASTA the model was trained on> (the demo genome goes only with the demo checkpoint)"
        )


def default_output_dir(cfg: DictConfig) -> Path:
    """Return ``${paths.log_dir}/predict/<analysis>/<input name>-<hash of the inputs>``.

    The hash covers the analysis options, the analyzer config (less :data:`RUNTIME_KEYS`) and
    the path, size and modification time of every file they name (checkpoint, input, genome),
    so the same command gives the same folder and a changed input or option a new one.
    """
    analysis = cast(dict, OmegaConf.to_container(cfg.analysis, resolve=True))
    analyzer = cast(dict, OmegaConf.to_container(cfg.analyzer, resolve=True))
    analysis.pop("output_dir", None)
    for key in ("shard", "devices"):  # the shards of a run share its folder, on any devices
        analysis.pop(key, None)
    for key in RUNTIME_KEYS:
        analyzer.pop(key, None)
    source = analysis.get("input_path") or analysis.get("vcf_file")
    method = str(analysis["method"])
    stem = vcf_prefix(source) if isinstance(source, str) else method
    key = fingerprint(_signed(analysis), _signed(analyzer))[:10]
    return Path(cfg.paths.log_dir, "predict", SHORT_NAMES.get(method, method), f"{stem}-{key}")


def announce(output_dir: str | Path, resume: bool) -> str:
    """Log whether the run resumes an unfinished run in ``output_dir`` or writes anew; return it.

    An unfinished run leaves ``*.inprogress`` markers beside its files.
    """
    folder = Path(output_dir)
    unfinished = sorted(p.name for p in folder.glob("*.inprogress")) if folder.is_dir() else []
    if unfinished and resume:
        more = ", ..." if len(unfinished) > 3 else ""
        message = f"resuming the unfinished run in {folder} ({', '.join(unfinished[:3])}{more})"
    elif folder.is_dir() and any(folder.iterdir()):
        message = f"writing to {folder} (replacing the outputs of an earlier run there)"
    else:
        message = f"writing to {folder}"
    log.info(message)
    return message


def _signed(value: object) -> object:
    """``value`` with every string naming an existing file replaced by its signature."""
    if isinstance(value, dict):
        return {k: _signed(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_signed(v) for v in value]
    if isinstance(value, str) and Path(value).is_file():
        return file_signature(value)
    return value
