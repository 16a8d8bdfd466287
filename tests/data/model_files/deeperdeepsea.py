"""A Selene SDK model file in the shape of the tutorial's ``deeperdeepsea.py`` (test fixture).

The architecture ends in ``nn.Sigmoid`` (it returns probabilities), and the module defines
``criterion()`` and ``get_optimizer(lr)``, as Selene's model files do. ``channels`` defaults to
Selene's widths; tests pass narrow ones to run fast.
"""

import numpy as np
import torch
import torch.nn as nn


class DeeperDeepSEA(nn.Module):
    """Three pairs of convolutions (kernel 8), two max-pools, a dense classifier, a sigmoid."""

    def __init__(self, sequence_length, n_targets, channels=(320, 480, 960)):
        super().__init__()
        k = 8
        a, b, c = channels
        self.conv_net = nn.Sequential(
            nn.Conv1d(4, a, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.Conv1d(a, a, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=4, stride=4),
            nn.BatchNorm1d(a),
            nn.Conv1d(a, b, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.Conv1d(b, b, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(kernel_size=4, stride=4),
            nn.BatchNorm1d(b),
            nn.Dropout(p=0.2),
            nn.Conv1d(b, c, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.Conv1d(c, c, kernel_size=k),
            nn.ReLU(inplace=True),
            nn.BatchNorm1d(c),
            nn.Dropout(p=0.5),
        )
        reduce_by = 2 * (k - 1)
        self.n_channels = int(
            np.floor((np.floor((sequence_length - reduce_by) / 4.0) - reduce_by) / 4.0) - reduce_by
        )
        self.channels = c
        self.classifier = nn.Sequential(
            nn.Linear(c * self.n_channels, n_targets),
            nn.ReLU(inplace=True),
            nn.BatchNorm1d(n_targets),
            nn.Linear(n_targets, n_targets),
            nn.Sigmoid(),
        )

    def forward(self, x):
        out = self.conv_net(x)
        return self.classifier(out.view(out.size(0), self.channels * self.n_channels))


def criterion():
    """The loss the Selene SDK trains this model with (on probabilities)."""
    return nn.BCELoss()


def get_optimizer(lr):
    """The optimizer class and its arguments, as Selene's ``get_optimizer``."""
    return (torch.optim.SGD, {"lr": lr, "weight_decay": 1e-6, "momentum": 0.9})
