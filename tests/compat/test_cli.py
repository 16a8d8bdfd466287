"""``python -m selene.compat IN.yml OUT.yaml``: writes, logs its notes, prints the commands."""

from __future__ import annotations

import logging
import subprocess
import sys

from _selene_configs import SIMPLE_TRAIN
from hydra import compose, initialize_config_dir

from selene.compat.__main__ import main
from selene.utils.config import config_dir


def test_main_writes_logs_and_prints_the_command(selene_yaml, out, capsys, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="selene.compat"):
        assert main([str(selene_yaml(SIMPLE_TRAIN)), str(out), "--lr", "0.01"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"python -m selene.train +experiment=run 'hydra.searchpath=[file://{out.parent.parent}]'"
    ]
    assert out.is_file()
    logged = caplog.text
    assert "selene.yml:38: `train_model.use_cuda` dropped: the accelerator" in logged
    assert f"wrote {out}" in logged


def test_main_reports_an_error_and_exits_2(selene_yaml, out, capsys) -> None:
    text = SIMPLE_TRAIN.replace("mode: train,", "mode: train, bins: 2,")
    assert main([str(selene_yaml(text)), str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "`sampler.bins` is not an argument of" in error
    assert not out.exists()


def test_an_output_outside_an_experiment_folder_gets_a_move(selene_yaml, tmp_path) -> None:
    out = tmp_path / "elsewhere" / "mine.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "selene.compat", str(selene_yaml(SIMPLE_TRAIN)), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    command = result.stdout.strip()
    setup, run = command.split(" && python -m ")
    assert setup == (f"mkdir -p {out.parent}/experiment && mv {out} {out.parent}/experiment/")
    assert run == (
        f"selene.train +experiment=mine 'hydra.searchpath=[file://{out.parent}]' "
        "model.optimizer.lr=LR"
    )
    subprocess.run(setup, shell=True, check=True)  # as the user would
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(
            "train",
            overrides=[
                "+experiment=mine",
                f"hydra.searchpath=[file://{out.parent}]",
                "model.optimizer.lr=0.1",
            ],
        )
    assert cfg.model.optimizer.lr == 0.1 and cfg.data.sequence_length == 1000
