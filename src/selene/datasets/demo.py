"""``DemoSampler``: the embedded demo's DataModule, which makes its synthetic data itself.

Lightning's way: the constructor touches no file, ``prepare_data`` (run once per node, before
``setup``) writes the synthetic genome if it is not there yet, and ``setup`` opens it as an
``IntervalsSampler``. Composing or resolving the demo config therefore writes nothing.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from selene.datasets.synthetic import feature_names, make_synthetic, open_synthetic
from selene.samplers import IntervalsSampler, OnlineSampler
from selene.samplers.splits import Holdout, modes_for
from selene.sequences import Genome
from selene.targets import BigWigTargets
from selene.utils.checks import check_arguments

__all__ = ["DEMO_FEATURES", "DemoSampler"]

#: Features of the demo dataset (``make_synthetic``'s defaults: 20 features).
DEMO_FEATURES = feature_names(20)

# what ``DemoSampler`` fills in itself from the synthetic dataset
_OWN = {"reference_sequence", "target_path", "target", "features", "intervals_path"}


class DemoSampler(pl.LightningDataModule):
    """Windows around the planted-motif peaks of the demo's synthetic genome, and background.

    An ``IntervalsSampler`` over ``make_synthetic(data_dir)`` (6 chromosomes of 500 kb, 20
    features), built in :meth:`setup` once :meth:`prepare_data` has made the files. What the
    apps need before training (``features``, ``sequence_length``, ``modes``) is known without
    them.

    Parameters
    ----------
    data_dir : path
        Where the synthetic dataset is (or is made), e.g. ``${paths.data_dir}/demo``.
    seed, validation_holdout, test_holdout, sequence_length, center_bin_to_predict
        See ``OnlineSampler``.
    n_validation_samples, n_test_samples, batch_size, num_workers
        See ``OnlineSampler``.
    sample_negative : bool
        Also keep windows with no peak (see ``IntervalsSampler``): about 60% of the demo's.
        On by default, unlike the Selene SDK: a model that never sees a window without a peak
        calls some feature on any motif-less sequence (the demo's control query scored 0.95).
    tracks : bool
        Learn the features' coverage tracks instead of their peaks: ``prepare_data`` also writes
        one bigWig per feature (``make_synthetic(tracks=True)``), and batches carry
        ``BigWigTargets`` of them, ``(B, 20, sequence_length // bin_size)``. Set
        ``center_bin_to_predict=None`` with it (tracks cover the whole window).
    bin_size : int or None
        The tracks' bin size (mean coverage per bin; None: one value per window); unused
        without ``tracks``.
    **kwargs
        Any other ``OnlineSampler`` option (``strand``, ``max_n_fraction``, ...).

    Raises
    ------
    TypeError
        If an argument has the wrong type, or is not an ``OnlineSampler`` option.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        seed: int = 436,
        validation_holdout: Holdout = ("chr5",),
        test_holdout: Holdout = ("chr6",),
        sequence_length: int = 300,
        center_bin_to_predict: int | Sequence[int] = 200,
        n_validation_samples: int | None = 2048,
        n_test_samples: int | None = 4096,
        batch_size: int = 64,
        num_workers: int = 0,
        sample_negative: bool = True,
        tracks: bool = False,
        bin_size: int | None = 32,
        **kwargs: Any,
    ) -> None:
        check_arguments(DemoSampler.__init__, locals())
        options = set(inspect.signature(OnlineSampler.__init__).parameters) - {"self"}
        unknown = sorted(set(kwargs) - (options - _OWN))
        if unknown:
            raise TypeError(
                f"DemoSampler got {unknown}, which are not OnlineSampler options or are set by "
                f"the demo itself ({sorted(_OWN)}); use data=intervals for other data"
            )
        super().__init__()
        self.data_dir = Path(data_dir)
        self.features = list(DEMO_FEATURES)
        self.sequence_length, self.batch_size = int(sequence_length), int(batch_size)
        self.modes = list(modes_for(test_holdout))
        self.sampler: IntervalsSampler | None = None
        self.tracks, self.bin_size = bool(tracks), bin_size
        self._settings = dict(
            seed=seed,
            validation_holdout=validation_holdout,
            test_holdout=test_holdout,
            sequence_length=sequence_length,
            center_bin_to_predict=center_bin_to_predict,
            n_validation_samples=n_validation_samples,
            n_test_samples=n_test_samples,
            batch_size=batch_size,
            num_workers=num_workers,
            sample_negative=sample_negative,
            **kwargs,
        )
        self._target_range: tuple[float, float, str] | None = None
        self._pending_state: dict[str, Any] | None = None

    @property
    def n_features(self) -> int:
        """Number of features (targets) per example."""
        return len(self.features)

    def prepare_data(self) -> None:
        """Make the synthetic dataset in ``data_dir`` unless it is there (idempotent)."""
        make_synthetic(self.data_dir, tracks=self.tracks)

    def setup(self, stage: str | None = None) -> None:
        """Open the dataset as an ``IntervalsSampler`` (once) and draw the stage's fixed sets.

        Raises
        ------
        FileNotFoundError
            If :meth:`prepare_data` has not made the dataset (a ``Trainer`` calls it first).
        """
        sampler = self._open()
        sampler.trainer = self.trainer
        sampler.setup(stage)

    def train_dataloader(self) -> DataLoader:
        """Serve endless training batches (see ``OnlineSampler.train_dataloader``)."""
        return self._opened("train_dataloader").train_dataloader()

    def val_dataloader(self) -> DataLoader:
        """Serve the fixed validation batches."""
        return self._opened("val_dataloader").val_dataloader()

    def test_dataloader(self) -> DataLoader:
        """Serve the fixed test batches."""
        return self._opened("test_dataloader").test_dataloader()

    def state_dict(self) -> dict[str, Any]:
        """Return the training stream's position (``{}`` before :meth:`setup`)."""
        return self.sampler.state_dict() if self.sampler is not None else {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume the training stream where a checkpoint left it."""
        if self.sampler is None:
            self._pending_state = state_dict  # applied once setup opens the data
        else:
            self.sampler.load_state_dict(state_dict)

    def require_target_range(self, low: float, high: float, why: str) -> None:
        """Refuse labels outside ``[low, high]`` (see ``OnlineSampler.require_target_range``)."""
        self._target_range = (low, high, why)
        if self.sampler is not None:
            self.sampler.require_target_range(low, high, why)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Turn ``uint8`` codes into float one-hot on their device (as every sampler does)."""
        return self._opened("on_after_batch_transfer").on_after_batch_transfer(
            batch, dataloader_idx
        )

    def _open(self) -> IntervalsSampler:
        if self.sampler is not None:
            return self.sampler
        data = open_synthetic(self.data_dir)
        if data.features != self.features:
            raise ValueError(
                f"{self.data_dir} holds a synthetic dataset of {len(data.features)} features, "
                f"not the demo's {len(self.features)}: call prepare_data() (it remakes the demo "
                "there) or give another data_dir"
            )
        genome = Genome(data.fasta, blacklist_regions=data.blacklist_bed)
        if self.tracks and not data.tracks:
            raise FileNotFoundError(
                f"{self.data_dir} holds the demo without coverage tracks: call prepare_data() "
                "(it adds them for tracks=True)"
            )
        labels: dict[str, Any] = (
            {"target": _track_target(data.tracks, self.features, self.bin_size)}
            if self.tracks
            else {"target_path": data.features_bed, "features": data.features_txt}
        )
        self.sampler = IntervalsSampler(
            genome, intervals_path=data.intervals_bed, **labels, **self._settings
        )
        if self._target_range is not None:
            self.sampler.require_target_range(*self._target_range)
        if self._pending_state is not None:
            self.sampler.load_state_dict(self._pending_state)
            self._pending_state = None
        return self.sampler

    def _opened(self, what: str) -> IntervalsSampler:
        if self.sampler is None:
            raise RuntimeError(
                f"DemoSampler.{what} before setup: call prepare_data() and setup() first "
                "(a Trainer does both)"
            )
        return self.sampler


def _track_target(
    paths: dict[str, Path], features: list[str], bin_size: int | None
) -> BigWigTargets:
    return BigWigTargets([paths[f] for f in features], names=features, bin_size=bin_size)
