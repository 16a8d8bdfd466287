"""Selene's ``analyze`` op -> one ``selene.predict`` experiment per analysis.

``analyze_sequences`` with ``prediction``, ``in_silico_mutagenesis`` and
``variant_effect_prediction``.

Each experiment selects the ``analysis`` option (``fasta``, ``bed``, ``ism``, ``vep``) and sets
``analyzer`` (the ``AnalyzeSequences`` arguments) and ``ckpt_path``. A list of files
(``vcf_files``, ``fa_files``) runs as a Hydra multirun over them; ISM of a single
``sequence`` reads a one-record FASTA that the converter writes beside its output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selene.compat._sampler import value_config
from selene.compat._source import Source, put
from selene.compat._yaml import Obj, SeleneMap

__all__ = ["Analysis", "analyses", "analyzer_config"]

_SECTIONS = ("prediction", "in_silico_mutagenesis", "variant_effect_prediction")
_ANALYZER = {"sequence_length", "batch_size", "data_parallel"}


@dataclass
class Analysis:
    """One predict run: the option of the ``analysis`` group, its keys, a multirun sweep."""

    option: str
    keys: dict[str, Any]
    sweep: dict[str, list[str]] = field(default_factory=dict)  # key -> values for -m
    fasta: tuple[str, str] | None = None  # (name, sequence) of a FASTA to write


def analyzer_config(src: Source, section: Any, net: dict[str, Any] | None) -> dict[str, Any]:
    """Return the top-level keys (``ckpt_path``) and ``analyzer`` of ``analyze_sequences``.

    Raises
    ------
    ValueError
        Naming the key: a section that is not ``!obj:...AnalyzeSequences`` or an unknown key.
    """
    if not (isinstance(section, Obj) and section.cls == "AnalyzeSequences"):
        raise src.error(
            section if isinstance(section, Obj) else None,
            None,
            "analyze_sequences",
            "must be !obj:selene_sdk.predict.AnalyzeSequences {...}",
            "tag it as Selene does",
        )
    args = section.args
    exp: dict[str, Any] = {"analyzer": {}}
    if net is not None:
        exp["analyzer"]["model"] = net
    for key, value in args.items():
        name = f"analyze_sequences.{key}"
        if key == "trained_model_path":
            if isinstance(value, list):
                raise src.error(
                    args,
                    key,
                    name,
                    "is a list (Selene's MultiModelWrapper)",
                    "set analyzer.model to a selene.models.MultiModelWrapper config and "
                    "analyzer.trained_model_path to the list by hand (see docs/guide.md)",
                )
            exp["ckpt_path"] = value
        elif key in _ANALYZER:
            exp["analyzer"][key] = value
        elif key == "features":
            exp["analyzer"]["features"] = value_config(src, value, name)
        elif key == "reference_sequence":
            exp["analyzer"]["reference_sequence"] = _genome(src, value, name)
        elif key == "use_cuda":
            exp["analyzer"]["device"] = "auto" if value else "cpu"
            if value:
                src.note(args, key, name, "is analyzer.device=auto (the GPU when there is one)")
        elif key == "write_mem_limit":
            exp["analyzer"][key] = value
            src.note(args, key, name, "is accepted, unused: selene writes each batch's rows")
        else:
            raise src.error(
                args,
                key,
                name,
                "is not an AnalyzeSequences argument the converter knows",
                "remove it (see docs/guide.md, 'Coming from selene_sdk')",
            )
    if "ckpt_path" not in exp:
        exp["ckpt_path"] = "???"
        src.note(
            args,
            None,
            "analyze_sequences.trained_model_path",
            "is missing: give ckpt_path=PATH on the command line",
        )
    return exp


def analyses(src: Source, config: SeleneMap, exp: dict[str, Any]) -> list[Analysis]:
    """One :class:`Analysis` per section Selene would run, in Selene's order.

    Raises
    ------
    ValueError
        Naming the key, for an unknown key or a section with no input.
    """
    found: list[Analysis] = []
    for section in _SECTIONS:
        if section in config:
            args = config[section]
            if not isinstance(args, SeleneMap):
                raise src.error(
                    config, section, section, "must be a mapping {key: value}", "write it so"
                )
            mapper = {"prediction": _prediction, "in_silico_mutagenesis": _ism}
            found.append(mapper.get(section, _vep)(src, args, exp))
    return found


def _genome(src: Source, value: Any, name: str) -> dict[str, Any]:
    config = value_config(src, value, name)
    if isinstance(config, str):
        return {"input_path": config}
    if not isinstance(config, dict):
        raise src.error(None, None, name, f"must be a Genome, got {value!r}", "give a FASTA")
    return config


def _copy(
    src: Source, args: SeleneMap, section: str, keys: set[str], renamed: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key in keys:
            out[renamed.get(key, key)] = value_config(src, value, f"{section}.{key}")
        else:
            raise src.error(
                args,
                key,
                f"{section}.{key}",
                f"is not a key the converter knows here (known: {sorted(keys)})",
                "remove it",
            )
    return out


def _files(src: Source, args: SeleneMap, key: str, section: str) -> tuple[str, list[str]]:
    files = args[key]
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(f, str) for f in files):
        raise src.error(args, key, f"{section}.{key}", "must be a list of paths", "give one")
    if len(files) > 1:
        src.note(args, key, f"{section}.{key}", f"{len(files)} files: a multirun, one job each")
    return files[0], files


def _prediction(src: Source, args: SeleneMap, exp: dict[str, Any]) -> Analysis:
    keys = _copy(
        src, args, "prediction", {"input_path", "output_dir", "output_format", "strand_index"}, {}
    )
    source = keys.get("input_path")
    if not isinstance(source, str):
        raise src.error(args, None, "prediction.input_path", "is required", "give a file")
    suffixes = [s.lower() for s in Path(source).suffixes]
    if ".bed" in suffixes:
        return Analysis("bed", keys)
    keys.pop("strand_index", None)
    if set(source.upper()) <= set("ACGTN") and not Path(source).exists():
        keys["input_path"] = "sequence.fa"  # replaced by the written FASTA's path
        return Analysis("fasta", keys, fasta=("sequence", source))
    return Analysis("fasta", keys)


def _ism(src: Source, args: SeleneMap, exp: dict[str, Any]) -> Analysis:
    allowed = {
        "input_path",
        "fa_files",
        "sequence",
        "save_data",
        "output_dir",
        "output_path_prefix",
        "mutate_n_bases",
        "use_sequence_name",
        "output_format",
        "start_position",
        "end_position",
    }
    keys = _copy(src, args, "in_silico_mutagenesis", allowed, {})
    sweep: dict[str, list[str]] = {}
    fasta = None
    if "fa_files" in keys:
        keys["input_path"], files = _files(src, args, "fa_files", "in_silico_mutagenesis")
        del keys["fa_files"]
        if len(files) > 1:
            sweep["analysis.input_path"] = files
    elif "sequence" in keys:
        prefix = Path(keys.pop("output_path_prefix", "ism"))
        fasta = (prefix.name, str(keys.pop("sequence")))
        keys["input_path"] = f"{prefix.name}.fa"  # replaced by the written FASTA's path
        keys.setdefault("output_dir", str(prefix.parent))
        keys["use_sequence_name"] = True
        src.note(
            args,
            "sequence",
            "in_silico_mutagenesis.sequence",
            f"is written as a one-record FASTA (>{prefix.name}), so the files keep Selene's "
            f"names ({prefix}_<kind>.tsv)",
        )
    elif "input_path" not in keys:
        raise src.error(
            args,
            None,
            "in_silico_mutagenesis",
            "has no input (input_path, fa_files or sequence)",
            "give one",
        )
    if "output_path_prefix" in keys:
        raise src.error(
            args,
            "output_path_prefix",
            "in_silico_mutagenesis.output_path_prefix",
            "goes with `sequence` only",
            "use output_dir",
        )
    return Analysis("ism", keys, sweep, fasta)


def _vep(src: Source, args: SeleneMap, exp: dict[str, Any]) -> Analysis:
    allowed = {
        "vcf_files",
        "save_data",
        "output_dir",
        "output_format",
        "strand_index",
        "require_strand",
        "indexed_fasta",
    }
    keys = _copy(src, args, "variant_effect_prediction", allowed, {})
    if "vcf_files" not in keys:
        raise src.error(
            args, None, "variant_effect_prediction.vcf_files", "is required", "list the VCFs"
        )
    keys["vcf_file"], files = _files(src, args, "vcf_files", "variant_effect_prediction")
    del keys["vcf_files"]
    if "indexed_fasta" in keys:  # Selene 0.1 named the genome here
        put(exp, "analyzer.reference_sequence.input_path", keys.pop("indexed_fasta"))
        src.note(
            args,
            "indexed_fasta",
            "variant_effect_prediction.indexed_fasta",
            "(Selene 0.1) is analyzer.reference_sequence.input_path",
        )
    sweep = {"analysis.vcf_file": files} if len(files) > 1 else {}
    return Analysis("vep", keys, sweep)
