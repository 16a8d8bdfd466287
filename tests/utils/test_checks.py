"""Python API: a value of the wrong type is refused with the parameter and expected type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from selene.models import DeepSEA
from selene.predict import AnalyzeSequences
from selene.samplers import IntervalsSampler, MultiFileSampler, RandomPositionsSampler
from selene.utils.checks import check_arguments, expected_type

BATCH = r"batch_size must be int, got '64' \(str\); pass a number, e.g. batch_size=64"


@pytest.mark.parametrize(
    ("build", "owner"),
    [
        (lambda: RandomPositionsSampler(None, None, batch_size="64"), "RandomPositionsSampler"),
        (lambda: IntervalsSampler(None, None, None, "x.bed", batch_size="64"), "IntervalsSampler"),
        (lambda: MultiFileSampler(None, None, batch_size="64"), "MultiFileSampler"),
        (lambda: AnalyzeSequences(DeepSEA(200, 4), None, batch_size="64"), "AnalyzeSequences"),
    ],
    ids=["RandomPositionsSampler", "IntervalsSampler", "MultiFileSampler", "AnalyzeSequences"],
)
def test_constructors_refuse_a_string_batch_size(build, owner) -> None:
    with pytest.raises(TypeError, match=f"{owner}: {BATCH}"):
        build()


def _f(
    n: int,
    x: float = 0.5,
    flag: bool = False,
    path: str | Path | None = None,
    device: str | torch.device = "cpu",
    names: list[str] | None = None,
) -> None:
    check_arguments(_f, locals())


def test_check_arguments_follows_the_annotations() -> None:
    _f(np.int64(3), 1, np.bool_(True), Path("a"), torch.device("cpu"), ["a"])  # all accepted
    _f(3, names="not checked: a generic alias")
    with pytest.raises(TypeError, match=r"_f: n must be int, got True \(bool\)"):
        _f(True)
    with pytest.raises(TypeError, match=r"x must be float, got '0.1' \(str\); pass a number, e"):
        _f(1, "0.1")
    with pytest.raises(TypeError, match=r"flag must be bool, got 1 \(int\)"):
        _f(1, flag=1)
    with pytest.raises(TypeError, match=r"path must be str or Path or None, got 3 \(int\)"):
        _f(1, path=3)


def test_expected_type_leaves_what_it_cannot_judge() -> None:
    assert expected_type("x", list[int]) is None
    assert expected_type({"a": 1}, int) is None  # containers (e.g. a DictConfig) are not judged
    assert expected_type("x", int | list[int]) is None
    assert expected_type(2.0, int) == "int"
