"""An annotated VCF: the input VCF's records with their variant effect scores as INFO fields.

Written after a run from its ``diffs`` output (TSV or HDF5), so a resumed run annotates
every record, and read and written row by row, so no more than one chunk of scores is held.
Records keep the input order and every column of a VCF; a Selene-style table (columns 6 to 8
not QUAL, FILTER, INFO, e.g. a STRAND column) keeps only the VCF columns it has, ``.`` for
the others. Two layouts, as kipoi-veff wrote them:

- all features: one ``SELENE_DIFF_<feature>`` field per feature (``Number=A``, one value per
  ALT, ``.`` for an ALT that was not scored);
- the ``top_k`` features by ``|diff|``: ``SELENE_TOP=<feature>:<diff>|<feature>:<diff>...``
  per ALT (``Number=A``; features by their INFO key names), largest first, ties in feature
  order.

Feature names are made VCF INFO keys (characters other than letters, digits, ``_`` and ``.``
become ``_``; a name repeated after that gets ``_2``, ``_3``, ...); the ``##INFO`` lines give
the original names. A record with no scored ALT carries the flag ``SELENE_NA`` (why it was
not scored is in the run's ``.NA`` or ``.ref_mismatches.vcf`` file and warning). Values are
written as ``%.7g`` (relative error below 5e-7). The file is bgzipped and, when the input is
sorted, tabix-indexed (``.tbi``) through pysam; an unsorted input gets a warning and no index.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pysam

from selene.io.chroms import chrom_key
from selene.io.outputs import Row
from selene.io.vcf import VcfRecord, read_header, read_vcf
from selene.utils.warnings import SeleneWarning

#: INFO key prefix of the all-features layout.
DIFF_PREFIX = "SELENE_DIFF_"
#: INFO key of the top-k layout.
TOP_KEY = "SELENE_TOP"
#: INFO flag of records with no scored ALT.
NA_KEY = "SELENE_NA"
_NOT_KEY = re.compile(r"[^0-9A-Za-z_.]")
_FIXED = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]


def info_keys(features: Sequence[str]) -> list[str]:
    """Return each feature's VCF INFO key suffix (see the module docstring), unique."""
    keys: list[str] = []
    seen: set[str] = set()
    for name in features:
        base = _NOT_KEY.sub("_", str(name)) or "_"
        key, n = base, 1
        while key in seen:
            n += 1
            key = f"{base}_{n}"
        seen.add(key)
        keys.append(key)
    return keys


def check_top_k(top_k: object) -> None:
    """Raise a ValueError unless ``top_k`` is None or a positive integer."""
    if top_k is not None and (
        isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1
    ):
        raise ValueError(f"annotate_top_k must be a positive integer or None, got {top_k!r}")


def write_annotated_vcf(
    vcf_path: str | Path,
    rows: Iterator[Row],
    out_path: str | Path,
    features: Sequence[str],
    *,
    top_k: int | None = None,
    strand_index: int | None = None,
    meta: Mapping[str, object] | None = None,
    records: Iterable[VcfRecord] | None = None,
) -> Path:
    """Write ``vcf_path``'s records annotated with ``rows`` to bgzipped ``out_path``.

    Parameters
    ----------
    vcf_path : str or Path
        The VCF that was scored (plain or bgzipped).
    rows : iterator of (list of str, numpy.ndarray)
        The run's ``diffs`` rows in file order (:func:`selene.io.outputs.output_rows`).
    out_path : str or Path
        Ends in ``.vcf.gz``; the index goes to ``<out_path>.tbi``.
    features : sequence of str
    top_k : int, optional
        Write the ``top_k`` features by ``|diff|`` (``SELENE_TOP``); None: all features.
    strand_index : int, optional
        As the run was given it.
    meta : mapping, optional
        Written to the ``##selene=<key=value,...>`` header line (the model, the options).
    records : iterable of VcfRecord, optional
        The records to write (those of some regions:
        :func:`~selene.io.vcf.read_vcf_regions`); None: every record of the VCF.

    Returns
    -------
    Path
        The bgzipped VCF written (its ``.tbi`` beside it when the input is sorted).

    Raises
    ------
    ValueError
        If ``top_k`` is not a positive integer, or the rows do not belong to the VCF's records.
    """
    check_top_k(top_k)
    out_path = Path(out_path)
    keys = tuple(info_keys(features))
    k = None if top_k is None else min(int(top_k), len(keys))
    header, keep = _header(vcf_path, features, keys, k, meta or {})
    pending = _Peek(rows)
    with pysam.BGZFile(str(out_path), "wb") as out:
        out.write("".join(header).encode())
        for rec in read_vcf(vcf_path, strand_index) if records is None else records:
            values = pending.take(rec)
            out.write(_annotate(rec, keep, values, keys, k).encode())
    if pending.next is not None:
        ids = pending.next[0]
        raise ValueError(
            f"{out_path.name}: the scores hold a row ({' '.join(ids[:5])}) that matches no "
            f"record of {Path(vcf_path).name} in order; were they computed from another VCF?"
        )
    _index(out_path)
    return out_path


