"""Selene's top-level keys: ``random_seed``, ``output_dir``, ``create_subdirectory``, ..."""

from __future__ import annotations

from typing import Any

from selene.compat._source import Source, put
from selene.compat._yaml import Obj, SeleneMap

__all__ = ["apply_top_level", "note_top_level"]


def apply_top_level(config: SeleneMap, exp: dict[str, Any]) -> None:
    """Set ``seed`` and the run directory (``output_dir``, ``create_subdirectory``)."""
    if "random_seed" in config:
        exp["seed"] = config["random_seed"]
    output_dir = _output_dir(config)
    if output_dir is not None:
        if config.get("create_subdirectory", True):
            put(exp, "paths.log_dir", output_dir)
        else:  # Selene writes straight into output_dir
            put(exp, "hydra.run.dir", output_dir)
    data = exp.get("data", {})
    if data.get("save_datasets") and "output_dir" not in data:
        data["output_dir"] = "${paths.output_dir}"  # Selene: the run's output_dir


def _output_dir(config: SeleneMap) -> Any:
    train = config.get("train_model")
    if "output_dir" not in config and isinstance(train, Obj):  # Selene 0.1 put it there
        return train.args.get("output_dir")
    return config.get("output_dir")


def note_top_level(src: Source, config: SeleneMap) -> None:
    """Say where the top-level keys with no key of their own went."""
    output_dir = _output_dir(config)
    if output_dir is not None and config.get("create_subdirectory", True):
        src.note(
            config,
            "output_dir",
            "output_dir",
            f"is paths.log_dir: each run gets its own directory {output_dir}/<app>/runs/<time> "
            "(Selene's create_subdirectory: True)",
        )
    elif output_dir is not None:
        src.note(
            config,
            "create_subdirectory",
            "create_subdirectory",
            f"False: the run writes straight into output_dir (hydra.run.dir={output_dir})",
        )
    for key, why in (
        ("load_test_set", "dropped: the test set is drawn once, from the held-out "
         "chromosomes, when testing starts"),
        ("save_datasets", "dropped (Selene 0.1): set sampler.save_datasets instead"),
    ):  # fmt: skip
        if key in config:
            src.note(config, key, key, why)
