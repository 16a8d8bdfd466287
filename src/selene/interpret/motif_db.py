"""Motif databases (JASPAR through pyjaspar, MEME files) and TOMTOM matches (memelite).

Every matrix here is a position probability matrix ``(4, W)`` over A, C, G, T, like the
patterns of :func:`selene.interpret.motifs`.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from selene.utils.warnings import SeleneWarning

if TYPE_CHECKING:
    import pandas as pd

BASES = "ACGT"
JASPAR = "jaspar"
MATCH_COLUMNS = (
    "pattern", "rank", "target_id", "target_name", "database", "p_value", "e_value", "q_value",
    "offset", "orientation", "overlap",
)  # fmt: skip
MIN_TARGETS = 25  # memelite's own warning threshold (MEME's tomtom warns below 50)
_EXTRA = {"modiscolite": "modisco-lite", "memelite": "memelite", "pyjaspar": "pyjaspar"}


def require(module: str) -> ModuleType:
    """Import one of the ``motifs`` extra's packages, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = _EXTRA.get(module.split(".")[0], module)
        raise ImportError(
            f"selene.interpret.motifs needs {package} ({error}); install the motifs extra: "
            "pip install 'selene[motifs]'"
        ) from error


@dataclass
class MotifDatabase:
    """Target motifs from one or several sources, in one flat list.

    Attributes
    ----------
    ids, names, sources : list of str
        Each motif's identifier (``MA0139.2``, or a MEME file's first MOTIF field), name
        (``CTCF``; the id again where a MEME file gives none) and source (``JASPAR2024`` or
        the MEME file's name).
    matrices : list of numpy.ndarray, shape (4, W)
        Position probability matrices.
    """

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    matrices: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, source: str, motifs: Mapping[str, np.ndarray]) -> None:
        """Append ``{"ID NAME": ppm}`` motifs (the keys as memelite's ``read_meme`` gives)."""
        for key, matrix in motifs.items():
            motif_id, _, name = key.partition(" ")
            self.ids.append(motif_id)
            self.names.append(name.strip() or motif_id)
            self.sources.append(source)
            self.matrices.append(np.asarray(matrix, dtype=np.float64))


def consensus_ppm(consensus: str, pseudocount: float = 0.01) -> np.ndarray:
    """Return the position probability matrix ``(4, len(consensus))`` of an ACGT string.

    Each column puts ``1 - 3 * pseudocount`` on the consensus base.
    """
    letters = np.frombuffer(consensus.upper().encode(), dtype=np.uint8)
    index = np.searchsorted(np.frombuffer(BASES.encode(), dtype=np.uint8), letters)
    index = np.minimum(index, 3)
    if not consensus or (np.frombuffer(BASES.encode(), dtype=np.uint8)[index] != letters).any():
        raise ValueError(f"consensus must be a non-empty string over ACGT; got {consensus!r}")
    ppm = np.full((4, len(consensus)), pseudocount)
    ppm[index, np.arange(len(consensus))] = 1 - 3 * pseudocount
    return ppm


def write_meme(path: str | Path, motifs: Mapping[str, Any]) -> Path:
    """Write ``{name: ppm (4, W)}`` as a MEME file (uniform background); return its path."""
    memelite = require("memelite")
    path = Path(path)
    for name, matrix in motifs.items():
        _check_ppm(np.asarray(matrix), f"motif {name!r}")
    memelite.io.write_meme(str(path), {k: np.asarray(v, float) for k, v in motifs.items()})
    return path


def read_meme(path: str | Path) -> dict[str, np.ndarray]:
    """Read a MEME motif file: ``{"ID NAME": ppm (4, W)}``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it holds no motif, or a motif that is not a 4-letter probability matrix.
    """
    memelite = require("memelite")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MEME file {path} does not exist")
    try:
        motifs = memelite.io.read_meme(str(path))
    except (ValueError, AttributeError, IndexError) as error:
        raise ValueError(
            f"{path} is not a MEME motif file ({error}); each MOTIF needs a "
            "'letter-probability matrix: ... w= W' line and W rows of 4 numbers (A C G T)"
        ) from error
    if not motifs:
        raise ValueError(f"{path} holds no MOTIF with a letter-probability matrix")
    for name, matrix in motifs.items():
        _check_ppm(matrix, f"{path}: motif {name!r}")
    return motifs


def _check_ppm(matrix: np.ndarray, what: str) -> None:
    if matrix.ndim != 2 or matrix.shape[0] != 4 or matrix.shape[1] == 0:
        raise ValueError(f"{what} must be a (4, W) matrix over A, C, G, T; got {matrix.shape}")
    sums = matrix.sum(axis=0)
    if not np.isfinite(matrix).all() or (matrix < 0).any() or not np.allclose(sums, 1, atol=0.02):
        raise ValueError(
            f"{what} is not a probability matrix (columns must be >= 0 and sum to 1; sums "
            f"{np.round(sums, 3)[:5]}...)"
        )


