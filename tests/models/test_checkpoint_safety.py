"""No checkpoint runs code: every loader refuses a crafted pickle, URLs and non-checkpoints."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from selene.models import (
    Basset,
    DeepSEA,
    MultiModelWrapper,
    SequenceLitModule,
    load_checkpoint,
    load_selene_weights,
)
from selene.predict import AnalyzeSequences
from selene.predict.model import load_model

FEATURES = ["f0", "f1", "f2", "f3"]
NET = {"_target_": "selene.models.DeepSEA", "sequence_length": 200, "n_targets": 4}


class CreateFile:
    """Unpickling this calls ``open(path, "w")``: the file appears if the pickle is trusted."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable, tuple[str, str]]:
        return builtins.open, (str(self.path), "w")


def save_lit_checkpoint(path: Path, net: dict = NET) -> Path:
    module = SequenceLitModule(net, functools.partial(torch.optim.SGD, lr=0.0), features=FEATURES)
    trainer = pl.Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.strategy.connect(module)
    trainer.save_checkpoint(path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A good checkpoint; the same with a payload; Selene SDK weights with a payload."""
    root = tmp_path_factory.mktemp("ckpt")
    good = save_lit_checkpoint(root / "good.ckpt")
    marker = root / "PAYLOAD_RAN"
    checkpoint = torch.load(good, weights_only=True)
    checkpoint["hyper_parameters"]["note"] = CreateFile(marker)
    torch.save(checkpoint, root / "evil.ckpt")
    state = {k.removeprefix("net."): v for k, v in checkpoint["state_dict"].items()}
    torch.save({"state_dict": state}, root / "good.pth.tar")
    torch.save({"state_dict": state, "note": CreateFile(marker)}, root / "evil.pth.tar")
    torch.load(root / "evil.ckpt", weights_only=False)
    assert marker.is_file()  # the payload is live: trusted, it runs
    marker.unlink()
    (root / "genome.fa").write_text(">chr1\nACGTACGTNNACGT\n")
    (root / "cut.ckpt").write_bytes(good.read_bytes()[:4000])
    (root / "empty.ckpt").write_bytes(b"")
    return {
        "good": good,
        "good_sdk": root / "good.pth.tar",
        "evil": root / "evil.ckpt",
        "evil_sdk": root / "evil.pth.tar",
        "marker": marker,
        "fasta": root / "genome.fa",
        "cut": root / "cut.ckpt",
        "empty": root / "empty.ckpt",
    }


def _loaders(files: dict[str, Path], name: str) -> dict[str, Callable[[], object]]:
    """Every way a checkpoint reaches a model, all given the file ``files[name]``."""
    path = files[name]
    return {
        "load_checkpoint": lambda: load_checkpoint(path),
        "load_model(None)": lambda: load_model(None, path),
        "load_model(SequenceLitModule)": lambda: load_model(SequenceLitModule(NET), path),
        "load_model(bare net)": lambda: load_model(DeepSEA(200, 4), path),
        "load_selene_weights": lambda: load_selene_weights(DeepSEA(200, 4), path),
        "MultiModelWrapper": lambda: load_model(
            MultiModelWrapper([DeepSEA(200, 4), DeepSEA(200, 4)]), [files["good"], path]
        ),
        "AnalyzeSequences": lambda: AnalyzeSequences(None, path, show_progress=False),
    }


LOADERS = [
    "load_checkpoint",
    "load_model(None)",
    "load_model(SequenceLitModule)",
    "load_model(bare net)",
    "load_selene_weights",
    "MultiModelWrapper",
    "AnalyzeSequences",
]


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_a_checkpoint_that_would_run_code(files, loader, monkeypatch) -> None:
    # Forces weights_only=False wherever a caller leaves it unset (as torch < 2.6 did).
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    sdk = loader == "load_selene_weights"
    with pytest.raises(ValueError, match=r"refused to load .*evil.* io\.open, which could run"):
        _loaders(files, "evil_sdk" if sdk else "evil")[loader]()
    assert not files["marker"].exists()
    assert _loaders(files, "good_sdk" if sdk else "good")[loader]() is not None  # ours still load


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_remote_checkpoints(files, loader) -> None:
    files = {**files, "url": "https://example.org/run/best.ckpt"}  # never contacted
    with pytest.raises(ValueError, match="is remote: .*download it and pass the local path"):
        _loaders(files, "url")[loader]()


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fasta", r"genome\.fa is not a PyTorch checkpoint: it starts with b'>chr1.*FASTA"),
        ("cut", r"cut\.ckpt is a truncated or corrupt checkpoint .*copy it again"),
        ("empty", r"empty\.ckpt is not a PyTorch checkpoint: it is empty"),
    ],
    ids=["fasta", "truncated", "empty"],
)
def test_every_loader_names_a_file_that_is_no_checkpoint(files, loader, name, message) -> None:
    with pytest.raises(ValueError, match=message):
        _loaders(files, name)[loader]()


def test_a_missing_checkpoint_is_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*nope\.ckpt: it does not"):
        load_checkpoint(tmp_path / "nope.ckpt")


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (
            lambda path: load_checkpoint(path, net=Basset(200, 4)),
            r"holds DeepSEA\(sequence_length=200, n_targets=4\), which does not fit the model "
            r"Basset\(sequence_length=200, n_targets=4\); pass the net it was trained with",
        ),
        (
            lambda path: load_checkpoint(path, net=DeepSEA(300, 4)),
            r"holds DeepSEA\(sequence_length=200, n_targets=4\), which does not fit the model "
            r"DeepSEA\(sequence_length=300, n_targets=4\).*\n  1 shape mismatches: "
            r"net\.classifier\.0\.weight",
        ),
        (
            lambda path: load_model(DeepSEA(300, 4), path),
            r"good\.ckpt holds DeepSEA\(sequence_length=200, n_targets=4\), which does not fit "
            r"the model DeepSEA\(sequence_length=300, n_targets=4\); build the model",
        ),
        (
            lambda path: load_model(Basset(200, 4), path),
            r"holds DeepSEA\(sequence_length=200, n_targets=4\), which does not fit the model "
            r"Basset\(sequence_length=200, n_targets=4\).*\n  \d+ missing keys",
        ),
    ],
    ids=["lit-architecture", "lit-length", "bare-length", "bare-architecture"],
)
def test_a_checkpoint_of_another_architecture_or_length_says_what_it_holds(
    files, load, message
) -> None:
    with pytest.raises(ValueError, match=message):
        load(files["good"])


def test_selene_weights_given_a_lightning_checkpoint_point_to_load_checkpoint(files) -> None:
    with pytest.raises(ValueError, match="selene.train checkpoint: load it with .*load_check"):
        load_selene_weights(Basset(200, 4), files["good"])
