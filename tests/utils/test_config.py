from __future__ import annotations

import pytest

from selene.utils import config
from selene.utils.config import config_dir


def test_config_dir_holds_the_primaries() -> None:
    for name in ("train.yaml", "evaluate.yaml"):
        assert (config_dir() / name).is_file()


def test_config_dir_env_override_and_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "train.yaml").write_text("{}\n")
    monkeypatch.setenv("SELENE_CONFIG_DIR", str(tmp_path))
    assert config_dir() == tmp_path
    monkeypatch.setenv("SELENE_CONFIG_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(config, "__file__", str(tmp_path / "pkg" / "utils" / "config.py"))
    with pytest.raises(FileNotFoundError, match="SELENE_CONFIG_DIR"):
        config_dir()
