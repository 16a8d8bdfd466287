"""The README's commands: the test command is what CI runs; the next steps compose."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from selene.utils.config import config_dir

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(section: str) -> list[str]:
    """The bash blocks of a README section (up to the next ``## `` heading)."""
    body = README.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", body, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    install, test = _blocks("Quickstart")
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert test.strip() == ci
    for command in (install, test):  # torch's CPU build first, from PyTorch's own index
        assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu &&" in (
            command
        )


def _app_commands() -> list[tuple[str, list[str]]]:
    (block,) = _blocks("Next steps")
    commands = []
    for line in block.splitlines():
        if line.startswith(".venv/bin/python -m selene."):
            words = shlex.split(line)
            commands.append((words[2].split(".")[1], words[3:]))
    return commands


def test_next_steps_cover_every_app() -> None:
    apps = [app for app, _ in _app_commands()]
    assert apps.count("evaluate") == 1 and apps.count("predict") == 3
    analyses = {o for _, args in _app_commands() for o in args if o.startswith("analysis=")}
    assert analyses == {"analysis=vep", "analysis=ism"}  # and fasta, the default


@pytest.mark.parametrize(("app", "overrides"), _app_commands())
def test_next_step_commands_compose(app, overrides, tmp_path) -> None:
    overrides = [o for o in overrides if "$" not in o]  # ckpt_path=$(ls ...): the shell fills it
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(app, overrides=[*overrides, f"paths.output_dir={tmp_path}"])
    if app == "predict":
        assert cfg.analysis.output_dir.startswith("results/")
