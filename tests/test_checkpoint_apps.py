"""train (resume) and evaluate: no checkpoint runs code, and a wrong one is named, not loaded."""

from __future__ import annotations

import builtins
import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from _tiny_run import tiny_overrides
from selene.evaluate import evaluate
from selene.train import train
from selene.utils.config import config_dir


class CreateFile:
    """Unpickling this calls ``open(path, "w")``: the file appears if the pickle is trusted."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable, tuple[str, str]]:
        return builtins.open, (str(self.path), "w")


def _compose(config: str, out: Path, data_dir: Path, *overrides: str) -> DictConfig:
    """A seconds-long run on the synthetic fixture (4 chromosomes, 8 features, Basset)."""
    tiny = [f"paths.output_dir={out}", *tiny_overrides(data_dir)]
    if config == "train":
        tiny += ["model.min_positives=1"]
    else:
        tiny = tiny[:-1]  # evaluate has no progress-bar callback
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(config, overrides=[*tiny, *overrides])


@pytest.fixture(scope="module")
def run(synthetic, tmp_path_factory) -> dict[str, Path]:
    """A 2-step training run, plus its last checkpoint with a payload and other bad files."""
    out = tmp_path_factory.mktemp("run")
    cfg = _compose(
        "train", out, synthetic.root, "trainer.max_steps=2", "trainer.val_check_interval=2"
    )
    train(cfg)
    last = out / "checkpoints" / "last.ckpt"
    bad = tmp_path_factory.mktemp("bad")
    marker = bad / "PAYLOAD_RAN"
    checkpoint = torch.load(last, weights_only=True)
    checkpoint["hyper_parameters"]["note"] = CreateFile(marker)
    torch.save(checkpoint, bad / "evil.ckpt")
    torch.save({"state_dict": checkpoint["state_dict"]}, bad / "weights.pth.tar")
    (bad / "cut.ckpt").write_bytes(last.read_bytes()[:4000])
    return {
        "last": last,
        "evil": bad / "evil.ckpt",
        "marker": marker,
        "sdk": bad / "weights.pth.tar",
        "cut": bad / "cut.ckpt",
        "fasta": synthetic.root / "genome.fa",
    }


@pytest.fixture
def server(run, tmp_path, monkeypatch) -> Iterator[tuple[str, list[str]]]:
    """``http://127.0.0.1:PORT``, serving the crafted checkpoint; the paths it was asked for."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))  # where a download would go
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(run["evil"], served / "evil.ckpt")
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            asked.append(self.path)

    handler = functools.partial(Handler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", asked
    httpd.shutdown()
    httpd.server_close()


def test_train_resume_refuses_a_checkpoint_that_would_run_code(
    synthetic, run, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")  # torch < 2.6's default
    cfg = _compose(
        "train", tmp_path, synthetic.root, "trainer.max_steps=4", f"ckpt_path={run['evil']}"
    )
    with pytest.raises(ValueError, match=r"refused to load .*evil\.ckpt: .*io\.open"):
        train(cfg)
    assert not run["marker"].exists()


def test_train_resume_refuses_a_remote_checkpoint_without_fetching_it(
    synthetic, run, server, tmp_path
) -> None:
    url, asked = server
    cfg = _compose(
        "train", tmp_path, synthetic.root, "trainer.max_steps=4", f"ckpt_path={url}/evil.ckpt"
    )
    with pytest.raises(ValueError, match="is remote: .*download it and pass the local path"):
        train(cfg)
    assert not run["marker"].exists() and asked == []


@pytest.mark.parametrize("what", ["evil", "remote"])
def test_evaluate_refuses_code_and_remote_checkpoints(synthetic, run, what, tmp_path) -> None:
    path = run["evil"] if what == "evil" else "https://example.org/run/best.ckpt"
    cfg = _compose("evaluate", tmp_path, synthetic.root, f"ckpt_path={path}")
    with pytest.raises(ValueError, match="refused to load" if what == "evil" else "is remote"):
        evaluate(cfg)
    assert not run["marker"].exists()


def test_resuming_our_own_checkpoint_reads_it_with_weights_only(
    synthetic, run, tmp_path, monkeypatch
) -> None:
    calls: list[object] = []
    load = torch.load

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("weights_only"))
        return load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    cfg = _compose(
        "train",
        tmp_path,
        synthetic.root,
        "trainer.max_steps=4",
        "trainer.val_check_interval=2",
        f"ckpt_path={run['last']}",
        "test=false",
    )
    train(cfg)
    assert calls and all(w is True for w in calls), calls
    resumed = load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert resumed["global_step"] == 4


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fasta", r"genome\.fa is not a PyTorch checkpoint: it starts with b'>chr1.*FASTA"),
        ("cut", r"cut\.ckpt is a truncated or corrupt checkpoint"),
        ("sdk", r"weights\.pth\.tar is not a checkpoint written by selene\.train .*drop ckpt"),
    ],
    ids=["fasta", "truncated", "weights-only"],
)
def test_train_resume_names_a_file_it_cannot_resume_from(
    synthetic, run, name, message, tmp_path
) -> None:
    cfg = _compose("train", tmp_path, synthetic.root, f"ckpt_path={run[name]}")
    with pytest.raises(ValueError, match=message):
        train(cfg)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=deepsea"], r"which does not fit the model DeepSEA\(sequence_length=200, n_t"),
        (
            ["data.sequence_length=300", "data.center_bin_to_predict=200"],
            r"which does not fit the model Basset\(sequence_length=300, n_targets=8\)",
        ),
        (["data.features=[f0,f1,f2]"], r"which does not fit the model Basset\(.*n_targets=3\)"),
    ],
    ids=["architecture", "sequence-length", "features"],
)
def test_train_resume_into_another_model_names_both(
    synthetic, run, overrides, message, tmp_path
) -> None:
    cfg = _compose("train", tmp_path, synthetic.root, f"ckpt_path={run['last']}", *overrides)
    holds = r"last\.ckpt holds Basset\(sequence_length=200, n_targets=8\), "
    with pytest.raises(ValueError, match=holds + message + r".*its config: .*config\.yaml"):
        train(cfg)


def test_evaluate_on_another_window_length_names_the_checkpoints(synthetic, run, tmp_path) -> None:
    cfg = _compose(
        "evaluate",
        tmp_path,
        synthetic.root,
        f"ckpt_path={run['last']}",
        "data.sequence_length=300",
        "data.center_bin_to_predict=200",
    )
    with pytest.raises(
        ValueError,
        match=r"the checkpoint \(.*last\.ckpt\) holds Basset\(sequence_length=200, n_targets=8\) "
        r"but the data's windows are 300 bases; evaluate with data\.sequence_length=200",
    ):
        evaluate(cfg)
