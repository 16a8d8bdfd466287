"""``OnlineSampler``: draws examples from a reference genome and a ``Target`` on the fly."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader

from selene import sequences
from selene.samplers._datamodule import SamplerDataModule
from selene.samplers._datasets import (
    FixedBatches,
    TrainStream,
    batch_loader,
    current_rank,
    stream_rng,
)
from selene.samplers._inputs import (
    open_reference,
    open_target,
    refuse_absent_features,
    set_size,
)
from selene.samplers._labels import label_span, refuse_missing_chroms
from selene.samplers._windows import Batch, CenterDrawer, WindowReader, WindowSet
from selene.samplers.bed_file import BedAppender, write_bed_dataset
from selene.samplers.splits import Holdout, holdout_type, modes_for
from selene.targets import Target
from selene.utils.checks import check_arguments

__all__ = ["OnlineSampler"]

_MODE_KEY = {"validate": 1, "test": 2}


class OnlineSampler(SamplerDataModule):
    """Base of the samplers that draw windows on the fly (a ``LightningDataModule``).

    Training batches come from an endless stream (bound training by steps); validation and test
    sets are drawn once from ``seed``, so they are the same every epoch and every run. Each
    DataLoader worker and each DDP rank draws its own stream, seeded from
    ``(seed, rank, worker id, epoch)``; checkpoints keep the stream's position
    (:meth:`state_dict`), so a resumed run trains on the batches the uninterrupted run would
    have. A window off a chromosome end, overlapping a blacklisted region, or with more than
    ``max_n_fraction`` ``N`` is redrawn, never returned.

    Parameters
    ----------
    reference_sequence : selene.sequences.Sequence or path
        The reference (a FASTA path is opened as ``Genome(path)``).
    target_path : path or selene.targets.Target, optional
        Selene's name for the labels: a feature BED (opened as ``GenomicFeatures`` with
        ``features`` and ``feature_thresholds``), or a Target. Give this or ``target``.
    features : list of str or path, optional
        Feature names, or a file with one per line. Required with a BED path; with a Target,
        None takes the target's own ``features``.
    seed : int
        Seeds the holdout split, the fixed sets and every training stream.
    validation_holdout, test_holdout : list of str or float
        Held-out chromosomes, or proportions (see ``selene.samplers.splits``). ``test_holdout``
        None: no test set.
    sequence_length : int
        Window length.
    center_bin_to_predict : int, [int, int] or None
        Length of the centred bin the labels describe, or its ``[start, end)`` in the window;
        None: 200 (the Selene SDK's default). A ``whole_window`` target (``BigWigTargets``) is
        asked for the whole window and places its own crop and bins (``center_crop``,
        ``bin_size``): leave this None (or the whole window) with one.
    feature_thresholds : float, dict, callable or None
        Passed to ``GenomicFeatures`` when ``target_path`` is a path (unused otherwise).
    mode : {"train", "validate", "test"}
        Partition that ``sample`` draws from by default.
    save_datasets : list of str
        Modes whose drawn windows are written to ``output_dir/{mode}_data.bed`` (training: one
        file per stream, ``train_data.bed`` when there is one stream).
    output_dir : path, optional
        Where ``save_datasets`` go.
    exclude_chrs : list of str
        Chromosomes whose name contains any of these strings are never sampled.
    n_validation_samples, n_test_samples : int, optional
        Sizes of the fixed sets (None: the Selene SDK's defaults, 32000 and 640000). 0 means
        no such set: training then runs without validation (nothing is logged as ``val/*``,
        so checkpoints that monitor it are never written), or the test pass scores nothing.
    batch_size : int
        Windows per batch.
    num_workers : int
        DataLoader workers of the training stream. The fixed sets are read in the main process:
        reading them there is faster than moving them between processes.
    strand : {"random", "+"}
        Draw each window's strand at random (as the Selene SDK does) or use the forward strand.
    max_n_fraction : float
        Largest accepted fraction of ``N`` in a window (the Selene SDK rejects above 30%).
    keep_negative : bool
        False: redraw windows with no positive label (for tracks: whose values are all 0).
    target : selene.targets.Target, optional
        Any object following the ``Target`` protocol (``n_features``, ``get_feature_data``,
        optionally a batched ``get_feature_data_batch``), e.g. ``BigWigTargets``: batches carry
        its labels, float32 ``(B, *target.label_shape(span))``, so ``(B, T, L // bin_size)``
        for tracks. A window drawn on the '-' strand carries ``target.flip_strand`` of its '+'
        labels (track bins reversed, as its bases are). A target that labels windows on a grid
        only (``Target.window_grid``: a cache of bins) has each window moved down onto it.
        Give this or ``target_path``.

    Raises
    ------
    TypeError
        If the reference is not a ``Sequence``, or the target not a ``Target``.
    ValueError
        If both or neither of ``target`` and ``target_path`` are given, the features do not
        match the target, or the target has no data on a chromosome the sampler draws from
        (a bigWig without it; ``chr1`` and ``1`` are matched).
    """

    STRAND_SIDES = ("+", "-")

    def __init__(
        self,
        reference_sequence: sequences.Sequence | str | os.PathLike[str],
        target_path: Target | str | os.PathLike[str] | None = None,
        features: Sequence[str] | str | Path | None = None,
        seed: int = 436,
        validation_holdout: Holdout = ("chr6", "chr7"),
        test_holdout: Holdout = ("chr8", "chr9"),
        sequence_length: int = 1000,
        center_bin_to_predict: int | Sequence[int] | None = None,
        feature_thresholds: float | dict | Callable | None = 0.5,
        mode: str = "train",
        save_datasets: Sequence[str] = (),
        output_dir: str | Path | None = None,
        exclude_chrs: Sequence[str] = ("_",),
        n_validation_samples: int | None = None,
        n_test_samples: int | None = None,
        batch_size: int = 64,
        num_workers: int = 0,
        strand: str = "random",
        max_n_fraction: float = 0.3,
        keep_negative: bool = True,
        target: Target | None = None,
    ) -> None:
        check_arguments(OnlineSampler.__init__, locals())  # batch_size='64' -> TypeError
        super().__init__()
        self._holdout_type = holdout_type(validation_holdout, test_holdout)
        self.validation_holdout = (
            [str(c) for c in validation_holdout]
            if self._holdout_type == "chromosome"
            else float(validation_holdout)
        )
        self.test_holdout = (
            None
            if not test_holdout
            else [str(c) for c in test_holdout]
            if self._holdout_type == "chromosome"
            else float(test_holdout)
        )
        self.modes = list(modes_for(test_holdout))
        self.set_mode(mode)
        if strand not in ("random", "+"):
            raise ValueError(f"strand must be 'random' or '+'; got {strand!r}")
        if not 0.0 <= max_n_fraction <= 1.0:
            raise ValueError(f"max_n_fraction must be in [0, 1]; got {max_n_fraction!r}")
        if batch_size < 1 or num_workers < 0:
            raise ValueError(
                f"need batch_size >= 1, num_workers >= 0; got {batch_size}, {num_workers}"
            )
        self.save_datasets = [str(m) for m in save_datasets]
        unknown = sorted(set(self.save_datasets) - set(self.modes))
        if unknown:
            raise ValueError(f"save_datasets {unknown} not among the modes {self.modes}")
        if self.save_datasets and output_dir is None:
            raise ValueError("save_datasets needs an output_dir to write {mode}_data.bed to")
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.seed, self.sequence_length = int(seed), int(sequence_length)
        self.batch_size, self.num_workers, self.strand = int(batch_size), int(num_workers), strand
        self.exclude_chrs = [str(c) for c in exclude_chrs]
        self.n_samples = {
            "validate": set_size("n_validation_samples", n_validation_samples, "validate"),
            "test": set_size("n_test_samples", n_test_samples, "test"),
        }
        self.reference_sequence = open_reference(reference_sequence, type(self).__name__)
        self.target, self.features = open_target(
            target, target_path, features, feature_thresholds, type(self).__name__
        )
        bin_start, bin_end = label_span(self.sequence_length, center_bin_to_predict, self.target)
        refuse_absent_features(self.target, self.features)
        self._reader = WindowReader(
            self.reference_sequence,
            self.target,
            self.sequence_length,
            bin_start,
            bin_end,
            strand,
            max_n_fraction,
            keep_negative,
        )
        self._drawers: dict[str, CenterDrawer] = self._partition()
        drawn = np.unique(np.concatenate([d.chrom_ids for d in self._drawers.values()]))
        source = f"the reference {getattr(self.reference_sequence, 'path', '')}".rstrip()
        names = self._reader.chroms[drawn].tolist()
        refuse_missing_chroms(self.target, names, type(self).__name__, source)
        self._fixed: dict[str, WindowSet] = {}
        self._rng = stream_rng(self.seed, 9)

    # --- subclasses -------------------------------------------------------------------------
    def _partition(self) -> dict[str, CenterDrawer]:
        """Split the sampling space by mode: mode -> centre drawer."""
        raise NotImplementedError

    # --- construction helpers ---------------------------------------------------------------
    def require_target_range(self, low: float, high: float, why: str) -> None:
        """Refuse labels outside ``[low, high]`` from now on, naming the window and feature.

        ``SequenceLitModule`` asks with its loss's range (``bce``: [0, 1]), so that a custom
        ``Target`` of counts is not trained with a binary loss.
        """
        self._reader.label_reader.bounds = (float(low), float(high), why)

    def _excluded(self, chrom: str) -> bool:
        return any(pattern in chrom for pattern in self.exclude_chrs)

    # --- Selene-style API -------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Set the partition that ``sample`` draws from by default."""
        if mode not in self.modes:
            raise ValueError(f"mode must be one of {self.modes}; got {mode!r}")
        self.mode = mode

    def sample(self, batch_size: int = 1, mode: str | None = None) -> Batch:
        """Draw one batch of ``batch_size`` valid windows (numpy arrays) from a partition."""
        mode = self.mode if mode is None else mode
        if mode not in self._drawers:
            raise ValueError(f"mode must be one of {self.modes}; got {mode!r}")
        return self._reader.draw(self._rng, self._drawers[mode], batch_size)

    def fixed_set(self, mode: str) -> WindowSet:
        """Get the validation or test windows, drawn once from ``seed`` (and saved if asked)."""
        if mode not in ("validate", "test") or mode not in self.modes:
            raise ValueError(
                f"fixed sets exist for {[m for m in self.modes if m != 'train']}; got {mode!r}"
            )
        if mode not in self._fixed:
            rng, n, chunk = stream_rng(self.seed, _MODE_KEY[mode]), self.n_samples[mode], 8192
            empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
            parts = [
                self._reader.draw_arrays(rng, self._drawers[mode], min(chunk, n - i))[:3]
                for i in range(0, n, chunk)
            ] or [empty]  # n_{mode}_samples=0: an empty set
            cids, starts, minus = (np.concatenate(col) for col in zip(*parts, strict=True))
            self._fixed[mode] = WindowSet(self._reader, cids, starts, minus, self.batch_size)
            if mode in self.save_datasets:
                self.save_dataset_to_file(mode)
        return self._fixed[mode]

    def save_dataset_to_file(self, mode: str, path: str | Path | None = None) -> Path:
        """Write the validation or test windows as Selene's ``{mode}_data.bed``.

        Columns: chrom, start, end, strand, ``;``-joined indices of the positive features.
        ``BedFileSampler`` reads it back. A ``whole_window`` target's labels (tracks) are not
        written (4 columns): ``BedFileSampler(target=...)`` reads them again from the target.
        """
        if mode == "train":
            raise ValueError(
                "the training stream is endless and cannot be saved whole; list 'train' in "
                "save_datasets to write every training window drawn to output_dir"
            )
        if path is None and self.output_dir is None:
            raise ValueError("give a path, or an output_dir when building the sampler")
        path = Path(path) if path is not None else self.output_dir / f"{mode}_data.bed"
        fixed = self.fixed_set(mode)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            for i in range(fixed.n_batches):
                write_bed_dataset(handle, fixed(i), indices=not self.target.whole_window)
        return path

    # --- LightningDataModule ----------------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        """Draw the fixed set(s) the stage needs (validation for fit/validate, test for test)."""
        if stage in (None, "fit", "validate"):
            self.fixed_set("validate")
        if stage in (None, "test") and "test" in self.modes:
            self.fixed_set("test")

    def train_dataloader(self) -> DataLoader:
        """Endless training batches; each worker / rank draws its own stream."""
        rank = self.trainer.global_rank if self.trainer is not None else current_rank()
        on_batch = None
        if "train" in self.save_datasets:
            world = self.trainer.world_size if self.trainer is not None else 1
            single = world == 1 and self.num_workers <= 1
            indices = not self.target.whole_window
            on_batch = BedAppender(self.output_dir, "train", single, indices)
        per_draw = self._reader.batches_per_draw(self.batch_size)
        draw = partial(
            self._reader.draw_batches,
            drawer=self._drawers["train"],
            batch_size=self.batch_size,
            n_batches=per_draw,
        )
        epoch, start = self._stream_start()  # where a resumed run goes on
        # binary labels travel from workers as uint8 (exact), 4x fewer bytes
        narrow = {("targets",): "u1"} if self.target.binary else None
        stream = TrainStream(draw, self.seed, rank, on_batch, per_draw, epoch, start, narrow)
        return batch_loader(stream, self.num_workers, train=True)

    def _stream_settings(self) -> dict[str, int]:
        """Return what the training batches depend on besides the stream's position."""
        return {"seed": self.seed, "batch_size": self.batch_size, "num_workers": self.num_workers}

    def val_dataloader(self) -> DataLoader:
        """Serve the fixed validation batches."""
        fixed = self.fixed_set("validate")
        return batch_loader(FixedBatches(fixed, fixed.n_batches), 0)

    def test_dataloader(self) -> DataLoader:
        """Serve the fixed test batches."""
        fixed = self.fixed_set("test")
        return batch_loader(FixedBatches(fixed, fixed.n_batches), 0)
