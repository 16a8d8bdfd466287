"""``python -m selene.predict``: each analysis runs from config; the demo checkpoint is found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from selene.predict.__main__ import find_checkpoint, predict
from selene.utils.config import config_dir

ANALYSES = {
    "fasta": ("input_path=query.fa", "query_predictions.tsv"),
    "bed": ("input_path=regions.bed", "regions_predictions.tsv"),
    "ism": ("input_path=ism.fa", "ism_seq_diffs.tsv"),
    "vep": ("vcf_file=variants.vcf", "variants_diffs.h5"),
}


@pytest.mark.filterwarnings("ignore:1 records whose REF differs")
@pytest.mark.parametrize("analysis", sorted(ANALYSES))
def test_each_analysis_runs_from_config(analysis, checkpoint, workdir, tmp_path) -> None:
    (workdir / "regions.bed").write_text("chr1\t1000\t1011\nchr2\t500\t900\n")
    path_arg, produced = ANALYSES[analysis]
    key, name = path_arg.split("=")
    overrides = [
        f"analysis={analysis}",
        f"analysis.{key}={workdir / name}",
        f"paths.log_dir={checkpoint.parents[4]}",  # the checkpoint is found there
        f"analysis.output_dir={tmp_path}",
        f"analyzer.reference_sequence.input_path={workdir / 'genome.fa'}",
        "+analyzer.show_progress=false",
    ]
    if analysis == "ism":
        overrides += ["analysis.start_position=95", "analysis.end_position=100"]
    if analysis == "vep":
        overrides += ["analysis.output_format=hdf5", "analysis.save_data=[diffs]"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=overrides)
    predict(cfg)
    assert cfg.ckpt_path == str(checkpoint)
    assert (tmp_path / produced).is_file()


def test_find_checkpoint_prefers_the_newest_best(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="run `python -m selene.train` first"):
        find_checkpoint(tmp_path)
    runs = tmp_path / "train" / "runs"
    paths = [runs / "a" / "best-step5.ckpt", runs / "b" / "best-step9.ckpt"]
    paths.append(runs / "b" / "last.ckpt")
    for i, path in enumerate(paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (i, i))
    assert find_checkpoint(tmp_path) == paths[1]
    paths[1].unlink()
    paths[0].unlink()
    assert find_checkpoint(Path(tmp_path)) == paths[2]
