"""File-name stems for per-record outputs: plain, unique, and inside the output folder.

Record names come from FASTA headers, so they may hold ``/``, ``..`` or characters a file
system refuses, and two records may share a name. Each name becomes a stem of letters, digits
and ``_ . + = -`` (others become ``_``, leading dots are dropped), and a repeated stem gets
``_2``, ``_3``, ... in file order, so that no record's files overwrite another's or leave the
folder. Stems compare case-insensitively (macOS and Windows file systems do).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

from selene.io.fasta import read_fasta
from selene.predict.codes import check_letters
from selene.utils.warnings import SeleneWarning

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+=-]")
_MAX_STEM = 200  # leaves room for "_abs_diffs.tsv.inprogress" within a 255-byte name


def file_stems(names: Sequence[str], directory: str | Path) -> list[str]:
    """Return one stem per name: sanitised, then made unique in order.

    Parameters
    ----------
    names : Sequence[str]
        Record names; an empty name (or one of dots only) becomes the record's index.
    directory : str or Path
        The output folder: a stem naming a folder already there is taken as used.
    """
    used: set[str] = set()
    stems = []
    for index, name in enumerate(names):
        base = _UNSAFE.sub("_", name).lstrip(".")[:_MAX_STEM] or str(index)
        stem, n = base, 1
        # HDF5 ISM also writes <stem>_ref_predictions.h5: "<stem>_ref" is this record's too
        while {stem.casefold(), f"{stem}_ref".casefold()} & used or Path(directory, stem).is_dir():
            n += 1
            stem = f"{base}_{n}"
        used.update((stem.casefold(), f"{stem}_ref".casefold()))
        stems.append(stem)
    return stems


def record_stems(
    path: str | Path, directory: str | Path, use_name: bool, alphabet: str, unknown: str
) -> list[str]:
    """Check every record of a FASTA file and return its file-name stem (see :func:`file_stems`).

    Creates ``directory``. Stems are the records' names if ``use_name``, else their 0-based
    indices; a warning lists the records whose names were changed.

    Raises
    ------
    ValueError
        If a record is empty or has letters outside ``alphabet`` + ``unknown`` (naming the file
        and the record), before anything is written.
    """
    names = []
    for i, (name, sequence) in enumerate(read_fasta(path)):
        where = f"{Path(path).name} record {i + 1} ({name!r})"
        if not sequence:
            raise ValueError(f"{where}: the sequence is empty; remove the record or add its bases")
        check_letters(sequence, alphabet, unknown, where)
        names.append(name if use_name else str(i))
    os.makedirs(directory, exist_ok=True)
    stems = file_stems(names, directory)
    renamed = [(i, n, s) for i, (n, s) in enumerate(zip(names, stems, strict=True)) if n != s]
    if renamed:
        shown = "; ".join(f"record {i + 1} {n!r} as {s!r}" for i, n, s in renamed[:10])
        more = f" and {len(renamed) - 10} more" if len(renamed) > 10 else ""
        warnings.warn(
            f"{Path(path).name}: {len(renamed)} records are written under other names (file "
            f"names must be unique and stay in the output folder): {shown}{more}",
            SeleneWarning,
            stacklevel=4,
        )
    return stems