def jaspar_motifs(
    collection: str = "CORE", tax_group: str | None = "vertebrates", release: str = "JASPAR2024"
) -> dict[str, np.ndarray]:
    """Read the latest version of each JASPAR matrix of a collection from pyjaspar's copy.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"MA0139.2 CTCF": ppm (4, W)}``.
    """
    return dict(_jaspar(collection, tax_group, release))


@functools.lru_cache(maxsize=4)
def _jaspar(collection: str, tax_group: str | None, release: str) -> tuple[tuple[str, Any], ...]:
    """Read once per process (about 2 s); the matrices are read-only."""
    pyjaspar = require("pyjaspar")
    if release not in pyjaspar.jaspar_releases:
        raise ValueError(
            f"jaspar_release {release!r} is not bundled with pyjaspar "
            f"{pyjaspar.__version__}; choose one of {sorted(pyjaspar.jaspar_releases)}"
        )
    database = pyjaspar.jaspardb(release=release)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Zero motifs returned")
        found = database.fetch_motifs(
            collection=collection, tax_group=[tax_group] if tax_group else None
        )
    if not found:
        raise ValueError(
            f"{release} has no motif in collection {collection!r} for tax group {tax_group!r} "
            "(collections: CORE, UNVALIDATED, ...; tax groups: vertebrates, insects, plants, ...)"
        )
    motifs = []
    for motif in found:
        counts = np.array([motif.counts[base] for base in BASES], dtype=np.float64)
        ppm = counts / counts.sum(axis=0)
        ppm.flags.writeable = False
        motifs.append((f"{motif.matrix_id} {motif.name}", ppm))
    return tuple(motifs)


def load_motif_database(
    databases: Sequence[str | Path],
    jaspar_collection: str = "CORE",
    jaspar_tax_group: str | None = "vertebrates",
    jaspar_release: str = "JASPAR2024",
) -> MotifDatabase:
    """Gather the targets of TOMTOM: ``"jaspar"`` and/or MEME files, in the given order."""
    if isinstance(databases, (str, Path)):
        databases = [databases]
    if not databases:
        raise ValueError('databases is empty; give "jaspar" and/or paths of MEME files')
    database = MotifDatabase()
    for entry in databases:
        if str(entry).lower() == JASPAR:
            motifs = jaspar_motifs(jaspar_collection, jaspar_tax_group, jaspar_release)
            database.add(jaspar_release, motifs)
        else:
            database.add(Path(entry).name, read_meme(entry))
    return database


def tomtom_matches(
    queries: Mapping[str, np.ndarray], database: MotifDatabase, top: int = 5
) -> pd.DataFrame:
    """Compare query matrices with every target by TOMTOM; keep each query's ``top`` best.

    ``e_value`` is the p-value times the number of targets; ``q_value`` is Benjamini-Hochberg
    over each query's p-values against all targets (as MEME's Tomtom computes them).
    ``offset``: column ``j`` of the query faces column ``j + offset`` of the target (of its
    reverse complement when ``orientation`` is ``-``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MATCH_COLUMNS`, sorted by query then rank.
    """
    import pandas as pd

    memelite = require("memelite")
    if top < 1:
        raise ValueError(f"tomtom_top must be at least 1; got {top}")
    rows: list[tuple] = []
    names = list(queries)
    if names and len(database) < MIN_TARGETS:
        warnings.warn(
            f"TOMTOM compares the patterns with {len(database)} target motifs; its p-values take "
            f"the target columns as background, so with fewer than {MIN_TARGETS} they depend on "
            'the choice of targets (add "jaspar" to databases for a broad background)',
            SeleneWarning,
            stacklevel=3,
        )
    if names and len(database):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="tomtom was given")
            p, _, offsets, overlaps, strands = memelite.tomtom(
                [np.asarray(queries[n], dtype=np.float64) for n in names], database.matrices
            )
        q = _bh(p)
        for i, name in enumerate(names):
            order = np.argsort(p[i], kind="stable")[:top]
            for rank, j in enumerate(order, start=1):
                rows.append((
                    name, rank, database.ids[j], database.names[j], database.sources[j],
                    float(p[i, j]), float(p[i, j] * len(database)), float(q[i, j]),
                    int(offsets[i, j]), "-" if strands[i, j] else "+", int(overlaps[i, j]),
                ))  # fmt: skip
    return pd.DataFrame(rows, columns=list(MATCH_COLUMNS))


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values along the last axis."""
    n = p.shape[-1]
    order = np.argsort(p, axis=-1)
    ranked = np.take_along_axis(p, order, axis=-1) * n / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=-1)
    return q
