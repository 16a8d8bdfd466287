"""A ``MotifResult`` as files: the pattern table, logos, an HTML page, modisco's h5 layout."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from selene.interpret.motif_db import MATCH_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from selene.interpret.motifs import MotifPattern, MotifResult

BASES = "ACGT"
BEST = ("target_id", "target_name", "database", "p_value", "e_value", "q_value", "orientation")
GROUPS = ("pos_patterns", "neg_patterns")
_SELENE = "selene"  # the h5 group of what modisco's layout has no place for


def consensus(ppm: np.ndarray) -> str:
    """Return the most frequent base of each column (``N`` where no seqlet has a base)."""
    letters = np.array(list(BASES))[ppm.argmax(axis=0)]
    return "".join(np.where(ppm.sum(axis=0) > 0, letters, "N"))


def pattern_table(result: MotifResult) -> pd.DataFrame:
    """One row per pattern with its best match (see :attr:`MotifResult.table`)."""
    import pandas as pd

    best = result.matches[result.matches["rank"] == 1].set_index("pattern")
    rows = []
    for p in result.patterns:
        row = {
            "pattern": p.name,
            "sign": p.sign,
            "n_seqlets": p.n_seqlets,
            "width": p.trim[1] - p.trim[0],
            "consensus": consensus(p.ppm[:, slice(*p.trim)]),
        }
        match = best.loc[p.name] if p.name in best.index else None
        row.update({key: None if match is None else match[key] for key in BEST})
        matches = result.matches
        others = matches[(matches["pattern"] == p.name) & (matches["rank"] > 1)]
        row["other_matches"] = ", ".join(
            f"{m.target_name} ({m.q_value:.2g})" for m in others.itertuples()
        )
        rows.append(row)
    columns = ["pattern", "sign", "n_seqlets", "width", "consensus", *BEST, "other_matches"]
    return pd.DataFrame(rows, columns=columns)


def plot_logos(result: MotifResult, out_dir: str | Path) -> list[Path]:
    """See :meth:`MotifResult.plot_logos`."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    best = result.matches[result.matches["rank"] == 1].set_index("pattern")
    paths = []
    for pattern in result.patterns:
        match = best.loc[pattern.name] if pattern.name in best.index else None
        figure = _pattern_figure(pattern, match, result.targets)
        path = out_dir / f"{pattern.name}.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(figure)
        paths.append(path)
    return paths


def _pattern_figure(pattern: MotifPattern, match: pd.Series | None, targets: dict):
    """Draw the trimmed CWM logo, and beneath it the best match's logo on the same axis."""
    import matplotlib.pyplot as plt

    from selene.interpret.logos import sequence_logo

    start, end = pattern.trim
    target = None if match is None else targets.get(match["target_id"])
    lo, hi = 0, end - start
    if target is not None:
        if match["orientation"] == "-":
            target = target[::-1, ::-1]  # rows A C G T reversed are the complements
        # query column j faces target column j + offset: the target's column k sits at k - offset
        t0 = -int(match["offset"])
        lo, hi = min(lo, t0), max(hi, t0 + target.shape[1])
    n_rows = 1 if target is None else 2
    figure, axes = plt.subplots(n_rows, 1, figsize=(max(6.0, 0.35 * (hi - lo) + 1), 2.2 * n_rows))
    axes = np.atleast_1d(axes)
    sequence_logo(pattern.cwm[:, start:end].T, ax=axes[0])
    axes[0].set_title(f"{pattern.name} ({pattern.n_seqlets} seqlets): contribution (CWM)")
    axes[0].set_xlim(lo - 0.5, hi - 0.5)
    if target is not None:
        sequence_logo(_information(target).T, ax=axes[1], start=t0)
        axes[1].set_xlim(lo - 0.5, hi - 0.5)
        axes[1].set_ylim(0, 2)
        axes[1].set_title(
            f"best match {match['target_name']} ({match['target_id']}, {match['database']}, "
            f"{match['orientation']} strand): q = {match['q_value']:.2g}"
        )
        axes[1].set_ylabel("bits")
    figure.tight_layout()
    return figure


def _information(ppm: np.ndarray) -> np.ndarray:
    """Letter heights in bits: each column's probabilities times its information content."""
    p = np.clip(ppm, 1e-9, 1)
    p = p / p.sum(axis=0)
    return p * (2 + (p * np.log2(p)).sum(axis=0))


