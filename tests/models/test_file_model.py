"""Selene model files: path + class + class_args, criterion(), get_optimizer(lr)."""

from __future__ import annotations

import logging

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from torch import nn

from _tiny_run import MODEL_FILE, one_thread  # noqa: F401 (one_thread: a fixture)
from selene.models import NonStrandSpecific, SequenceLitModule, file_model, file_optimizer
from selene.models.file_model import file_criterion
from selene.utils.config import config_dir, fit_net_to_data

pytestmark = pytest.mark.usefixtures("one_thread")

# narrow channels: Selene's widths (320, 480, 960) take seconds per batch on a CPU
ARGS = {"sequence_length": 320, "n_targets": 5, "channels": [8, 12, 16]}


def _net(**kwargs) -> nn.Module:
    return file_model(MODEL_FILE, "DeeperDeepSEA", ARGS, **kwargs)


def test_file_model_builds_the_class_and_says_so(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="selene.models"):
        net = _net()
    assert type(net).__name__ == "DeeperDeepSEA"
    assert isinstance(list(net.modules())[-1], nn.Sigmoid)
    assert net.eval()(torch.rand(3, 4, 320)).shape == (3, 5)
    assert f"model file {MODEL_FILE}: built DeeperDeepSEA(sequence_length=320" in caplog.text


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_non_strand_specific_wraps_the_net(mode) -> None:
    net = _net(non_strand_specific=mode)
    assert isinstance(net, NonStrandSpecific) and net.mode == mode
    # the file's net returns probabilities: the wrapper averages them as they are, as Selene's
    assert net.link == "identity"
    x = torch.rand(2, 4, 320)
    with torch.no_grad():
        out, inner = net.eval()(x), net.model(x)
    expected = (inner + net.model(x.flip(1, 2))) / 2 if mode == "mean" else None
    if expected is not None:
        torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
    assert ((out >= 0) & (out <= 1)).all()


def test_file_criterion_and_optimizer_are_the_files(caplog) -> None:
    assert type(file_criterion(MODEL_FILE)) is nn.BCELoss
    params = [nn.Parameter(torch.zeros(2))]
    with caplog.at_level(logging.INFO, logger="selene.models"):
        optimizer = file_optimizer(params, MODEL_FILE, lr=0.02)
    assert type(optimizer) is torch.optim.SGD
    group = optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"], group["momentum"]) == (0.02, 1e-6, 0.9)
    assert "optimizer SGD(lr=0.02, weight_decay=1e-06, momentum=0.9)" in caplog.text


def test_the_file_config_instantiates_with_the_files_loss_and_optimizer(tmp_path) -> None:
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(
            "train",
            [
                "model=file",
                f"model.net.path={MODEL_FILE}",
                "model.net.class_name=DeeperDeepSEA",
                "+model.net.class_args.channels=[8,12,16]",
                f"paths.output_dir={tmp_path}",
            ],
        )
    fit_net_to_data(cfg.model.net, 5, 320)
    module = instantiate(cfg.model, features=[f"f{i}" for i in range(5)])
    assert isinstance(module, SequenceLitModule) and type(module.criterion) is nn.BCELoss
    optimizer = module.configure_optimizers()["optimizer"]
    assert type(optimizer) is torch.optim.SGD and optimizer.param_groups[0]["momentum"] == 0.9
    assert module.hparams["net"]["path"] == str(MODEL_FILE)


def test_a_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no model file at .*nope\.py: it does not exist"):
        file_model(tmp_path / "nope.py", "Net")
    with pytest.raises(FileNotFoundError, match=r"no model file at .*nope\.py"):
        file_optimizer([], tmp_path / "nope.py", lr=0.1)


def test_a_missing_class_is_named_before_the_file_runs(tmp_path) -> None:
    marker = tmp_path / "RAN"
    source = tmp_path / "other.py"
    source.write_text(f"open({str(marker)!r}, 'w')\nclass Other:\n    pass\n")
    with pytest.raises(ValueError, match=r"other\.py defines no class 'Net' \(classes.*Other"):
        file_model(source, "Net")
    assert not marker.exists()


def test_bad_class_args_name_the_signature() -> None:
    with pytest.raises(TypeError, match=r"class_args .*do not fit DeeperDeepSEA\(sequence_len"):
        file_model(MODEL_FILE, "DeeperDeepSEA", {"sequence_length": 320, "n_features": 5})
    with pytest.raises(TypeError, match=r"class_args for DeeperDeepSEA in .* must be a mapping"):
        file_model(MODEL_FILE, "DeeperDeepSEA", [320, 5])  # type: ignore[arg-type]


def test_other_file_errors_say_what_to_do(tmp_path) -> None:
    with pytest.raises(ValueError, match="non_strand_specific must be 'mean', 'max' or null"):
        _net(non_strand_specific="avg")
    plain = tmp_path / "plain.py"
    plain.write_text("import torch\nclass Net(torch.nn.Module):\n    pass\nnotnet = 3\n")
    with pytest.raises(ValueError, match=r"plain\.py defines no criterion\(\) .*model\.loss=bce"):
        file_criterion(plain)
    with pytest.raises(ValueError, match=r"plain\.py defines no get_optimizer\(\)"):
        file_optimizer([], plain, lr=0.1)
    with pytest.raises(TypeError, match=r"notnet in model file .*plain\.py is a int, not a"):
        file_model(plain, "notnet")
    broken = tmp_path / "broken.py"
    broken.write_text("class Net:\n    pass\nraise RuntimeError('boom')\n")
    with pytest.raises(ImportError, match=r"importing model file .*broken\.py failed: Runt.*boom"):
        file_model(broken, "Net")
    odd = tmp_path / "odd.py"
    odd.write_text("def criterion():\n    return 3\ndef get_optimizer(lr):\n    return lr\n")
    with pytest.raises(TypeError, match=r"criterion\(\) in model file .*odd\.py returned a int"):
        file_criterion(odd)
    with pytest.raises(TypeError, match=r"get_optimizer\(0\.1\) in .*odd\.py returned 0\.1; it"):
        file_optimizer([], odd, lr=0.1)


def test_loss_file_needs_a_net_from_a_model_file() -> None:
    with pytest.raises(ValueError, match=r"loss='file' takes the criterion\(\) of a model file"):
        SequenceLitModule(nn.Linear(4, 2), loss="file")


def test_a_package_directory_is_a_model_file_too(tmp_path) -> None:
    package = tmp_path / "selene_models"
    package.mkdir()
    (package / "arch.py").write_text(MODEL_FILE.read_text())
    (package / "__init__.py").write_text("from .arch import *\n")
    net = file_model(package, "DeeperDeepSEA", ARGS)
    assert type(net).__name__ == "DeeperDeepSEA"
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty: it is a directory without __init__"):
        file_model(tmp_path / "empty", "Net")


def test_a_class_bound_only_inside_a_function_is_not_the_files(tmp_path) -> None:
    source = tmp_path / "inner.py"
    source.write_text("def make():\n    class Net:\n        pass\n    return Net\n")
    with pytest.raises(ValueError, match=r"inner\.py defines no class 'Net' \(classes it defines"):
        file_model(source, "Net")
