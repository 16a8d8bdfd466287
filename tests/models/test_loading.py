from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from selene.models import (
    ARCHITECTURES,
    DeeperDeepSEA,
    DeepSEA,
    HeartENN,
    NonStrandSpecific,
    Seqweaver,
    get_architecture,
    load_selene_weights,
)


def trained(seed: int = 0) -> HeartENN:
    torch.manual_seed(seed)
    model = HeartENN(320, 5)
    for buf in model.buffers():
        if buf.is_floating_point():
            buf.uniform_(0.5, 1.5)
    return model


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        torch.testing.assert_close(sa[k], sb[k], msg=k)


def selene_checkpoint(state_dict: dict, path: Path, arch: str = "HeartENN") -> Path:
    # What selene_sdk's TrainModel saves; min_loss is a NumPy float there.
    torch.save(
        {
            "step": 1000,
            "arch_name": arch,
            "state_dict": state_dict,
            "min_loss": np.float64(0.12),
            "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "params": [0, 1]}]},
        },
        path,
    )
    return path


def test_selene_checkpoint_file_with_data_parallel_prefix(tmp_path: Path) -> None:
    source = trained()
    state = {f"module.{k}": v for k, v in source.state_dict().items()}
    path = selene_checkpoint(state, tmp_path / "best_model.pth.tar")
    target = load_selene_weights(HeartENN(320, 5), path)
    assert_same_weights(source, target)


@pytest.mark.parametrize("prefix", ["model.", "module.model."])
def test_non_strand_specific_checkpoint_into_a_bare_model(prefix: str) -> None:
    source = trained()
    state = {prefix + k: v for k, v in source.state_dict().items()}
    assert_same_weights(source, load_selene_weights(HeartENN(320, 5), state))


def test_bare_checkpoint_into_non_strand_specific() -> None:
    source = trained()
    target = load_selene_weights(NonStrandSpecific(HeartENN(320, 5)), source.state_dict())
    assert_same_weights(source, target.model)


def test_seqweaver_keys_already_start_with_model() -> None:
    torch.manual_seed(0)
    source = Seqweaver(200, 3)
    bare = load_selene_weights(Seqweaver(200, 3), source.state_dict())
    wrapped = load_selene_weights(NonStrandSpecific(Seqweaver(200, 3)), source.state_dict())
    assert_same_weights(source, bare)
    assert_same_weights(source, wrapped.model)
    back = load_selene_weights(Seqweaver(200, 3), wrapped.state_dict())
    assert_same_weights(source, back)


def test_checkpoint_without_num_batches_tracked_loads() -> None:
    source = trained()
    state = {k: v for k, v in source.state_dict().items() if "num_batches_tracked" not in k}
    assert_same_weights(source, load_selene_weights(HeartENN(320, 5), state))


def test_wrong_shape_lists_the_mismatch(tmp_path: Path) -> None:
    path = selene_checkpoint(DeepSEA(200, 5).state_dict(), tmp_path / "c.pth.tar", "DeepSEA")
    with pytest.raises(
        ValueError,
        match=r"(?s)does not match DeepSEA.*4 shape mismatches: "
        r"classifier\.0\.weight: checkpoint \(5, 2880\) vs model \(7, 2880\).*"
        r"check the model's sequence_length",
    ):
        load_selene_weights(DeepSEA(200, 7), path)


def test_wrong_architecture_lists_missing_and_unexpected_keys(tmp_path: Path) -> None:
    path = selene_checkpoint(trained().state_dict(), tmp_path / "c.pth.tar")
    with pytest.raises(
        ValueError,
        match=r"(?s)missing keys.*unexpected keys.*conv_net\.2\.weight"
        r".*saved from a 'HeartENN' model",
    ):
        load_selene_weights(DeepSEA(320, 5), path)


def test_non_strict_skips_extra_keys_but_not_shapes() -> None:
    source = trained()
    state = dict(source.state_dict(), **{"extra.weight": torch.zeros(2)})
    del state["classifier.3.bias"]
    target = load_selene_weights(HeartENN(320, 5), state, strict=False)
    torch.testing.assert_close(target.conv_net[0].weight, source.conv_net[0].weight)
    with pytest.raises(ValueError, match=r"missing keys.*classifier\.3\.bias"):
        load_selene_weights(HeartENN(320, 5), state)
    with pytest.raises(ValueError, match="shape mismatches"):
        load_selene_weights(HeartENN(320, 6), state, strict=False)


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no Selene checkpoint at"):
        load_selene_weights(DeepSEA(200, 5), tmp_path / "missing.pth.tar")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="holds a list, not a state dict"):
        load_selene_weights(DeepSEA(200, 5), tmp_path / "list.pt")
    torch.save(DeepSEA(200, 5), tmp_path / "pickled_model.pt")
    with pytest.raises(ValueError, match="cannot be loaded with weights_only=True"):
        load_selene_weights(DeepSEA(200, 5), tmp_path / "pickled_model.pt")
    with pytest.raises(ValueError, match="holds no state dict"):
        load_selene_weights(DeepSEA(200, 5), {"state_dict": {"a": 1}})


def test_get_architecture() -> None:
    assert get_architecture("DeepSEA") is DeepSEA
    assert get_architecture("deeper-deepsea") is DeeperDeepSEA is ARCHITECTURES["deeper_deepsea"]
    assert get_architecture("DeeperDeepSEA") is DeeperDeepSEA
    with pytest.raises(
        ValueError,
        match="unknown architecture 'enformer'; valid names: deepsea, "
        "deeper_deepsea, danq, heartenn, seqweaver, sei, basset",
    ):
        get_architecture("enformer")
