"""``variant_effect_prediction(devices=N)``: N processes (gloo on the CPU) merge to one's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from selene.predict.__main__ import predict
from selene.utils.config import config_dir

KINDS = ["predictions", "diffs"]
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*records (not scored|whose REF differs):selene.utils.warnings.SeleneWarning"
)


def test_two_cpu_processes_write_one_process_files(tiny_model, workdir, tmp_path) -> None:
    vcf = str(workdir / "variants.vcf")
    one = tiny_model.variant_effect_prediction(vcf, KINDS, str(tmp_path / "one"), "hdf5", 7)
    two = tiny_model.variant_effect_prediction(
        vcf, KINDS, str(tmp_path / "two"), "hdf5", 7, devices=2
    )
    assert two == one  # the counts, summed over the processes
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert sorted(p.name for p in (tmp_path / "two").iterdir() if p.name != "shards") == names
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "two" / "shards").iterdir()) == [
        "0-of-2", "1-of-2", "merged", "plan.json"
    ]  # fmt: skip


def test_devices_arguments(tiny_model, workdir, tmp_path) -> None:
    vcf = str(workdir / "variants.vcf")
    with pytest.raises(ValueError, match="devices must be a positive integer, got 0"):
        tiny_model.variant_effect_prediction(vcf, KINDS, str(tmp_path), devices=0)
    with pytest.raises(ValueError, match="devices=2 shards the run by itself"):
        tiny_model.variant_effect_prediction(vcf, KINDS, str(tmp_path), devices=2, shards=2)


def test_devices_from_config(vep_overrides, tmp_path) -> None:
    """``analysis.devices=2``: each process rebuilds the analyzer from the checkpoint."""
    common = [
        *vep_overrides,
        "analysis.save_data=[diffs]",
        f"paths.log_dir={tmp_path}",
    ]
    outputs = []
    for extra in ([f"analysis.output_dir={tmp_path / 'one'}"], ["analysis.devices=2"]):
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            cfg = compose("predict", overrides=[*common, *extra])
        predict(cfg)
        outputs.append(Path(cfg.analysis.output_dir) / "variants_diffs.tsv")
    assert outputs[1].read_bytes() == outputs[0].read_bytes()
    assert (outputs[1].parent / "shards" / "merged").is_file()
