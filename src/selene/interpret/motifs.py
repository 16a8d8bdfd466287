"""Motifs a model learned: TF-MoDISco (modisco-lite) on attributions, TOMTOM (memelite) matches.

``motifs(hypothetical, sequences)`` clusters the high-contribution stretches (seqlets) of the
sequences into patterns, then matches each pattern to JASPAR (pyjaspar's bundled SQLite; nothing
is downloaded) and to the user's MEME files. The three libraries are the ``motifs`` extra
(``pip install 'selene[motifs]'``), imported only when a function here needs them.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selene.interpret._motif_inputs import as_one_hot, average_folds, same_shape
from selene.interpret.motif_db import load_motif_database, require, tomtom_matches
from selene.utils.warnings import SeleneWarning

if TYPE_CHECKING:
    import pandas as pd

SIGNS = {"pos_patterns": 1, "neg_patterns": -1}
TRIM = 0.3  # a pattern is matched on the columns whose |cwm| sum reaches this share of its max
_OWN = {"one_hot", "hypothetical_contribs", "max_seqlets_per_metacluster", "n_leiden_runs"}
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
        in the window MoDISco read (add ``(L - window) // 2`` for positions in the input
        sequences of length ``L``), and ``is_revcomp``.
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
    contributions : array-like (N, 4, L), DeepLiftShapResult, or a list of either, optional
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
        Seeds numpy's global generator during the run (restored after). modisco-lite 3.0 draws
        from fixed seeds of its own, so the same input gives the same patterns anyway.
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
    TypeError
        If a keyword is not a ``TFMoDISco`` option.
    """
    tfmodisco = require("modiscolite.tfmodisco")
    options = _modisco_options(tfmodisco.TFMoDISco, modisco_options)
    hyp = average_folds(hypothetical, "hypothetical")
    one_hot = as_one_hot(sequences, hyp.shape)
    if contributions is not None:
        # modisco takes contributions as one_hot * hypothetical: put the given ones at the bases
        actual = average_folds(contributions, "contributions")
        same_shape(actual.shape, hyp.shape, "contributions", "hypothetical")
        hyp = np.where(one_hot > 0, actual.sum(axis=1, keepdims=True), hyp)
    length = hyp.shape[2]
    width = length if window is None else min(int(window), length)
    if width < 1:
        raise ValueError(f"window must be a positive number of bases or None; got {window}")
    if tomtom_top < 1:
        raise ValueError(
            f"tomtom_top must be at least 1 (matches kept per pattern); got {tomtom_top}"
        )
    database = load_motif_database(databases, jaspar_collection, jaspar_tax_group, jaspar_release)
    start = (length - width) // 2
    crop = slice(start, start + width)
    # modisco-lite draws from fixed seeds of its own; the global generator is seeded only for
    # any draw a dependency makes from it, and given back as it was
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(random_state)  # noqa: NPY002
    try:
        pos, neg = tfmodisco.TFMoDISco(
            one_hot=np.ascontiguousarray(one_hot[:, :, crop].transpose(0, 2, 1)),
            hypothetical_contribs=np.ascontiguousarray(hyp[:, :, crop].transpose(0, 2, 1)),
            max_seqlets_per_metacluster=int(max_seqlets),
            n_leiden_runs=int(n_leiden_runs),
            **options,
        )
    finally:
        np.random.set_state(state)  # noqa: NPY002
    patterns = [
        _pattern(f"{group}.pattern_{i}", SIGNS[group], p)
        for group, found in (("pos_patterns", pos), ("neg_patterns", neg))
        for i, p in enumerate(found or [])
    ]
    if not patterns:
        warnings.warn(
            f"TF-MoDISco found no pattern in {len(hyp)} sequences of {width} bp (a metacluster "
            f"needs more than min_metacluster_size={options.get('min_metacluster_size', 100)} "
            "seqlets): give more sequences, or lower min_metacluster_size",
            SeleneWarning,
            stacklevel=2,
        )
    queries = {p.name: _normalised(p.ppm[:, slice(*p.trim)]) for p in patterns}
    matches = tomtom_matches(queries, database, tomtom_top)
    index = {target: j for j, target in enumerate(database.ids)}
    targets = {t: database.matrices[index[t]] for t in matches["target_id"].unique()}
    return MotifResult(patterns=patterns, matches=matches, window=width, targets=targets)


def _modisco_options(tfmodisco: Any, given: dict[str, Any]) -> dict[str, Any]:
    known = set(inspect.signature(tfmodisco).parameters) - _OWN
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(
            f"motifs() got {unknown}, which are not TFMoDISco options; known: {sorted(known)}"
        )
    return {**CLI_DEFAULTS, **given}


def _pattern(name: str, sign: int, found: Any) -> MotifPattern:
    import pandas as pd

    cwm = np.asarray(found.contrib_scores, dtype=np.float64).T
    seqlets = pd.DataFrame(
        [(s.example_idx, s.start, s.end, bool(s.is_revcomp)) for s in found.seqlets],
        columns=["example_idx", "start", "end", "is_revcomp"],
    )
    return MotifPattern(
        name=name,
        sign=sign,
        n_seqlets=len(found.seqlets),
        cwm=cwm,
        ppm=np.asarray(found.sequence, dtype=np.float64).T,
        hcwm=np.asarray(found.hypothetical_contribs, dtype=np.float64).T,
        seqlets=seqlets,
        trim=trim_columns(cwm),
    )


def trim_columns(cwm: np.ndarray) -> tuple[int, int]:
    """``(start, end)`` of the columns whose ``|cwm|`` sum reaches ``TRIM`` of its maximum."""
    score = np.abs(cwm).sum(axis=0)
    kept = np.flatnonzero(score >= TRIM * score.max())
    return int(kept[0]), int(kept[-1]) + 1


def _normalised(ppm: np.ndarray) -> np.ndarray:
    """Columns summing to 1 (seqlets over N bases leave a column short)."""
    ppm = ppm + 1e-6
    return ppm / ppm.sum(axis=0)
