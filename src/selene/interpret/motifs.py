"""Motifs a model learned: TF-MoDISco (modisco-lite) on attributions, TOMTOM (memelite) matches.

``motifs(hypothetical, sequences)`` clusters the high-contribution stretches (seqlets) of the
sequences into patterns, then matches each pattern to JASPAR (pyjaspar's bundled SQLite; nothing
is downloaded) and to the user's MEME files. The three libraries are the ``motifs`` extra
(``pip install 'selene[motifs]'``), imported only when a function here needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selene.interpret.deep_lift_shap import DeepLiftShapResult
from selene.interpret.motif_db import load_motif_database, require, tomtom_matches

if TYPE_CHECKING:
    import pandas as pd

SIGNS = {"pos_patterns": 1, "neg_patterns": -1}
# modisco-lite's ``modisco motifs`` command-line defaults, where they differ from TFMoDISco's
CLI_DEFAULTS = dict(
    sliding_window_size=20,
    flank_size=5,
    trim_to_window_size=30,
    initial_flank_to_add=10,
    final_flank_to_add=0,
    target_seqlet_fdr=0.05,
)


@dataclass(frozen=True)
class MotifPattern:
    """One TF-MoDISco pattern: the seqlets of one cluster, aligned, and their averages.

    Attributes
    ----------
    name : str
        ``"pos_patterns.pattern_0"``: modisco's metacluster and pattern, as its report names it.
    sign : int
        ``1`` for patterns of positive contributions, ``-1`` for negative ones.
    n_seqlets : int
        How many seqlets the pattern averages.
    cwm : numpy.ndarray, shape (4, W)
        Contribution-weighted matrix: mean actual contribution of each base (A, C, G, T).
    ppm : numpy.ndarray, shape (4, W)
        Position probability matrix: frequency of each base among the seqlets.
    hcwm : numpy.ndarray, shape (4, W)
        Mean hypothetical contributions.
    seqlets : pandas.DataFrame
        One row per seqlet: ``example_idx`` (row of the input arrays), ``start``, ``end``
        (in the cropped window, see :func:`motifs`' ``window``) and ``is_revcomp``.
    trim : tuple of int
        ``(start, end)`` of the columns whose ``|cwm|`` sum reaches 30% of its maximum: the
        part matched against the databases.
    """

    name: str
    sign: int
    n_seqlets: int
    cwm: np.ndarray
    ppm: np.ndarray
    hcwm: np.ndarray
    seqlets: pd.DataFrame
    trim: tuple[int, int]


@dataclass
class MotifResult:
    """Patterns found by TF-MoDISco and their matches in motif databases.

    Attributes
    ----------
    patterns : list of MotifPattern
        Positive patterns first, each metacluster in modisco's order (largest first).
    matches : pandas.DataFrame
        The ``tomtom_top`` best targets of every pattern: ``pattern``, ``rank`` (1 = best),
        ``target_id``, ``target_name``, ``database``, ``p_value``, ``e_value``, ``q_value``,
        ``offset``, ``orientation`` (``+`` / ``-``: the target as given or its reverse
        complement), ``overlap``.
    window : int
        Length of the window modisco read (the central part of each sequence).
    targets : dict of str to numpy.ndarray
        ``target_id -> ppm (4, W)`` of the matched targets, to draw beside the patterns.
    """

    patterns: list[MotifPattern]
    matches: pd.DataFrame
    window: int
    targets: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """One row per pattern and its best match.

        Columns ``pattern``, ``sign``, ``n_seqlets``, ``width``, ``consensus``, then the best
        match's ``target_id``, ``target_name``, ``database``, ``p_value``, ``q_value``, ...
        """
        from selene.interpret.motif_report import pattern_table

        return pattern_table(self)

    def to_tsv(self, path: str | Path) -> Path:
        """Write :attr:`table` as a tab-separated file; return its path."""
        path = Path(path)
        self.table.to_csv(path, sep="\t", index=False)
        return path

    def plot_logos(self, out_dir: str | Path) -> list[Path]:
        """Draw one PNG per pattern (its CWM logo, the best match's logo aligned beneath).

        Returns
        -------
        list of pathlib.Path
            ``out_dir / "<pattern name>.png"``, in the order of :attr:`patterns`.
        """
        from selene.interpret.motif_report import plot_logos

        return plot_logos(self, out_dir)

    def write_report(self, out_dir: str | Path) -> Path:
        """Write ``motifs.html`` (table and logos), ``motifs.tsv``, ``matches.tsv``, the PNGs.

        Returns
        -------
        pathlib.Path
            The HTML page.
        """
        from selene.interpret.motif_report import write_report

        return write_report(self, out_dir)

    def save(self, path: str | Path) -> Path:
        """Save as an HDF5 file in modisco-lite's ``modisco_results.h5`` layout.

        ``modisco report -i PATH`` reads it; the matches and window go in a ``selene`` group
        beside modisco's. Returns ``path``.
        """
        from selene.interpret.motif_report import save_result

        return save_result(self, path)

    @classmethod
    def load(cls, path: str | Path) -> MotifResult:
        """Read a file written by :meth:`save` (or by ``modisco motifs``: no matches then)."""
        from selene.interpret.motif_report import load_result

        return load_result(path)


def motifs(
    hypothetical: Any,
    sequences: Any,
    contributions: Any = None,
    *,
    databases: Sequence[str | Path] = ("jaspar",),
    jaspar_collection: str = "CORE",
    jaspar_tax_group: str | None = "vertebrates",
    jaspar_release: str = "JASPAR2024",
    max_seqlets: int = 2000,
    window: int | None = 400,
    n_leiden_runs: int = 2,
    tomtom_top: int = 5,
    random_state: int = 0,
    **modisco_options: Any,
) -> MotifResult:
    """Find the motifs behind attributions with TF-MoDISco and match them to motif databases.

    Parameters
    ----------
    hypothetical : array-like (N, 4, L), DeepLiftShapResult, or a list of either
        Hypothetical contributions (:func:`selene.interpret.deep_lift_shap`). A list holds one
        per model (cross-validation folds, seeds) on the same sequences: they are averaged
        before MoDISco, as ChromBPNet averages its folds' attributions, so that one set of
        patterns summarises every model.
    sequences : array-like, shape (N, 4, L)
        One-hot sequences in A, C, G, T order (``selene.sequences.codes_to_one_hot``).
    contributions : array-like (N, 4, L), or a list of them, optional
        Actual contributions, when they are not ``hypothetical * sequences`` (modisco reads
        the contribution of each sequence's base from here and the other bases'
        hypothetical ones from ``hypothetical``).
    databases : sequence of str or path
        ``"jaspar"`` and/or paths of MEME files to match the patterns against.
    jaspar_collection, jaspar_tax_group, jaspar_release
        Which JASPAR matrices (latest version of each); ``jaspar_tax_group=None`` takes all.
    max_seqlets : int
        At most this many seqlets per metacluster (modisco's ``max_seqlets_per_metacluster``).
    window : int or None
        MoDISco reads the central ``window`` bases of each sequence (all of it if shorter, or
        None), as ``modisco motifs -w``.
    n_leiden_runs : int
        Leiden clusterings per step (``modisco motifs -n``).
    tomtom_top : int
        Keep this many best targets per pattern.
    random_state : int
        Seeds numpy before MoDISco (its Leiden runs use fixed seeds).
    **modisco_options
        Passed to ``modiscolite.tfmodisco.TFMoDISco`` (e.g. ``sliding_window_size``,
        ``min_metacluster_size``, ``final_min_cluster_size``); defaults are the
        ``modisco motifs`` command's.

    Returns
    -------
    MotifResult

    Raises
    ------
    ImportError
        If modisco-lite, memelite or pyjaspar is missing.
    ValueError
        If an array has the wrong shape or holds NaN, folds differ in shape, or a database
        cannot be read.
    """
    raise NotImplementedError("motifs() is being written (issue 14)")


def _unused() -> None:  # keeps the imports of the skeleton
    load_motif_database, require, tomtom_matches, DeepLiftShapResult  # noqa: B018
