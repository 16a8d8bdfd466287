"""Variant effect prediction results: load the writers' TSV / HDF5 output into tidy frames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selene.interpret._features import feature_column
from selene.io.outputs import VARIANTEFFECT_COLS, read_output

VEP_COLUMNS = tuple(VARIANTEFFECT_COLS)
_VEP_KINDS = ("diffs", "abs_diffs", "logits", "ref_predictions", "alt_predictions")


@dataclass(frozen=True)
class VariantScores:
    """Scores of variants for each feature.

    Attributes
    ----------
    ids : pandas.DataFrame
        One row per variant: the ID columns of the output (``chrom, pos, name, ref, alt, strand,
        ref_match, contains_unk``), ``pos`` as int and the flags as bool.
    values : numpy.ndarray, shape (N, F), float64
        One column per feature.
    features : list of str
    kind : str or None
        ``diffs``, ``abs_diffs``, ``logits`` or ``predictions``.
    """

    ids: Any
    values: np.ndarray
    features: list[str]
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.ids), len(self.features)):
            raise ValueError(
                f"values must have shape (variants, features) = "
                f"{(len(self.ids), len(self.features))}; got {self.values.shape}"
            )

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_file(
        cls, path: str | Path, features: Sequence[str] | str | Path | None = None
    ) -> VariantScores:
        """Load VEP output written by ``AnalyzeSequences.variant_effect_prediction``.

        Parameters
        ----------
        path : str or pathlib.Path
            ``<prefix>_<save_data>.tsv`` (or ``<prefix>.ref_predictions.tsv`` /
            ``.alt_predictions``), or the ``.h5`` equivalent with ``<prefix>_row_labels.txt``
            beside it.
        features : sequence of str, str, pathlib.Path or None
            Feature names for HDF5 output (a list, or a file with one name per line).

        Returns
        -------
        VariantScores
        """
        import pandas as pd

        raw = read_output(path, VEP_COLUMNS, features)
        ids = pd.DataFrame(dict(zip(raw.columns, raw.ids, strict=True)))
        if "pos" in ids:
            try:
                ids["pos"] = ids["pos"].astype(np.int64)
            except ValueError as err:
                raise ValueError(f"{Path(path).name}: a `pos` is not an integer ({err})") from err
        for flag in ("ref_match", "contains_unk"):
            if flag in ids:
                ids[flag] = ids[flag].str.lower().isin(["true", "1"])
        return cls(ids, raw.values, list(raw.features), raw.kind)

    @classmethod
    def from_effects(
        cls, effects: Any, features: Sequence[str], kind: str = "diffs"
    ) -> VariantScores:
        """Take the chunks of :func:`selene.predict.variant_effects` (no file).

        Parameters
        ----------
        effects : selene.predict.VariantEffects or an iterable of them
            One chunk, or all of them (the iterator ``variant_effects`` returns).
        features : sequence of str
            The model's feature names, one per column.
        kind : {"diffs", "abs_diffs", "logits", "ref_predictions", "alt_predictions"}

        Returns
        -------
        VariantScores

        Raises
        ------
        ValueError
            If a chunk does not hold ``kind``.
        """
        import pandas as pd

        chunks = [effects] if hasattr(effects, "records") else list(effects)
        parts = [getattr(c, kind, None) for c in chunks]
        if kind not in _VEP_KINDS or any(p is None for p in parts):
            raise ValueError(
                f"the variant effects hold no {kind!r}; pass one of {_VEP_KINDS} that was computed"
            )
        records = [r for c in chunks for r in c.records]
        ids = pd.DataFrame(records, columns=list(VEP_COLUMNS))
        ids = ids.astype({"pos": np.int64, "ref_match": bool, "contains_unk": bool})
        values = np.concatenate(parts) if parts else np.zeros((0, len(features)))
        return cls(ids, values.astype(np.float64), [str(f) for f in features], kind)

    def feature_index(self, feature: str | int) -> int:
        """Column of ``feature`` (a name, or an index) in ``values``."""
        return feature_column(self.features, feature, "these scores")

    def scores(self, feature: str | int | None = None) -> np.ndarray:
        """Scores of one feature, shape (N,); None: each variant's largest ``|score|``."""
        if feature is None:
            return np.abs(self.values).max(axis=1) if self.values.size else np.zeros(len(self))
        return self.values[:, self.feature_index(feature)]

    def to_frame(self) -> Any:
        """ID columns then one column per feature, as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.concat(
            [self.ids.reset_index(drop=True), pd.DataFrame(self.values, columns=self.features)],
            axis=1,
        )


def load_variant_scores(
    path: str | Path, features: Sequence[str] | str | Path | None = None
) -> VariantScores:
    """Load VEP output (TSV or HDF5); see :meth:`VariantScores.from_file`."""
    return VariantScores.from_file(path, features=features)


def load_variant_abs_diff_scores(
    input_path: str | Path, features: Sequence[str] | str | Path | None = None
) -> tuple[np.ndarray, list[tuple[str, ...]], list[str]]:
    """Selene's loader: ``(scores (N, F), labels (chrom, pos, name, ref, alt), features)``.

    Parameters
    ----------
    input_path : str or pathlib.Path
        Any VEP output file (not only ``abs_diffs``).
    features : sequence of str, str, pathlib.Path or None
        Feature names for HDF5 output.

    Returns
    -------
    tuple
        The score matrix, one label tuple of strings per variant, the feature names.
    """
    result = VariantScores.from_file(input_path, features=features)
    columns = [c for c in ("chrom", "pos", "name", "ref", "alt") if c in result.ids]
    labels = [tuple(str(v) for v in row) for row in result.ids[columns].itertuples(index=False)]
    return result.values, labels, result.features
