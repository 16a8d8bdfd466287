"""Predict reads a model-file net's window from its checkpoint (``class_args.sequence_length``).

Selene's tutorial DeeperDeepSEA takes ``sequence_length`` without keeping it; the checkpoint's
net config holds it, so ``AnalyzeSequences`` and ``python -m selene.predict`` need no
``analyzer.sequence_length``. A class that fixes its own window is told which key to pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_dir
from torch.utils.data import DataLoader

from _tiny_run import MODEL_FILE, one_thread, quiet_trainer  # noqa: F401 (one_thread: a fixture)
from _tolerances import PROB
from selene.models import SequenceLitModule, file_model, load_checkpoint
from selene.predict import AnalyzeSequences
from selene.predict.__main__ import predict
from selene.utils.config import config_dir

pytestmark = pytest.mark.usefixtures("one_thread")

L, F = 320, 3
NET = {
    "_target_": "selene.models.file_model",
    "path": str(MODEL_FILE),
    "class_name": "DeeperDeepSEA",
    "class_args": {"sequence_length": L, "n_targets": F, "channels": [4, 4, 4]},
}
OPTIMIZER = {
    "_target_": "selene.models.file_optimizer",
    "_partial_": True,
    "path": str(MODEL_FILE),
}


def _trained(tmp_path: Path, net: dict) -> Path:
    """Train the file's net two steps (its criterion and optimizer) and save a checkpoint."""
    pl.seed_everything(0)
    codes = torch.randint(0, 4, (16, L), dtype=torch.uint8)
    targets = (torch.rand(16, F) < 0.3).float()
    batches = [{"sequence": c, "targets": t} for c, t in zip(codes, targets, strict=True)]
    module = SequenceLitModule(
        net,
        {**OPTIMIZER, "lr": 0.03},
        loss="file",
        features=list("abc"),
        train_metrics=False,
    )
    trainer = quiet_trainer(tmp_path, 2)
    trainer.fit(module, DataLoader(batches, batch_size=8))
    path = tmp_path / "model.ckpt"
    trainer.save_checkpoint(path)
    return path


def _fasta(tmp_path: Path) -> tuple[Path, str]:
    """A FASTA whose one record is 100 bases longer than the window; and its centre window."""
    rng = np.random.default_rng(1)
    record = "".join(rng.choice(list("ACGT"), L + 100))
    path = tmp_path / "query.fa"
    path.write_text(f">q1\n{record}\n")
    return path, record[50 : 50 + L]


def _expected(module: SequenceLitModule, window: str) -> np.ndarray:
    codes = torch.tensor([["ACGT".index(b) for b in window]], dtype=torch.uint8)
    with torch.no_grad():
        return module.eval()(codes).numpy()[0]


@pytest.mark.parametrize("strands", [None, "mean"])
def test_a_checkpoint_alone_gives_the_window(tmp_path, strands) -> None:
    path = _trained(tmp_path, {**NET, "non_strand_specific": strands})
    module = load_checkpoint(path)
    assert module.net.sequence_length == L  # DeeperDeepSEA keeps none: from class_args
    fasta, window = _fasta(tmp_path)
    analyzer = AnalyzeSequences(None, path, show_progress=False)
    assert analyzer.sequence_length == L
    analyzer.get_predictions_for_fasta_file(str(fasta), str(tmp_path / "out"))
    rows = (tmp_path / "out" / "query_predictions.tsv").read_text().splitlines()
    header, values = rows[0].split("\t"), rows[1].split("\t")
    scores = np.array([float(values[header.index(name)]) for name in "abc"])
    np.testing.assert_allclose(scores, _expected(module, window), **PROB)


def test_the_predict_app_needs_no_sequence_length(tmp_path) -> None:
    path = _trained(tmp_path, NET)
    fasta, window = _fasta(tmp_path)
    overrides = [
        f"ckpt_path={path}",
        f"analysis.input_path={fasta}",
        f"analysis.output_dir={tmp_path / 'app'}",
        "+analyzer.show_progress=false",
        "analyzer.device=cpu",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=overrides)
    assert cfg.analyzer.sequence_length is None
    predict(cfg)
    rows = (tmp_path / "app" / "query_predictions.tsv").read_text().splitlines()
    header, values = rows[0].split("\t"), rows[1].split("\t")
    scores = np.array([float(values[header.index(name)]) for name in "abc"])
    np.testing.assert_allclose(scores, _expected(load_checkpoint(path), window), **PROB)


def test_a_class_with_a_fixed_window_is_told_which_key_to_pass(tmp_path) -> None:
    source = tmp_path / "fixed.py"
    source.write_text(
        "from torch import nn\n\n\n"
        "class Fixed(nn.Module):\n"
        "    def __init__(self, n_targets):\n"
        "        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4 * 50, n_targets))\n\n"
        "    def forward(self, x):\n"
        "        return self.net(x)\n"
    )
    net = file_model(source, "Fixed", {"n_targets": 2})
    with pytest.raises(
        ValueError,
        match=r"Fixed\(n_targets=2\) of the model file .*fixed\.py does not record its window "
        r".* pass sequence_length=N to AnalyzeSequences, or analyzer\.sequence_length=N to "
        r"python -m selene\.predict",
    ):
        AnalyzeSequences(net, features=["a", "b"], show_progress=False)
    analyzer = AnalyzeSequences(net, sequence_length=50, features=["a", "b"], show_progress=False)
    assert analyzer.get_predictions("ACGT" * 10).shape == (1, 2)
