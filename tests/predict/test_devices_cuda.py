"""``variant_effect_prediction(devices=N)`` on GPUs: spawned ``cuda:<rank>`` processes."""

from __future__ import annotations

import copy

import h5py
import numpy as np
import pytest
import torch

from selene.predict.analyze import AnalyzeSequences

KINDS = ["predictions", "diffs"]
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
    pytest.mark.filterwarnings(
        "ignore:.*records (not scored|whose REF differs):selene.utils.warnings.SeleneWarning"
    ),
]


def _on(tiny_model: AnalyzeSequences, device: str) -> AnalyzeSequences:
    """The same analyzer on ``device``, with its own copy of the net (``.to`` moves in place)."""
    net = copy.deepcopy(tiny_model._arguments["model"])
    return AnalyzeSequences(**{**tiny_model._arguments, "model": net, "device": device})


def _datasets(folder) -> dict[str, np.ndarray]:
    found = {}
    for path in sorted(folder.glob("*.h5")):
        with h5py.File(path, "r") as f:
            found[path.name] = f["data"][()]
    return found


def test_gpu_processes_write_one_gpu_process_files(tiny_model, workdir, tmp_path) -> None:
    """Every visible GPU runs a spawned rank; the merge equals one CUDA process's files."""
    vcf = str(workdir / "variants.vcf")
    gpus = torch.cuda.device_count()
    cuda = _on(tiny_model, "cuda")
    one = cuda.variant_effect_prediction(vcf, KINDS, str(tmp_path / "one"), "hdf5", 7)
    spread = cuda.variant_effect_prediction(
        vcf, KINDS, str(tmp_path / "spread"), "hdf5", 7, devices=gpus
    )
    assert spread == one
    ones, spreads = _datasets(tmp_path / "one"), _datasets(tmp_path / "spread")
    assert sorted(ones) == sorted(spreads) and ones
    for name, values in ones.items():
        np.testing.assert_allclose(spreads[name], values, rtol=1e-5, atol=1e-6)
    cpu = tiny_model.variant_effect_prediction(vcf, KINDS, str(tmp_path / "cpu"), "hdf5", 7)
    assert cpu == one
    for name, values in _datasets(tmp_path / "cpu").items():
        # cuDNN may run the convolutions in TF32 (a 10-bit mantissa): ~1e-3 on these outputs.
        np.testing.assert_allclose(ones[name], values, rtol=1e-2, atol=5e-3)


def test_more_devices_than_gpus_is_refused(tiny_model, workdir, tmp_path) -> None:
    gpus = torch.cuda.device_count()
    with pytest.raises(ValueError, match=f"devices={gpus + 1} but {gpus} GPUs are visible"):
        _on(tiny_model, "cuda").variant_effect_prediction(
            str(workdir / "variants.vcf"), KINDS, str(tmp_path), devices=gpus + 1
        )
