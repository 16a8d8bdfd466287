"""``attributions.h5``: DeepLIFT/SHAP attributions over regions, written batch by batch.

Layout (``N`` regions, alphabet ``A``, window ``L``):

- ``hypothetical``, ``contributions``, ``one_hot``: float32 ``(N, A, L)`` (lzf-compressed);
- ``delta``: float32 ``(N,)``, the convergence delta (averaged over models);
- ``chrom`` (str), ``start``, ``end`` (the BED region), ``window_start``, ``line`` (its line in
  the BED file): ``(N,)``;
- attributes ``done`` (regions written, in order), ``signature`` (what the attributions depend
  on: models, regions, genome, options), ``target``, ``n_models``.

A run writes a batch, then raises ``done`` and flushes, so a run interrupted part-way keeps
every whole batch; reopened with the same signature it goes on from ``done``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np

from selene.interpret.regions import Regions

__all__ = ["AttributionFile", "read_attributions"]

log = logging.getLogger("selene.interpret")
ARRAYS = ("hypothetical", "contributions", "one_hot")


class AttributionFile:
    """Open (resume) or create ``attributions.h5`` for ``regions``; a context manager.

    Parameters
    ----------
    path : str or Path
    regions : Regions
    n_letters : int
        Alphabet size.
    signature : str
        Identifies the inputs; a file with another signature is replaced.
    target : str
        The explained output (stored as an attribute).
    n_models : int
        Models (folds) averaged.
    """

    def __init__(
        self,
        path: str | Path,
        regions: Regions,
        n_letters: int,
        signature: str,
        target: str,
        n_models: int = 1,
    ) -> None:
        self.path = Path(path)
        shape = (len(regions), n_letters, regions.length)
        self.handle = self._reopen(shape, signature)
        if self.handle is None:
            self.handle = self._create(regions, shape, signature, target, n_models)

    @property
    def done(self) -> int:
        """Regions written so far (the run resumes after them)."""
        return int(self.handle.attrs["done"])

    def write(self, start: int, arrays: dict[str, np.ndarray], delta: np.ndarray) -> None:
        """Write rows ``start:start + len(delta)`` of every array, then mark them done."""
        stop = start + len(delta)
        for name in ARRAYS:
            self.handle[name][start:stop] = arrays[name]
        self.handle["delta"][start:stop] = delta
        self.handle.attrs["done"] = stop
        self.handle.flush()

    def close(self) -> None:
        """Close the file."""
        self.handle.close()

    def __enter__(self) -> AttributionFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reopen(self, shape: tuple[int, ...], signature: str) -> h5py.File | None:
        if not self.path.is_file():
            return None
        try:
            handle = h5py.File(self.path, "r+")
        except OSError as err:  # cut short mid-write: start again
            log.warning("%s cannot be read (%s): computing its attributions again", self.path, err)
            return None
        same = handle.attrs.get("signature") == signature and handle["hypothetical"].shape == shape
        if same:
            done = int(handle.attrs["done"])
            if done < shape[0]:
                log.info("resuming %s after %d of %d regions", self.path, done, shape[0])
            return handle
        handle.close()
        log.info("replacing %s (written for other models, regions or options)", self.path)
        return None

    def _create(
        self, regions: Regions, shape: tuple[int, ...], signature: str, target: str, n: int
    ) -> h5py.File:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = h5py.File(self.path, "w")
        chunks = (1, *shape[1:])
        for name in ARRAYS:
            handle.create_dataset(name, shape, np.float32, chunks=chunks, compression="lzf")
        handle.create_dataset("delta", (shape[0],), np.float32)
        handle["chrom"] = regions.chroms.astype("S")
        handle["start"], handle["end"] = regions.starts, regions.ends
        handle["window_start"], handle["line"] = regions.window_starts, regions.lines
        handle.attrs.update(done=0, signature=signature, target=target, n_models=n)
        handle.flush()
        return handle


def read_attributions(path: str | Path) -> dict[str, np.ndarray]:
    """Read every dataset of a complete ``attributions.h5`` into arrays (``chrom`` as str).

    Raises
    ------
    ValueError
        If the file holds fewer regions than it was made for (an unfinished run: rerun it).
    """
    with h5py.File(path, "r") as handle:
        n, done = handle["hypothetical"].shape[0], int(handle.attrs["done"])
        if done < n:
            raise ValueError(
                f"{path} holds attributions of {done} of {n} regions: rerun the same command "
                "to finish it"
            )
        arrays = {name: handle[name][()] for name in handle}
    arrays["chrom"] = arrays["chrom"].astype(str)
    return arrays
