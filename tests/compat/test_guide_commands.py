"""Every command of the guide's "Coming from selene_sdk" section composes as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from selene.utils.config import config_dir

GUIDE = Path(__file__).parents[2] / "docs" / "guide.md"


def _commands() -> list[str]:
    text = GUIDE.read_text()
    section = text[text.index("## Coming from selene_sdk") :]
    table = section[section.index("### YAML keys") :]
    return [c for c in re.findall(r"`(python -m selene\.[^`]+)`", table)]


def _compose(command: str, tmp_path: Path):
    words = shlex.split(command.replace("$PWD", str(tmp_path)))
    app = words[2].removeprefix("selene.")
    overrides = [w for w in words[3:] if w != "-m"]
    # a multirun's sweep: compose its first job
    overrides = [re.sub(r"=([^,\[{]+),.*$", r"=\1", w) for w in overrides]
    if app == "evaluate" and not any(w.startswith("ckpt_path=") for w in overrides):
        overrides.append("ckpt_path=x.ckpt")
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(app, overrides=overrides)


def test_the_table_has_a_command_per_key() -> None:
    assert len(_commands()) > 35


@pytest.mark.parametrize("command", _commands())
def test_each_command_of_the_key_table_composes(command: str, tmp_path: Path) -> None:
    cfg = _compose(command, tmp_path)
    for word in shlex.split(command.replace("$PWD", str(tmp_path)))[3:]:
        key, _, value = word.lstrip("+").partition("=")
        plain = "," not in value and not value.startswith(("[", "{"))
        if "." in key and value and plain and not key.startswith("hydra."):
            node = cfg
            for part in key.split("."):
                node = node[part]
            shown = str(node).lower() if isinstance(node, bool) else str(node)
            assert shown == value or value == "null" and node is None, (key, node)
