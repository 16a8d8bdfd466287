"""``python -m selene.predict`` defaults: a resumable output folder, the GPU, no stray genome."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from selene.predict import runner
from selene.predict.__main__ import predict
from selene.predict._config import default_output_dir
from selene.utils.config import config_dir


def config(*overrides: str):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        fast = ["+analyzer.show_progress=false", "analyzer.layer_local=false"]
        return compose("predict", overrides=[*fast, *overrides])


def test_interrupted_run_resumes_in_the_default_folder(
    checkpoint, workdir, tmp_path, monkeypatch, caplog
) -> None:
    """The same command twice: the second finds the first's folder and carries on from it."""
    caplog.set_level(logging.INFO, logger="selene.predict")
    args = [
        f"ckpt_path={checkpoint}",
        f"analysis.input_path={workdir / 'query.fa'}",  # 5 records
        f"paths.log_dir={tmp_path / 'logs'}",
        "analyzer.batch_size=2",
    ]
    real, calls, stop_at = runner.ModelRunner.outputs, [], [3]

    def counted(self, codes):
        calls.append(len(codes))
        if len(calls) in stop_at:  # the feature-count probe, one batch of 2, then the interruption
            raise KeyboardInterrupt
        return real(self, codes)

    monkeypatch.setattr(runner.ModelRunner, "outputs", counted)
    with pytest.raises(KeyboardInterrupt):
        predict(config(*args))
    folder = next((tmp_path / "logs" / "predict" / "fasta").iterdir())
    assert folder.name.startswith("query-")
    assert (folder / "query_predictions.tsv.inprogress").is_file()
    assert f"writing to {folder}" in caplog.text

    calls.clear()
    stop_at.clear()
    caplog.clear()
    predict(config(*args))  # no output path given, as a user reruns the command
    assert f"resuming the unfinished run in {folder}" in caplog.text
    assert calls == [1, 2, 1]  # the probe, then only records 3-5
    assert sorted(p.name for p in folder.iterdir()) == ["query_predictions.tsv"]

    monkeypatch.setattr(runner.ModelRunner, "outputs", real)
    predict(config(*args, f"analysis.output_dir={tmp_path / 'whole'}"))
    whole = (tmp_path / "whole" / "query_predictions.tsv").read_bytes()
    assert (folder / "query_predictions.tsv").read_bytes() == whole


def test_default_folder_follows_the_inputs(checkpoint, workdir, tmp_path) -> None:
    query = tmp_path / "query.fa"
    query.write_text((workdir / "query.fa").read_text())
    base = [f"ckpt_path={checkpoint}", f"analysis.input_path={query}", "paths.log_dir=logs"]
    first = default_output_dir(config(*base))
    assert first.parent == Path("logs", "predict", "fasta") and first.name.startswith("query-")
    assert (
        default_output_dir(config(*base, "analyzer.batch_size=3", "analyzer.device=cpu")) == first
    )
    assert default_output_dir(config(*base, "analysis.output_format=hdf5")) != first
    assert default_output_dir(config(*base, "analyzer.precision=bf16")) != first
    os.utime(query, ns=(0, 0))  # the input changed
    assert default_output_dir(config(*base)) != first


def test_device_defaults_to_the_gpu_when_there_is_one(monkeypatch) -> None:
    assert config().analyzer.device == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runner.resolve_device("auto") == torch.device("cuda")
    assert runner.resolve_device("cpu") == torch.device("cpu")  # an explicit device is kept
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert runner.resolve_device("auto") == torch.device("cpu")
    assert runner.resolve_device(None, use_cuda=True) == torch.device("cuda")


@pytest.mark.parametrize(("analysis", "key"), [("vep", "vcf_file"), ("bed", "input_path")])
def test_a_user_checkpoint_without_a_genome_fails_clearly(
    checkpoint, workdir, tmp_path, analysis, key
) -> None:
    cfg = config(
        f"analysis={analysis}",
        f"ckpt_path={checkpoint}",
        f"analysis.{key}={workdir / 'variants.vcf'}",
        f"analysis.output_dir={tmp_path}",
        "demo_genome=/nonexistent/demo.fa",  # never read
    )
    with pytest.raises(
        ValueError, match=r"pass analyzer.reference_sequence.input_path=<the genome"
    ):
        predict(cfg)
    assert not any(tmp_path.iterdir())


def test_fasta_needs_no_genome_and_the_demo_keeps_its_own(checkpoint, workdir, tmp_path) -> None:
    cfg = config(
        f"ckpt_path={checkpoint}",
        f"analysis.input_path={workdir / 'query.fa'}",
        f"analysis.output_dir={tmp_path / 'fasta'}",
        "demo_genome=/nonexistent/demo.fa",  # a FASTA analysis reads no genome
    )
    predict(cfg)
    assert (tmp_path / "fasta" / "query_predictions.tsv").is_file()
    (tmp_path / "regions.bed").write_text("chr1\t1000\t1011\n")
    demo = config(  # no ckpt_path: the newest checkpoint under paths.log_dir, with the demo genome
        "analysis=bed",
        f"paths.log_dir={checkpoint.parents[4]}",
        f"analysis.input_path={tmp_path / 'regions.bed'}",
        f"analysis.output_dir={tmp_path / 'bed'}",
        f"demo_genome={workdir / 'genome.fa'}",
    )
    predict(demo)
    assert demo.analyzer.reference_sequence.input_path == str(workdir / "genome.fa")
    assert len((tmp_path / "bed" / "regions_predictions.tsv").read_text().splitlines()) == 2