class _Peek:
    """The rows with one of look-ahead: the next rows of a record's ALTs, in any order.

    (Structural variants' rows may follow the other ALTs' rows of their record.)
    """

    def __init__(self, rows: Iterator[Row]) -> None:
        self.rows = rows
        self.next = next(rows, None)

    def take(self, rec: VcfRecord) -> list[np.ndarray | None]:
        """Return one row per ALT of ``rec`` (None: not scored), consuming them."""
        found: dict[str, np.ndarray] = {}
        while self.next is not None:
            ids, values = self.next
            chrom, pos, name, ref, alt = ids[:5]
            if (pos, name, ref) != (str(rec.pos), rec.name, rec.ref) or alt in found:
                break
            # scored rows carry the reference's chromosome names
            if alt not in rec.alts or chrom_key(chrom) != chrom_key(rec.chrom):
                break
            found[alt] = values
            self.next = next(self.rows, None)
        return [found.get(alt) for alt in rec.alts]


def _header(vcf_path, features, keys, k, meta) -> tuple[list[str], list[int | None]]:
    """Return the header lines, and which input column each output column copies (None: ``.``)."""
    meta_lines, columns = read_header(vcf_path)
    if not meta_lines or not meta_lines[0].startswith("##fileformat="):
        meta_lines.insert(0, "##fileformat=VCFv4.2\n")
    declared = {m[len("##contig=<ID=") :].split(",")[0].rstrip(">") for m in meta_lines
                if m.startswith("##contig=<ID=")}  # fmt: skip
    seen: dict[str, None] = {}
    for rec in read_vcf(vcf_path):  # contigs in file order (htslib wants them declared)
        seen.setdefault(rec.chrom)
    meta_lines += [f"##contig=<ID={c}>\n" for c in seen if c not in declared]
    if k is None:
        meta_lines += [
            f'##INFO=<ID={DIFF_PREFIX}{key},Number=A,Type=Float,Description="Selene diff '
            f'(alt - ref prediction) of feature {_quote(name)}">\n'
            for key, name in zip(keys, features, strict=True)
        ]
    else:
        meta_lines.append(
            f'##INFO=<ID={TOP_KEY},Number=A,Type=String,Description="Selene: the {k} features '
            f'with the largest |diff| (alt - ref prediction), as feature:diff separated by |">\n'
        )
    meta_lines.append(
        f'##INFO=<ID={NA_KEY},Number=0,Type=Flag,Description="Not scored by Selene (see the '
        f"run's .NA and .ref_mismatches.vcf files)\">\n"
    )
    options = ",".join(f"{key}={_quote(str(value))}" for key, value in meta.items())
    meta_lines.append(f"##selene=<{options}>\n")
    if columns is None:
        columns = _FIXED[:5]
    if columns[:8] == _FIXED:  # a VCF: every column kept (FORMAT, samples)
        keep: list[int | None] = list(range(len(columns)))
    else:  # a Selene-style table: the VCF columns it has, the others dropped
        keep = [columns.index(c) if c in columns else None for c in _FIXED]
        columns = _FIXED
    return [*meta_lines, "\t".join(columns) + "\n"], keep


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _annotate(rec: VcfRecord, keep, values: list[np.ndarray | None], keys, k) -> str:
    line = rec.line.rstrip("\r\n").split("\t")
    cols = ["." if i is None or i >= len(line) else line[i] for i in keep]
    if all(v is None for v in values):
        fields = [NA_KEY]
    elif k is None and all(v is not None for v in values):  # one C-level format: 6x faster
        flat = np.stack(values, axis=1).ravel().tolist()  # type: ignore[arg-type]
        fields = [_all_format(keys, len(values)) % tuple(flat)]
    elif k is None:
        table = [["."] * len(keys) if v is None else [f"{x:.7g}" for x in v] for v in values]
        columns = zip(keys, zip(*table, strict=True), strict=True)
        fields = [f"{DIFF_PREFIX}{key}={','.join(col)}" for key, col in columns]
    else:
        fields = [f"{TOP_KEY}=" + ",".join("." if v is None else _top(v, keys, k) for v in values)]
    info = ";".join(fields)
    cols[7] = info if cols[7] in ("", ".") else f"{cols[7]};{info}"
    return "\t".join(cols) + "\n"


@functools.lru_cache(maxsize=8)
def _all_format(keys: tuple[str, ...], n_alts: int) -> str:
    """Return the %-format of every feature's field for a record whose ``n_alts`` are scored."""
    value = ",".join(["%.7g"] * n_alts)
    return ";".join(f"{DIFF_PREFIX}{key}={value}" for key in keys)


def _top(values: np.ndarray, keys: Sequence[str], k: int) -> str:
    order = np.argsort(-np.abs(values), kind="stable")[:k]
    return "|".join(f"{keys[i]}:{values[i]:.7g}" for i in order)


def _index(path: Path) -> None:
    try:
        pysam.tabix_index(str(path), preset="vcf", force=True)
    except OSError as err:  # htslib refuses unsorted files
        warnings.warn(
            f"{path.name}: not tabix-indexed ({err}); the input VCF is not sorted by "
            "chromosome and position (sort it, e.g. bcftools sort, to get an index)",
            SeleneWarning,
            stacklevel=5,
        )
