"""BatchNormStatistics: batch-norm statistics recomputed from recent training batches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from torch import nn
from torch.optim.swa_utils import update_bn

from selene.utils.callbacks import BatchNormStatistics


class _Module(nn.Module):
    """Stands in for SequenceLitModule: the architecture is ``net``."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net


def _net(dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv1d(4, 6, 3),
        nn.BatchNorm1d(6),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Conv1d(6, 5, 3),
        nn.BatchNorm1d(5),
        nn.Flatten(),
        nn.Linear(5 * 16, 2),
    )


def _batches(n: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return [torch.randn(8, 4, 20, generator=gen) * (i + 1) for i in range(n)]


def _fit(callback: BatchNormStatistics, module: nn.Module, batches, sanity=False) -> None:
    trainer = SimpleNamespace(sanity_checking=sanity)
    for i, x in enumerate(batches):
        callback.on_train_batch_end(trainer, module, None, {"sequence": x}, i)
    module.eval()
    callback.on_validation_start(trainer, module)


def test_statistics_are_the_average_over_the_last_batches_as_update_bn_gives():
    module, reference = _Module(_net()), _net()
    batches = _batches(5)
    _fit(BatchNormStatistics(n_batches=3), module, batches)
    update_bn(batches[-3:], reference)  # the library's own recomputation over the same inputs
    for ours, theirs in zip(module.net, reference, strict=True):
        if isinstance(ours, nn.BatchNorm1d):
            torch.testing.assert_close(ours.running_mean, theirs.running_mean)
            torch.testing.assert_close(ours.running_var, theirs.running_var)
            assert ours.momentum == 0.1  # restored after the cumulative average
    assert not module.training  # the mode validation set is kept


def test_sanity_check_and_nets_without_batch_norm_are_left_alone():
    module = _Module(_net())
    before = module.net[1].running_mean.clone()
    _fit(BatchNormStatistics(n_batches=2), module, _batches(2), sanity=True)
    torch.testing.assert_close(module.net[1].running_mean, before)

    plain = _Module(nn.Sequential(nn.Conv1d(4, 2, 3)))
    callback = BatchNormStatistics(n_batches=2)
    _fit(callback, plain, _batches(2))
    assert len(callback._inputs) == 0  # nothing kept for a net that has no batch norm


def test_no_batches_kept_leaves_the_statistics():
    module = _Module(_net())
    before = module.net[4 + 1].running_var.clone()
    _fit(BatchNormStatistics(), module, [])
    torch.testing.assert_close(module.net[5].running_var, before)


def test_at_least_one_batch():
    with pytest.raises(ValueError, match="n_batches=0: keep at least one training batch"):
        BatchNormStatistics(n_batches=0)


def test_checkpointed_inputs_recompute_the_same_statistics_and_random_state_is_kept():
    batches = _batches(4)
    first, module = BatchNormStatistics(n_batches=2), _Module(_net(dropout=0.5))
    torch.manual_seed(3)
    _fit(first, module, batches)
    resumed, other = BatchNormStatistics(n_batches=2), _Module(_net(dropout=0.5))
    resumed.load_state_dict(first.state_dict())
    torch.manual_seed(3)
    state = torch.random.get_rng_state()
    _fit(resumed, other, [])
    assert torch.equal(torch.random.get_rng_state(), state)
    for ours, theirs in zip(module.net, other.net, strict=True):
        if isinstance(ours, nn.BatchNorm1d):
            assert torch.equal(ours.running_mean, theirs.running_mean)
            assert torch.equal(ours.running_var, theirs.running_var)
