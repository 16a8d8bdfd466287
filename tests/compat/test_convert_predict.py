"""Analyze configs: one selene.predict experiment per analysis, runnable, or a clear error."""

from __future__ import annotations

import pytest
import torch
from _selene_configs import MODEL_FILE
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from selene.compat import convert
from selene.models import file_model
from selene.predict.__main__ import predict
from selene.utils.config import config_dir

ANALYZE = """---
ops: [analyze]
model: {
    path: {model_file},
    class: DeeperDeepSEA,
    class_args: {sequence_length: 320, n_targets: 2, channels: [4, 4, 4]},
    non_strand_specific: mean
}
analyze_sequences: !obj:selene_sdk.predict.AnalyzeSequences {
    trained_model_path: {tmp}/model.pth.tar,
    sequence_length: 320,
    features: !obj:selene_sdk.utils.load_features_list {input_path: {tmp}/features.txt},
    batch_size: 16,
    use_cuda: False,
    write_mem_limit: 5000,
    reference_sequence: !obj:selene_sdk.sequences.Genome {input_path: genome.fa}
}
prediction: {input_path: {tmp}/query.fa, output_dir: {tmp}/predictions, output_format: tsv}
in_silico_mutagenesis: {fa_files: [a.fa], save_data: [logits], use_sequence_name: True}
variant_effect_prediction: {
    vcf_files: [a.vcf, b.vcf], save_data: [abs_diffs], output_dir: ./vep, strand_index: 7
}
random_seed: 1000
...
"""


def _compose(path, *overrides):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(
            "predict",
            overrides=[
                f"+experiment={path.stem}",
                f"hydra.searchpath=[file://{path.parent.parent}]",
                *overrides,
            ],
        )


def test_each_analysis_gets_an_experiment(selene_yaml, out) -> None:
    result = convert(selene_yaml(ANALYZE), out)
    names = [p.name for p in result.files]
    assert names == ["run.yaml", "run_ism.yaml", "run_vep.yaml"]
    search = f"'hydra.searchpath=[file://{out.parent.parent}]'"
    assert result.commands == [
        f"python -m selene.predict +experiment=run {search}",
        f"python -m selene.predict +experiment=run_ism {search}",
        f"python -m selene.predict -m +experiment=run_vep {search} analysis.vcf_file=a.vcf,b.vcf",
    ]
    fasta = _compose(out)
    assert fasta.analysis.method == "get_predictions_for_fasta_file"
    assert fasta.analyzer.model._target_ == "selene.models.file_model"
    assert fasta.analyzer.device == "cpu" and fasta.analyzer.write_mem_limit == 5000
    assert fasta.seed == 1000 and fasta.ckpt_path.endswith("model.pth.tar")
    ism = _compose(out.with_name("run_ism.yaml"))
    assert ism.analysis.method == "in_silico_mutagenesis_from_file"
    assert ism.analysis.input_path == "a.fa" and ism.analysis.save_data == ["logits"]
    vep = _compose(out.with_name("run_vep.yaml"))
    assert vep.analysis.method == "variant_effect_prediction"
    assert vep.analysis.vcf_file == "a.vcf" and vep.analysis.strand_index == 7
    assert vep.analyzer.reference_sequence.input_path == "genome.fa"


def test_the_converted_prediction_runs_on_selene_weights(
    synthetic, selene_yaml, out, tmp_path
) -> None:
    args = {"sequence_length": 320, "n_targets": 2, "channels": [4, 4, 4]}
    net = file_model(MODEL_FILE, "DeeperDeepSEA", args, non_strand_specific="mean")
    torch.save({"state_dict": net.state_dict()}, tmp_path / "model.pth.tar")  # as Selene saves
    (tmp_path / "features.txt").write_text("f0\nf1\n")
    (tmp_path / "query.fa").write_text(synthetic.query_fasta.read_text())
    convert(selene_yaml(ANALYZE), out)
    overrides = [f"analyzer.reference_sequence.input_path={synthetic.fasta}"]
    overrides += [f"paths.log_dir={tmp_path}/logs", "+analyzer.show_progress=false"]
    predict(_compose(out, *overrides))
    rows = (tmp_path / "predictions" / "query_predictions.tsv").read_text().splitlines()
    assert rows[0].split("\t") == ["index", "name", "f0", "f1"]
    values = [float(v) for row in rows[1:] for v in row.split("\t")[2:]]
    assert values and all(0 < v < 1 for v in values)


