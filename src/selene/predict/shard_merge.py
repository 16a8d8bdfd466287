"""Merge a sharded variant effect run (the command: :mod:`selene.predict.merge`).

The shards' part files (:mod:`selene.predict.shards`) hold contiguous blocks of the VCF's
records, in shard order, so each output is the parts concatenated: a TSV file's header once
and then every part's rows, the ``.NA`` and ``.ref_mismatches.vcf`` files' lines, and the
HDF5 matrices copied block by block (4 MB at a time, whatever the VCF's size) into a file
created and grown by the same writer as a one-process run's. The outputs equal those of one
process byte for byte: text files by construction, and HDF5 files because HDF5 allocates a
chunked matrix's chunks in row order however the rows are split between writes (each file is
created with the same chunk shape and no timestamps; the tests compare the bytes). The
annotated VCF, if asked for, is then written from the merged ``diffs``, as one process does.

The last shard to finish merges by itself (:func:`merge_if_complete`); :func:`merge` merges by
hand (``python -m selene.predict.merge``) and says which parts are missing or unfinished.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import h5py

from selene.io.outputs import DATASET, EXTENSIONS, labels_path, output_files
from selene.predict.shards import VepRun, done_key, part_dir, part_key
from selene.predict.writers import selene_outputs

__all__ = ["merge", "merge_if_complete"]

log = logging.getLogger("selene.predict")

_BLOCK_BYTES = 1 << 22


def merge(run_dir: str | Path) -> list[Path]:
    """Merge the finished shards of the sharded run in ``run_dir``; return the files written.

    Raises
    ------
    FileNotFoundError
        If ``run_dir`` holds no sharded run, or some shards are missing or unfinished (the
        message names them and says how to finish them).
    """
    root = Path(run_dir, "shards")
    try:
        plan = json.loads((root / "plan.json").read_text())
    except (OSError, ValueError) as err:
        raise FileNotFoundError(
            f"{run_dir} holds no sharded run ({root / 'plan.json'} cannot be read: {err}); "
            "give the analysis.output_dir of a run with analysis.shards=N"
        ) from err
    run, n_shards = VepRun.from_dict(plan["run"]), int(plan["shards"])
    folders = [part_dir(root, i, n_shards) for i in range(n_shards)]
    unfinished = [_state(f, part_key(plan, i)) for i, f in enumerate(folders)]
    if any(unfinished):
        pairs = zip(folders, unfinished, strict=True)
        listed = ", ".join(f"{folder.name} ({state})" for folder, state in pairs if state)
        raise FileNotFoundError(
            f"cannot merge {run_dir}: shards {listed} of {n_shards} did not finish; run each "
            f"with the same command and analysis.shard=<i> (an unfinished one resumes), then "
            "merge again"
        )
    parts = [f / Path(run.prefix).name for f in folders]
    written = _merge_scores(run, parts)
    for suffix in (".NA", ".ref_mismatches.vcf"):
        target = Path(f"{run.prefix}{suffix}")
        _concatenate([Path(f"{p}{suffix}") for p in parts], target, header=False)
        written.append(target)
    if run.annotate:
        diffs = output_files(run.prefix, ["diffs"])["diffs"]
        written.append(run.write_annotated_vcf(Path(f"{diffs}{EXTENSIONS[run.output_format]}")))
    (root / "merged").write_text(run.key)
    log.info("merged %d shards into %s", n_shards, Path(run.prefix).parent)
    return written


def merge_if_complete(run_dir: str | Path) -> bool:
    """Merge the run in ``run_dir`` if every shard finished and it is not merged yet.

    Returns whether the outputs are merged. Shards that finish together merge once: the first
    to take ``shards/merge.lock`` merges. A lock left by an interrupted merge is logged (run
    :func:`merge` by hand).
    """
    root = Path(run_dir, "shards")
    plan = json.loads((root / "plan.json").read_text())
    key, n_shards = plan["run"]["key"], int(plan["shards"])
    if any(done_key(part_dir(root, i, n_shards)) != part_key(plan, i) for i in range(n_shards)):
        return False
    merged = root / "merged"
    if merged.is_file() and merged.read_text() == key:
        return True
    lock = root / "merge.lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        log.info("another shard is merging %s (if none is, run python -m selene.predict.merge "
                 "%s)", run_dir, run_dir)  # fmt: skip
        return False
    try:
        merge(run_dir)
    finally:
        lock.unlink(missing_ok=True)
    return True


def _state(folder: Path, key: str) -> str:
    """Why shard ``folder`` cannot be merged (``""``: it can)."""
    found = done_key(folder)
    if found == key:
        return ""
    if found is not None:
        return "finished for other inputs or options: rerun it"
    return "unfinished: resume it" if folder.is_dir() else "not started"


def _merge_scores(run: VepRun, parts: Sequence[Path]) -> list[Path]:
    ext = EXTENSIONS[run.output_format]
    files = {k: Path(f"{p}{ext}") for k, p in output_files(run.prefix, run.kinds).items()}
    part_files = [
        {k: Path(f"{p}{ext}") for k, p in output_files(part, run.kinds).items()} for part in parts
    ]
    if run.output_format == "tsv":
        for kind, target in files.items():
            _concatenate([f[kind] for f in part_files], target, header=True)
        return list(files.values())
    out = selene_outputs(run.prefix, run.kinds, "hdf5", run.columns, run.features, run.key)
    out.start(resume=False)
    for kind, target in files.items():
        with h5py.File(target, "a") as handle:
            matrix = handle[DATASET]
            step = max(1, _BLOCK_BYTES // (4 * max(1, len(run.features))))
            for part in part_files:
                with h5py.File(part[kind], "r") as source:
                    rows = source[DATASET]
                    for start in range(0, rows.shape[0], step):
                        block = rows[start : start + step]
                        matrix.resize(matrix.shape[0] + len(block), axis=0)
                        matrix[-len(block) :] = block
    labels = labels_path(run.prefix)
    _concatenate([labels_path(p) for p in parts], labels, header=True)
    out.finish()
    return [*files.values(), labels]


def _concatenate(sources: Sequence[Path], target: Path, header: bool) -> None:
    """Write ``sources`` one after another to ``target`` (with the first's header line only)."""
    temporary = target.with_name(target.name + ".merging")
    with open(temporary, "wb") as out:
        for i, source in enumerate(sources):
            with open(source, "rb") as handle:
                first = handle.readline() if header else b""
                if i == 0:
                    out.write(first)
                shutil.copyfileobj(handle, out, 1 << 20)
    os.replace(temporary, target)
