"""``MultiFileSampler``: a DataModule over fixed datasets, one file sampler per partition."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from torch.utils.data import DataLoader

from selene.io.features import read_features
from selene.samplers._datamodule import SamplerDataModule
from selene.samplers._datasets import FixedBatches, batch_loader, current_rank
from selene.samplers._file_stream import FileStream
from selene.samplers._windows import Batch
from selene.utils.checks import check_arguments

__all__ = ["FileSampler", "MultiFileSampler"]


class FileSampler(Protocol):
    """What ``MultiFileSampler`` needs of a file sampler (``BedFileSampler``, ...)."""

    n_samples: int
    sequence_length: int
    n_features: int | None
    block_size: int
    shuffle: bool
    random_seed: int
    narrow: dict[tuple[str, ...], str]  # fields that workers may send in a smaller exact dtype

    def read(self, start: int, stop: int) -> Any:
        """Rows ``[start, stop)``, read at once."""
        ...

    def batch(self, block: Any, rows: np.ndarray) -> Batch:
        """Make a batch of rows of a block."""
        ...

    def read_batch(self, start: int, stop: int) -> Batch:
        """Rows ``[start, stop)`` as a batch."""
        ...


def _batch_at(source: FileSampler, batch_size: int, index: int) -> Batch:
    return source.read_batch(index * batch_size, (index + 1) * batch_size)


class MultiFileSampler(SamplerDataModule):
    """Train, validation and (optional) test sets read from files (a ``LightningDataModule``).

    Checkpoints keep the training stream's position (:meth:`state_dict`): a resumed run trains
    on the batches the uninterrupted run would have (``FileStream``).

    Parameters
    ----------
    train_sampler, validate_sampler : BedFileSampler or MatFileSampler
        The training data (served endlessly, reshuffled every pass when the sampler shuffles)
        and the validation data (served in file order).
    features : list of str or path, optional
        Feature names (default: the training sampler's).
    test_sampler : BedFileSampler or MatFileSampler, optional
        The test data (served in file order).
    batch_size : int
        Samples per batch.
    num_workers : int
        DataLoader workers of the training stream (the fixed sets are read in the main process).
    mode, save_datasets, output_dir
        Accepted for the Selene SDK's signature; unused.

    Raises
    ------
    ValueError
        If the samplers disagree on sequence length or number of features.
    """

    def __init__(
        self,
        train_sampler: FileSampler,
        validate_sampler: FileSampler,
        features: Sequence[str] | str | Path | None = None,
        test_sampler: FileSampler | None = None,
        batch_size: int = 64,
        num_workers: int = 0,
        mode: str = "train",
        save_datasets: Sequence[str] = (),
        output_dir: str | Path | None = None,
    ) -> None:
        check_arguments(MultiFileSampler.__init__, locals())  # batch_size='64' -> TypeError
        super().__init__()
        self.samplers = {"train": train_sampler, "validate": validate_sampler}
        if test_sampler is not None:
            self.samplers["test"] = test_sampler
        self.modes, self.mode = list(self.samplers), mode
        if features is None:
            features = getattr(train_sampler, "features", None)
            if features is None:
                raise ValueError("features is required unless the training sampler has names")
        self.features = read_features(features)
        self.sequence_length = train_sampler.sequence_length
        for name, sampler in self.samplers.items():
            n_features = getattr(sampler, "n_features", None)
            if sampler.sequence_length != self.sequence_length:
                raise ValueError(
                    f"{name} sampler has sequence length {sampler.sequence_length}, "
                    f"the training sampler {self.sequence_length}"
                )
            if n_features is not None and n_features != len(self.features):
                raise ValueError(
                    f"{name} sampler has {n_features} features; "
                    f"{len(self.features)} feature names given"
                )
        if batch_size < 1 or num_workers < 0:
            raise ValueError(
                f"need batch_size >= 1, num_workers >= 0; got {batch_size}, {num_workers}"
            )
        self.batch_size, self.num_workers = int(batch_size), int(num_workers)

    def require_target_range(self, low: float, high: float, why: str) -> None:
        """Have every file sampler refuse targets outside ``[low, high]`` as it reads them.

        ``SequenceLitModule`` calls it with its loss's range (``bce``: [0, 1]). A BED's indices
        column gives 0/1 labels by construction; samplers that read stored values, or labels
        from a ``Target`` (``BedFileSampler(target=...)``), check.
        """
        for sampler in self.samplers.values():
            check = getattr(sampler, "require_target_range", None)
            if check is not None:
                check(low, high, why)

    def train_dataloader(self) -> DataLoader:
        """Endless training batches; ranks and workers split each pass between them."""
        rank = self.trainer.global_rank if self.trainer is not None else current_rank()
        world = self.trainer.world_size if self.trainer is not None else 1
        epoch, start = self._stream_start()  # where a resumed run goes on
        stream = FileStream(self.samplers["train"], self.batch_size, rank, world, epoch, start)
        return batch_loader(stream, self.num_workers, train=True)

    def _stream_settings(self) -> dict[str, int]:
        """Return what the training batches depend on besides the stream's position."""
        train = self.samplers["train"]
        return {
            "seed": int(train.random_seed),
            "batch_size": self.batch_size,
            "num_workers": self.num_workers,
            "train_samples": int(train.n_samples),
        }

    def _fixed(self, mode: str) -> DataLoader:
        source = self.samplers[mode]
        n_batches = -(-source.n_samples // self.batch_size)
        dataset = FixedBatches(partial(_batch_at, source, self.batch_size), n_batches)
        return batch_loader(dataset, 0)  # cheaper to read here than to move between processes

    def val_dataloader(self) -> DataLoader:
        """Serve the validation set, in file order."""
        return self._fixed("validate")

    def test_dataloader(self) -> DataLoader:
        """Serve the test set, in file order."""
        if "test" not in self.samplers:
            raise ValueError("no test_sampler was given to this MultiFileSampler")
        return self._fixed("test")