def test_ism_of_one_sequence_writes_its_fasta(selene_yaml, out) -> None:
    text = ANALYZE.replace(
        "in_silico_mutagenesis: {fa_files: [a.fa], save_data: [logits], use_sequence_name: True}",
        "in_silico_mutagenesis: {sequence: ACGTACGT, save_data: [diffs], "
        "output_path_prefix: {tmp}/ism/seq1}",
    )
    result = convert(selene_yaml(text), out)
    fasta = out.with_name("run_ism_seq1.fa")
    assert fasta in result.files and fasta.read_text() == ">seq1\nACGTACGT\n"
    ism = OmegaConf.load(out.with_name("run_ism.yaml")).analysis
    assert ism.input_path == str(fasta.resolve()) and ism.output_dir.endswith("/ism")


def test_bed_input_and_a_missing_checkpoint(selene_yaml, out) -> None:
    text = """
ops: [analyze]
analyze_sequences: !obj:selene.AnalyzeSequences {sequence_length: 1000, use_cuda: True}
prediction: {input_path: regions.bed.gz, output_dir: ./out, strand_index: 5}
"""
    result = convert(selene_yaml(text), out)
    assert result.commands[0].endswith(" ckpt_path=PATH")
    cfg = _compose(out, "ckpt_path=x.ckpt")
    assert cfg.analysis.method == "get_predictions_for_bed_file" and cfg.analysis.strand_index == 5
    assert cfg.analyzer.device == "auto" and "model" not in OmegaConf.load(out).analyzer


def test_selene_01_indexed_fasta_is_the_reference(selene_yaml, out) -> None:
    text = """
ops: [analyze]
analyze_sequences: !obj:selene.AnalyzeSequences {trained_model_path: m.ckpt}
variant_effect_prediction: {vcf_files: [a.vcf], save_data: [diffs], indexed_fasta: hg.fa}
"""
    convert(selene_yaml(text), out)
    assert _compose(out).analyzer.reference_sequence.input_path == "hg.fa"


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            ("batch_size: 16,", "batch_size: 16, n_jobs: 3,"),
            r"selene\.yml:\d+: `analyze_sequences\.n_jobs` is not an AnalyzeSequences argument",
        ),
        (
            ("trained_model_path: {tmp}/model.pth.tar", "trained_model_path: [a.pth, b.pth]"),
            r"`analyze_sequences\.trained_model_path` is a list \(Selene's MultiModelWrapper\)",
        ),
        (
            ("save_data: [abs_diffs],", "save_data: [abs_diffs], extra: 1,"),
            r"selene\.yml:\d+: `variant_effect_prediction\.extra` is not a key the converter",
        ),
        (
            ("fa_files: [a.fa],", "output_path_prefix: x, fa_files: [a.fa],"),
            r"`in_silico_mutagenesis\.output_path_prefix` goes with `sequence` only",
        ),
        (("fa_files: [a.fa],", ""), r"`in_silico_mutagenesis` has no input"),
        (("vcf_files: [a.vcf, b.vcf],", ""), r"`variant_effect_prediction\.vcf_files` is requ"),
        (
            ("vcf_files: [a.vcf, b.vcf],", "vcf_files: [],"),
            r"`variant_effect_prediction\.vcf_files` must be a list of paths",
        ),
        (
            ("prediction: {input_path: {tmp}/query.fa,", "prediction: {"),
            r"`prediction\.input_path` is required",
        ),
        (
            ("selene_sdk.predict.AnalyzeSequences", "selene_sdk.predict.Analyze"),
            r"`analyze_sequences` must be !obj:selene_sdk\.predict\.AnalyzeSequences",
        ),
    ],
)
def test_unmappable_analysis_keys_are_errors(selene_yaml, out, edit, match) -> None:
    with pytest.raises(ValueError, match=match):
        convert(selene_yaml(ANALYZE.replace(*edit)), out)


def test_analyze_needs_an_analysis(selene_yaml, out) -> None:
    text = "ops: [analyze]\nanalyze_sequences: !obj:selene_sdk.predict.AnalyzeSequences {}\n"
    with pytest.raises(ValueError, match=r"`ops` has analyze, but the file has no prediction"):
        convert(selene_yaml(text), out)
