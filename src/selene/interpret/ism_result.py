"""In silico mutagenesis results: load the writers' TSV / HDF5 output, build score matrices."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selene.interpret._features import feature_column
from selene.interpret._plotting import DNA, UNKNOWN, check_alphabet
from selene.io.outputs import (
    ISM_COLS,
    ISM_REF_COLS,
    ISM_REFERENCE_ROW,
    ism_reference_file,
    read_output,
)

ISM_COLUMNS = tuple(ISM_COLS)
_ISM_KINDS = ("diffs", "abs_diffs", "logits", "predictions")


class ISMResult:
    """Single-base in silico mutagenesis scores of one sequence, as tidy arrays.

    Parameters
    ----------
    positions : array-like of int, shape (M,)
        0-based position of each mutation in the scored sequence (the model's window).
    refs, alts : sequence of str, length M
        Reference and substituted letter of each mutation.
    values : array-like of float, shape (M, F)
        Score of each mutation for each feature.
    features : sequence of str, length F
    reference_prediction : array-like of float, shape (F,), optional
        The model's prediction for the unmutated sequence (``predictions`` output only).
    kind : str, optional
        What ``values`` hold: ``predictions``, ``diffs``, ``abs_diffs`` or ``logits``.
    alphabet : str
        Letters in column order of the score matrices.
    offset : int
        Added to every position: the record coordinate of the window's position 0, for a
        record longer (or shorter) than the model's window, as the ISM warning states it
        (``selene.predict.codes.window_offset``). ``positions``, ``start`` and the plots'
        position labels (``heatmap(..., start=result.start)``) are then record coordinates.

    Attributes
    ----------
    start : int
        First mutated position; row 0 of a score matrix.
    reference_sequence : str
        The mutated span of the reference, ``start`` to the last mutated position.
    """

    def __init__(
        self,
        positions: Any,
        refs: Sequence[str],
        alts: Sequence[str],
        values: Any,
        features: Sequence[str],
        reference_prediction: Any = None,
        kind: str | None = None,
        alphabet: str = DNA,
        *,
        offset: int = 0,
    ) -> None:
        self.alphabet = check_alphabet(alphabet)
        if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)):
            raise TypeError(
                f"offset must be an int (the record position of the window's position 0); "
                f"got {offset!r}"
            )
        self.offset = int(offset)
        self.positions = np.asarray(positions, dtype=np.int64) + self.offset
        self.refs = np.asarray([r.upper() for r in refs], dtype="<U1")
        self.alts = np.asarray([a.upper() for a in alts], dtype="<U1")
        self.values = np.asarray(values, dtype=np.float64)
        self.features = [str(f) for f in features]
        self.kind = kind
        self.reference_prediction = (
            None
            if reference_prediction is None
            else np.asarray(reference_prediction, np.float64).reshape(-1)
        )
        m = len(self.positions)
        if m == 0:
            raise ValueError("ISM result holds no mutations")
        if self.values.shape != (m, len(self.features)):
            raise ValueError(
                f"values must have shape (mutations, features) = {(m, len(self.features))}; "
                f"got {self.values.shape}"
            )
        if len(refs) != m or len(alts) != m:
            raise ValueError(
                f"positions, refs and alts differ in length: {m}, {len(refs)}, {len(alts)}"
            )
        if self.reference_prediction is not None and len(self.reference_prediction) != len(
            self.features
        ):
            raise ValueError("reference_prediction must hold one value per feature")
        self._check_letters(refs, "ref", set(self.alphabet) | UNKNOWN)
        self._check_letters(alts, "alt", set(self.alphabet))
        self.start = int(self.positions.min())
        self.reference_sequence = self._build_reference()

    def _check_letters(self, letters: Sequence[str], column: str, allowed: set[str]) -> None:
        for row, letter in enumerate(letters):
            if ";" in letter:
                raise ValueError(
                    f"row {row} mutates several bases ({column} {letter!r}); score matrices need "
                    "single-base mutagenesis (mutate_n_bases=1)"
                )
            if letter.upper() not in allowed:
                raise ValueError(
                    f"{column} letter {letter!r} on row {row} is outside the alphabet "
                    f"{self.alphabet!r}; pass the alphabet the model was scored with"
                )

    def _build_reference(self) -> str:
        length = int(self.positions.max()) - self.start + 1
        reference = np.full(length, "", dtype="<U1")
        offsets = self.positions - self.start
        reference[offsets] = self.refs
        clash = reference[offsets] != self.refs
        if clash.any():
            row = int(np.argmax(clash))
            raise ValueError(
                f"two reference letters for position {self.positions[row]}: "
                f"{reference[offsets[row]]!r} and {self.refs[row]!r} (row {row})"
            )
        missing = np.flatnonzero(reference == "")
        if len(missing):
            raise ValueError(
                f"no mutation at positions {(missing[:5] + self.start).tolist()} inside the "
                f"mutated span {self.start}..{self.start + length - 1}; a score matrix needs "
                "every position of a contiguous span"
            )
        return "".join(reference)

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        features: Sequence[str] | str | Path | None = None,
        alphabet: str = DNA,
        *,
        offset: int = 0,
    ) -> ISMResult:
        """Load ISM output written by ``AnalyzeSequences.in_silico_mutagenesis``.

        Parameters
        ----------
        path : str or pathlib.Path
            ``<prefix>_<save_data>.tsv``, or ``<prefix>_<save_data>.h5`` with
            ``<prefix>_row_labels.txt`` beside it (and ``<prefix>_ref_predictions.h5`` for the
            reference prediction of ``predictions`` output, when present).
        features : sequence of str, str, pathlib.Path or None
            Feature names for HDF5 output (a list, or a file with one name per line).
        alphabet : str
            Letters of the sequence type.
        offset : int
            Record position of the window's position 0 (see :class:`ISMResult`): the number
            the warning of a cropped or padded record gives.

        Returns
        -------
        ISMResult
        """
        path = Path(path)
        raw = read_output(path, ISM_COLUMNS, features)
        if list(raw.columns) != list(ISM_COLUMNS):
            raise ValueError(
                f"{path.name}: ISM ID columns must be {ISM_COLUMNS}; got {raw.columns}"
            )
        pos, ref, alt = raw.ids
        keep = np.array([p != ISM_REFERENCE_ROW for p in pos])
        reference = None
        if not keep.all():  # TSV `predictions`: the first row is the unmutated sequence
            reference = raw.values[np.argmin(keep)]
        elif raw.kind == "predictions" and path.suffix.lower() in (".h5", ".hdf5"):
            ref_path = ism_reference_file(path)
            if ref_path.is_file():
                reference = read_output(ref_path, ISM_REF_COLS, raw.features).values[0]
        rows = np.flatnonzero(keep)
        try:
            positions = [int(pos[i]) for i in rows]
        except ValueError as err:
            raise ValueError(
                f"{path.name}: a `pos` is not an integer ({err}); score matrices need "
                "single-base mutagenesis (mutate_n_bases=1)"
            ) from err
        return cls(
            positions,
            [ref[i] for i in rows],
            [alt[i] for i in rows],
            raw.values[rows],
            raw.features,
            reference_prediction=reference,
            kind=raw.kind,
            alphabet=alphabet,
            offset=offset,
        )

    @classmethod
    def from_scores(
        cls,
        scores: Any,
        features: Sequence[str],
        kind: str = "diffs",
        alphabet: str = DNA,
        *,
        offset: int = 0,
    ) -> ISMResult:
        """Take the arrays of :func:`selene.predict.in_silico_mutagenesis` (no file).

        Parameters
        ----------
        scores : selene.predict.ISMScores
            Single-base mutagenesis (``mutate_n_bases=1``).
        features : sequence of str
            The model's feature names, one per column.
        kind : {"diffs", "abs_diffs", "logits", "predictions"}
            Which of the scores to hold (``predictions`` also keeps the reference prediction).
        alphabet : str
        offset : int
            Record position of the window's position 0 (see :class:`ISMResult`).

        Returns
        -------
        ISMResult

        Raises
        ------
        ValueError
            If ``scores`` does not hold ``kind``, or mutates several bases per row.
        """
        values = getattr(scores, kind, None) if kind in _ISM_KINDS else None
        if values is None:
            raise ValueError(
                f"the ISM scores hold no {kind!r}; pass one of {_ISM_KINDS} that was computed"
            )
        if scores.positions.shape[1] != 1:
            raise ValueError(
                f"the ISM scores mutate {scores.positions.shape[1]} bases per row; score "
                "matrices need single-base mutagenesis (mutate_n_bases=1)"
            )
        reference = scores.reference if kind == "predictions" else None
        return cls(scores.positions[:, 0], scores.ref_alleles[:, 0].tolist(),
                   scores.alt_alleles[:, 0].tolist(), values, features,
                   reference_prediction=reference, kind=kind, alphabet=alphabet,
                   offset=offset)  # fmt: skip

    def feature_index(self, feature: str | int) -> int:
        """Column of ``feature`` (a name, or an index) in ``values``."""
        return feature_column(self.features, feature, "this result")

    def score_matrix(
        self, feature: str | int, reference_mask: float | None = None, dtype: Any = np.float64
    ) -> np.ndarray:
        """Per-position, per-letter scores of one feature.

        Parameters
        ----------
        feature : str or int
            Feature name (or column index).
        reference_mask : float or None
            Value of the reference letters' entries. If None (as in Selene): the reference
            prediction when the result holds one (``predictions`` output), else 0.
        dtype : numpy dtype

        Returns
        -------
        numpy.ndarray, shape (len(reference_sequence), len(alphabet))
            Entry ``[i, b]`` is the score of substituting letter ``b`` at position
            ``start + i``; the reference letter's entry is ``reference_mask``. Rows of unknown
            reference letters (``N``) hold the four substitutions.
        """
        column = self.feature_index(feature)
        if reference_mask is None:
            reference_mask = (
                0.0 if self.reference_prediction is None else self.reference_prediction[column]
            )
        lookup = {letter: i for i, letter in enumerate(self.alphabet)}
        matrix = np.zeros((len(self.reference_sequence), len(self.alphabet)), dtype=dtype)
        ref_cols = np.array([lookup.get(b, -1) for b in self.reference_sequence])
        known = np.flatnonzero(ref_cols >= 0)
        matrix[known, ref_cols[known]] = reference_mask
        alt_cols = np.array([lookup[a] for a in self.alts])
        matrix[self.positions - self.start, alt_cols] = self.values[:, column]
        return matrix

    def get_score_matrix_for(
        self, feature: str | int, reference_mask: float | None = None, dtype: Any = np.float64
    ) -> np.ndarray:
        """Selene's name for :meth:`score_matrix`."""
        return self.score_matrix(feature, reference_mask=reference_mask, dtype=dtype)

    def to_frame(self) -> Any:
        """Return the mutations as a ``pandas.DataFrame``: ``pos, ref, alt``, then features."""
        import pandas as pd

        frame = pd.DataFrame({"pos": self.positions, "ref": self.refs, "alt": self.alts})
        scores = pd.DataFrame(self.values, columns=self.features)
        return pd.concat([frame, scores], axis=1)


def ism_score_matrix(
    ism: ISMResult | str | Path,
    feature: str | int,
    reference_mask: float | None = None,
    *,
    features: Sequence[str] | str | Path | None = None,
    alphabet: str = DNA,
) -> np.ndarray:
    """Score matrix ``(length, len(alphabet))`` of one feature from an ISM result or output file.

    Parameters
    ----------
    ism : ISMResult, str or pathlib.Path
        A loaded result, or an ISM output file (see :meth:`ISMResult.from_file`).
    feature : str or int
    reference_mask : float or None
        See :meth:`ISMResult.score_matrix`.
    features : sequence of str, str, pathlib.Path or None
        Feature names for HDF5 files.
    alphabet : str

    Returns
    -------
    numpy.ndarray, shape (length, len(alphabet)), float64
    """
    if not isinstance(ism, ISMResult):
        ism = ISMResult.from_file(ism, features=features, alphabet=alphabet)
    return ism.score_matrix(feature, reference_mask=reference_mask)
