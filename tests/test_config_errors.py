"""A value of the wrong type is named (key, value, expected type) before any work starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from selene.evaluate import evaluate
from selene.train import train
from selene.utils.config import check_config_types, config_dir

CONF = config_dir()


def _compose(config: str, tmp_path: Path, *overrides: str) -> DictConfig:
    paths = [f"paths.output_dir={tmp_path / 'out'}", f"paths.data_dir={tmp_path / 'data'}"]
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(config, overrides=[*paths, *overrides])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=abc", r"config key seed='abc' is a str: expected int or None; .*seed=10"),
        (
            "data.batch_size=abc",
            r"config key data.batch_size='abc' is a str: DemoSampler takes batch_size as "
            r"int; fix the value \(e.g. data.batch_size=10\)",
        ),
        (
            "trainer.max_steps=ten",
            r"config key trainer.max_steps='ten' is a str: Trainer takes max_steps as int",
        ),
        ("model.optimizer.lr=fast", r"model.optimizer.lr='fast' is a str: Adam takes lr as float"),
        ("model.net.sequence_length=1e3", r"sequence_length=1000.0 is a float: Basset takes"),
        ("test=maybe", r"config key test='maybe' is a str: expected bool; .*test=true"),
    ],
)
def test_train_names_a_value_of_the_wrong_type_before_any_work(
    tmp_path, override, message
) -> None:
    with pytest.raises(TypeError, match=message):
        train(_compose("train", tmp_path, override))
    assert not (tmp_path / "data").exists()  # the demo data was not generated


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=abc", r"config key seed='abc' is a str: expected int or None"),
        ("data.batch_size=abc", r"config key data.batch_size='abc' is a str: DemoSampler"),
    ],
)
def test_evaluate_names_a_value_of_the_wrong_type(tmp_path, override, message) -> None:
    cfg = _compose("evaluate", tmp_path, "ckpt_path=missing.ckpt", override)
    with pytest.raises(TypeError, match=message):
        evaluate(cfg)


def test_predict_names_a_value_of_the_wrong_type_before_any_work(tmp_path) -> None:
    from selene.predict.__main__ import predict

    cfg = _compose("predict", tmp_path, "ckpt_path=missing.ckpt", "analyzer.batch_size=abc")
    with pytest.raises(TypeError, match=r"analyzer.batch_size='abc' is a str: AnalyzeSequences"):
        predict(cfg)
    assert not (tmp_path / "data").exists()


def test_the_train_command_exits_with_the_message(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "selene.train", "seed=abc", f"paths.log_dir={tmp_path}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "TypeError: config key seed='abc' is a str: expected int or None" in result.stderr
    assert "lightning_fabric" not in result.stderr and "numpy" not in result.stderr


def _every_config() -> list[tuple[str, list[str]]]:
    configs = [
        ("train", [f"{group}={p.stem}"])
        for group in ("data", "model", "trainer", "callbacks", "logger")
        for p in sorted((CONF / group).glob("*.yaml"))
    ]
    for p in sorted((CONF / "experiment").glob("*.yaml")):
        configs += [
            ("train", [f"+experiment={p.stem}"]),
            ("evaluate", [f"+experiment={p.stem}", "ckpt_path=x.ckpt"]),
        ]
    configs += [  # conf/analysis is shared: modisco is selene.interpret's
        ("interpret" if p.stem == "modisco" else "predict", [f"analysis={p.stem}"])
        for p in sorted((CONF / "analysis").glob("*.yaml"))
    ]
    return configs


def test_every_shipped_config_passes_the_type_check(tmp_path) -> None:
    configs = _every_config()
    assert len(configs) > 20
    for config, overrides in configs:
        check_config_types(_compose(config, tmp_path, *overrides))  # raises on a false alarm
