"""Every option of every config group composes and instantiates; every experiment composes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.errors import MissingConfigException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from scipy.io import savemat

from _tiny_run import MODEL_FILE
from selene.models import SequenceLitModule
from selene.utils.config import config_dir, fit_net_to_data

CONF = config_dir()


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _compose(*overrides: str, config: str = "train", hydra: bool = False) -> DictConfig:
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(config, overrides=list(overrides), return_hydra_config=hydra)


@pytest.fixture(scope="module")
def data_dir(synthetic, tmp_path_factory) -> Path:
    """paths.data_dir holding what the data configs expect, built from the synthetic genome."""
    root = tmp_path_factory.mktemp("data_dir")
    for name in (
        "genome.fa",
        "genome.fa.fai",
        "features.bed.gz",
        "features.bed.gz.tbi",
        "distinct_features.txt",
        "intervals.bed",
    ):
        (root / name).symlink_to(synthetic.root / name)
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(40, 100))
    one_hot = np.eye(4, dtype=np.uint8)[codes]  # (N, L, 4)
    targets = rng.integers(0, 2, size=(40, 8)).astype(np.uint8)
    savemat(root / "train.mat", {"trainxdata": one_hot.transpose(1, 2, 0), "traindata": targets.T})
    savemat(root / "valid.mat", {"validxdata": one_hot.transpose(0, 2, 1), "validdata": targets})
    savemat(root / "test.mat", {"testxdata": one_hot.transpose(0, 2, 1), "testdata": targets})
    lines = [f"chr1\t{1000 + 300 * i}\t{2000 + 300 * i}\t+\t{i % 8}\n" for i in range(20)]
    for mode in ("train", "validate", "test"):
        (root / f"{mode}_data.bed").write_text("".join(lines))
    return root


def _paths(data_dir: Path, tmp_path: Path) -> list[str]:
    return [f"paths.data_dir={data_dir}", f"paths.output_dir={tmp_path}"]


SMALL = {
    "demo": ["data.n_validation_samples=64", "data.n_test_samples=64"],
    "tracks_demo": ["data.n_validation_samples=64", "data.n_test_samples=64"],
    "intervals": [
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.n_validation_samples=64",
        "data.n_test_samples=64",
        "data.num_workers=0",
    ],
    "random_positions": [
        "data.validation_holdout=[chr3]",
        "data.test_holdout=[chr4]",
        "data.n_validation_samples=64",
        "data.n_test_samples=64",
        "data.num_workers=0",
    ],
    "multi_file": ["data.num_workers=0"],
    "bed_files": ["data.num_workers=0"],
}


def test_every_group_has_options() -> None:
    for group in ("data", "model", "trainer", "callbacks", "logger", "paths", "experiment"):
        assert _options(group), group
    assert {"demo", "deepsea", "danq"} <= set(_options("experiment"))
    assert {"cpu", "gpu", "ddp", "ddp_cpu"} <= set(_options("trainer"))


@pytest.mark.parametrize("option", _options("data"))
def test_data_options_instantiate(option, data_dir, tmp_path) -> None:
    cfg = _compose(f"data={option}", *SMALL.get(option, []), *_paths(data_dir, tmp_path))
    datamodule = instantiate(cfg.data)
    assert datamodule.n_features == len(datamodule.features) > 0
    datamodule.prepare_data()  # the demo makes its data here (a Trainer calls it first)
    datamodule.setup("fit")
    batch = next(iter(datamodule.val_dataloader()))
    assert batch["targets"].shape[1] == datamodule.n_features


BIG_MODELS = {"sei", "danq"}  # tens of millions of weights to initialise: seconds each
# track models output (N, T, bins): window length in, bins out (TrackCNN: bins of 32 bases;
# BPNet: 557 bases trimmed from each end)
TRACK_SHAPES = {"track_cnn": (416, 13), "bpnet": (1214, 100)}
# model=file imports a Selene model file: the test fixture's (narrow, to build fast)
MODEL_EXTRA = {
    "file": [
        f"model.net.path={MODEL_FILE}",
        "model.net.class_name=DeeperDeepSEA",
        "+model.net.class_args.channels=[8,12,16]",
    ]
}


@pytest.mark.parametrize(
    "option",
    [pytest.param(o, marks=pytest.mark.slow) if o in BIG_MODELS else o for o in _options("model")],
)
def test_model_options_instantiate(option, tmp_path) -> None:
    cfg = _compose(f"model={option}", f"paths.output_dir={tmp_path}", *MODEL_EXTRA.get(option, []))
    length, bins = TRACK_SHAPES.get(option, (400, None))  # short windows: a quick forward pass
    fit_net_to_data(cfg.model.net, 8, length)
    module = instantiate(cfg.model, features=[f"f{i}" for i in range(8)])
    assert isinstance(module, SequenceLitModule)
    optimizer = module.configure_optimizers()["optimizer"]
    assert isinstance(optimizer, torch.optim.Optimizer)
    with torch.no_grad():
        assert module.eval()(torch.zeros(2, 4, length)).shape == (2, 8, bins)[: 3 if bins else 2]


@pytest.mark.parametrize("option", _options("trainer"))
def test_trainer_options_instantiate(option, tmp_path) -> None:
    cfg = _compose(f"trainer={option}", f"paths.output_dir={tmp_path}")
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        pytest.skip("needs a GPU to instantiate")
    trainer = instantiate(cfg.trainer)
    assert trainer.max_steps == cfg.trainer.max_steps


@pytest.mark.parametrize("group", ["callbacks", "logger"])
def test_callback_and_logger_options_instantiate(group, tmp_path) -> None:
    for option in _options(group):
        if option == "tensorboard" and not (
            importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX")
        ):
            continue
        cfg = _compose(f"{group}={option}", f"paths.output_dir={tmp_path}")
        for name, node in (cfg[group] or {}).items():
            assert instantiate(node) is not None, name


@pytest.mark.parametrize("launcher", _options("hydra/launcher"))
def test_launchers_compose(launcher, tmp_path) -> None:
    cfg = _compose(f"hydra/launcher={launcher}", hydra=True)
    assert cfg.hydra.launcher._target_.endswith("Launcher")


def test_paths_default_to_relative_data_and_logs(monkeypatch) -> None:
    monkeypatch.delenv("SELENE_DATA_DIR", raising=False)
    cfg = _compose()
    assert cfg.paths.data_dir == "data" and cfg.paths.log_dir == "logs"


@pytest.mark.parametrize("experiment", _options("experiment"))
@pytest.mark.parametrize("config", ["train", "evaluate"])
def test_experiments_compose(experiment, config, tmp_path) -> None:
    extra = ["ckpt_path=x.ckpt"] if config == "evaluate" else []
    cfg = _compose(
        f"+experiment={experiment}", f"paths.output_dir={tmp_path}", *extra, config=config
    )
    assert experiment in cfg.tags
    OmegaConf.to_container(cfg.trainer, resolve=True)
    if config == "train":
        fit_net_to_data(cfg.model.net, 919, cfg.data.get("sequence_length", 1000))
        assert cfg.model.net._target_.startswith("selene.models.")


def test_deepsea_recipe() -> None:
    cfg = _compose("+experiment=deepsea")
    assert cfg.data.test_holdout == ["chr8", "chr9"] and cfg.data.sequence_length == 1000
    assert cfg.data.features.startswith(cfg.paths.data_dir)
    assert cfg.model.net._target_ == "selene.models.DeepSEA"


@pytest.mark.parametrize(
    ("override", "listed"),
    [
        ("+experiment=nope", ["danq", "deepsea", "demo"]),
        ("model=nope", ["danq", "deepsea", "sei"]),
    ],
)
def test_unknown_names_list_the_valid_ones(override, listed) -> None:
    with pytest.raises(MissingConfigException) as error:
        _compose(override)
    assert all(f"\t{name}\n" in str(error.value) + "\n" for name in listed), str(error.value)


def test_feature_count_and_length_filled_or_checked() -> None:
    cfg = _compose()
    fit_net_to_data(cfg.model.net, 20, 200)
    assert cfg.model.net.n_targets == 20 and cfg.model.net.sequence_length == 200
    with pytest.raises(ValueError, match=r"model.net.n_targets=20 but the data has features: 919"):
        fit_net_to_data(cfg.model.net, 919, 200)
    with pytest.raises(ValueError, match=r"sequence_length=200 but the data has windows of 1000"):
        fit_net_to_data(cfg.model.net, 20, 1000)
    nested = OmegaConf.create(
        {
            "_target_": "selene.models.NonStrandSpecific",
            "model": {
                "_target_": "selene.models.Sei",
                "sequence_length": "???",
                "n_genomic_features": "???",
            },
        }
    )
    fit_net_to_data(nested, 5, 4096)
    assert nested.model.n_genomic_features == 5
    with pytest.raises(ValueError, match="has none of"):
        fit_net_to_data(OmegaConf.create({"_target_": "torch.nn.Identity"}), 5, None)