def write_report(result: MotifResult, out_dir: str | Path) -> Path:
    """See :meth:`MotifResult.write_report`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = result.table
    result.to_tsv(out_dir / "motifs.tsv")
    result.matches.to_csv(out_dir / "matches.tsv", sep="\t", index=False)
    logos = plot_logos(result, out_dir / "logos")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["logo", *table.columns])
    body = []
    for row, logo in zip(table.itertuples(index=False), logos, strict=True):
        cells = [f'<td><img src="logos/{html.escape(logo.name)}" height="160"></td>']
        cells += [f"<td>{html.escape(_cell(v))}</td>" for v in row]
        body.append(f"<tr>{''.join(cells)}</tr>")
    page = out_dir / "motifs.html"
    page.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>motifs</title>"
        "<style>td,th{border:1px solid #ccc;padding:4px;font-family:sans-serif}"
        "table{border-collapse:collapse}</style></head><body>\n"
        f"<h1>TF-MoDISco patterns ({len(table)}) and their best TOMTOM matches</h1>\n"
        f"<p>Window: central {result.window} bp. All matches: matches.tsv.</p>\n"
        f"<table><tr>{head}</tr>\n" + "\n".join(body) + "\n</table></body></html>\n"
    )
    return page


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def save_result(result: MotifResult, path: str | Path) -> Path:
    """See :meth:`MotifResult.save`."""
    import h5py

    path = Path(path)
    with h5py.File(path, "w") as f:
        f.attrs["window_size"] = result.window
        for pattern in result.patterns:
            group = f.require_group(pattern.name.split(".")[0]).create_group(
                pattern.name.split(".")[1]
            )
            group["sequence"] = pattern.ppm.T
            group["contrib_scores"] = pattern.cwm.T
            group["hypothetical_contribs"] = pattern.hcwm.T
            seqlets = group.create_group("seqlets")
            seqlets["n_seqlets"] = np.array([pattern.n_seqlets])
            for column in ("start", "end", "example_idx", "is_revcomp"):
                seqlets[column] = pattern.seqlets[column].to_numpy()
        own = f.create_group(_SELENE)
        _strings(own, "names", [p.name for p in result.patterns])
        own["trim"] = np.array([p.trim for p in result.patterns], dtype=np.int64).reshape(-1, 2)
        for column in MATCH_COLUMNS:
            values = result.matches[column].to_numpy()
            if values.dtype == object:
                _strings(own, f"matches/{column}", values)
            else:
                own[f"matches/{column}"] = values
        for target_id, matrix in result.targets.items():
            own[f"targets/{target_id}"] = matrix
    return path


def load_result(path: str | Path) -> MotifResult:
    """See :meth:`MotifResult.load`."""
    import h5py
    import pandas as pd

    from selene.interpret.motifs import SIGNS, MotifPattern, MotifResult, trim_columns

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"motif result {path} does not exist")
    with h5py.File(path, "r") as f:
        if not any(group in f for group in (*GROUPS, _SELENE)):
            raise ValueError(
                f"{path} holds no pos_patterns / neg_patterns group: not a TF-MoDISco result "
                "(write one with MotifResult.save or modisco motifs)"
            )
        own = f.get(_SELENE)
        trims = {}
        if own is not None:
            names = list(_decoded(own["names"]))
            trims = dict(zip(names, map(tuple, own["trim"][:].tolist()), strict=True))
        patterns = []
        for group in GROUPS:
            found = f.get(group, {})
            for key in sorted(found, key=lambda k: int(k.split("_")[-1])):
                g, name = found[key], f"{group}.{key}"
                cwm = g["contrib_scores"][:].T
                seqlets = pd.DataFrame(
                    {c: g["seqlets"][c][:] for c in ("example_idx", "start", "end", "is_revcomp")}
                )
                patterns.append(
                    MotifPattern(
                        name=name,
                        sign=SIGNS[group],
                        n_seqlets=int(g["seqlets"]["n_seqlets"][0]),
                        cwm=cwm,
                        ppm=g["sequence"][:].T,
                        hcwm=g["hypothetical_contribs"][:].T,
                        seqlets=seqlets.astype({"is_revcomp": bool}),
                        trim=trims.get(name) or trim_columns(cwm),
                    )
                )
        matches = pd.DataFrame(columns=list(MATCH_COLUMNS))
        targets = {}
        if own is not None and "matches" in own:
            matches = pd.DataFrame(
                {c: _decoded(own["matches"][c]) for c in MATCH_COLUMNS}, columns=MATCH_COLUMNS
            )
            targets = {k: v[:] for k, v in own.get("targets", {}).items()}
        window = int(f.attrs.get("window_size", 0))
    return MotifResult(patterns=patterns, matches=matches, window=window, targets=targets)


def _strings(group, key: str, values) -> None:
    import h5py

    group.create_dataset(key, data=[str(v) for v in values], dtype=h5py.string_dtype())


def _decoded(dataset) -> np.ndarray:
    if dataset.dtype.kind in "SO":
        return np.array(dataset.asstr()[:], dtype=object)
    return dataset[:]
