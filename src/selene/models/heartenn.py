"""HeartENN (Richter et al., 2020), as the Selene SDK's repository defines it."""

from __future__ import annotations

import torch
from torch import nn

from selene.models._checks import (
    ConvClassifier,
    check_input,
    check_sequence_length,
    positive_int,
)
from selene.models.deeper_deepsea import PAIRED_LAYERS, paired_conv_net


class HeartENN(ConvClassifier):
    """Six convolutions (2 x 60, 2 x 80, 2 x 240 filters of width 8) and two dense layers.

    Layer names and shapes follow Selene's ``models/heartenn.py``, so its state dicts load;
    the final ``Sigmoid`` is dropped and the model returns logits. Like Selene's, every forward
    pass first rescales each filter and each dense unit's weights to an L2 norm of at most
    ``max_norm`` (a max-norm constraint applied in place, outside autograd).

    Parameters
    ----------
    sequence_length : int
        Input length in bases; at least 310.
    n_targets : int
        Number of outputs; the hidden dense layer has ``n_targets`` units too.
    max_norm : float or None
        ``None`` turns the constraint off.

    Attributes
    ----------
    conv_net : torch.nn.Sequential
    classifier : torch.nn.Sequential
    """

    def __init__(self, sequence_length: int, n_targets: int, max_norm: float | None = 0.9) -> None:
        super().__init__()
        self._n_channels = check_sequence_length("HeartENN", sequence_length, PAIRED_LAYERS)
        self.sequence_length = int(sequence_length)
        self.n_targets = n_targets = positive_int("HeartENN", "n_targets", n_targets)
        if max_norm is not None and not max_norm > 0:
            raise ValueError(f"HeartENN: max_norm must be positive or None, got {max_norm!r}")
        self.max_norm = max_norm
        self.conv_net = paired_conv_net((60, 80, 240), (0.4, 0.6))
        self.classifier = nn.Sequential(
            nn.Linear(240 * self._n_channels, n_targets),
            nn.ReLU(inplace=True),
            nn.BatchNorm1d(n_targets),
            nn.Linear(n_targets, n_targets),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_targets)`` of one-hot ``x`` ``(N, 4, L)``, weight norms capped first.

        Selene caps them at every pass.
        """
        check_input("HeartENN", x, self.sequence_length)  # before the weights are touched
        if self.max_norm is not None:
            self._renorm(self.max_norm)
        return self.classifier(self.conv_net(x).flatten(1))

    def _renorm(self, max_norm: float) -> None:
        # On ``.data``, as Selene does: a constraint, not part of the graph, and it must not
        # bump the version of weights an earlier forward (e.g. the other strand) still needs.
        for layer in (*self.conv_net, *self.classifier):
            if isinstance(layer, (nn.Conv1d, nn.Linear)):
                layer.weight.data.renorm_(2, 0, max_norm)
