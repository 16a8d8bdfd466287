"""``python -m selene.predict -m analysis=vep analysis.shards=2 analysis.shard='range(2)'``."""

from __future__ import annotations

import sys

import pytest
from hydra import compose, initialize_config_dir

from selene.predict.__main__ import main, predict
from selene.predict._config import default_output_dir
from selene.utils.config import config_dir

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*records (not scored|whose REF differs):selene.utils.warnings.SeleneWarning"
)


def test_basic_launcher_sweep_over_shards_merges(vep_overrides, tmp_path, monkeypatch):
    common = [
        *vep_overrides,
        "analysis.output_format=hdf5",
        "analysis.save_data=[diffs,predictions]",
        f"paths.log_dir={tmp_path / 'logs'}",
    ]
    argv = ["selene.predict", "-m", *common, "analysis.shards=2", "analysis.shard=range(2)"]
    monkeypatch.setattr(sys, "argv", argv)
    main()
    jobs = sorted((tmp_path / "logs" / "predict" / "multiruns").glob("*/[0-9]"))
    assert len(jobs) == 2  # one Hydra job per shard
    (run,) = (tmp_path / "logs" / "predict" / "vep").iterdir()  # both shards in one folder
    assert sorted(p.name for p in (run / "shards").iterdir()) == [
        "0-of-2", "1-of-2", "merged", "plan.json"
    ]  # fmt: skip
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=[*common, f"analysis.output_dir={tmp_path / 'one'}"])
    predict(cfg)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert "variants_diffs.h5" in names
    assert sorted(p.name for p in run.iterdir() if p.name != "shards") == names
    for name in names:
        assert (run / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


def test_shard_and_devices_keep_the_default_folder(workdir, tmp_path) -> None:
    base = ["analysis=vep", f"analysis.vcf_file={workdir / 'variants.vcf'}",
            f"paths.log_dir={tmp_path}", "analysis.shards=2"]  # fmt: skip
    folders = []
    for extra in ([], ["analysis.shard=1"], ["analysis.devices=2"], ["analysis.shards=3"]):
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            folders.append(default_output_dir(compose("predict", overrides=[*base, *extra])))
    assert folders[0] == folders[1] == folders[2] != folders[3]
