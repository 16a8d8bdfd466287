"""Sharded variant effect runs: ``variant_effect_prediction(..., shards=N, shard=i)``.

A run split in ``N`` shards keeps, under its output folder::

    shards/plan.json            the run (what the merge needs) and each shard's records
    shards/<i>-of-<N>/          shard i's part files: a run's files, with the same names
    shards/<i>-of-<N>/done.json written when shard i finished: the run's key and its counts
    shards/merged               the run's key, once the parts were merged

Shard ``i`` scores one contiguous block of the VCF's records (:mod:`.shard_plan`) through
:func:`~selene.predict.vep.predict_variants`, so it is a run of its own: its part files carry
their own ``.inprogress`` marker, and an interrupted shard resumes where it stopped. A shard
whose ``done.json`` holds the run's key (the inputs, model and options) is not run again, so a
rerun (or a whole ``-m analysis.shard='range(N)'`` sweep run again) scores only the shards
that did not finish. :mod:`selene.predict.shard_merge` concatenates the parts.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from selene.io import vcf as vcf_io
from selene.io.outputs import output_rows
from selene.predict.alleles import VepCounts
from selene.predict.annotated_vcf import write_annotated_vcf
from selene.predict.shard_plan import Part, plan_parts, write_json_atomically
from selene.predict.writers import OutputSet, fingerprint
from selene.utils.warnings import SeleneWarning

log = logging.getLogger("selene.predict")


@dataclass(frozen=True)
class VepRun:
    """What a variant effect run writes, and from which records: all a merge needs.

    Attributes
    ----------
    vcf_file : str
    prefix : str
        The outputs' prefix (``<output_dir>/<vcf name>``).
    kinds : list of str
        The score kinds written (``ref_predictions``, ``diffs``, ...).
    output_format : {"tsv", "hdf5"}
    columns, features : list of str
        The ID columns and the feature names.
    strand_index : int, optional
    regions : list of str, optional
        The run scores only these regions of an indexed VCF.
    annotate : bool
        Also write ``<prefix>.annotated.vcf.gz`` from the ``diffs``.
    top_k : int, optional
    meta : dict
        The annotated VCF's ``##selene`` header values.
    key : str
        Identifies the run (inputs, model, options): the fingerprint of its outputs.
    """

    vcf_file: str
    prefix: str
    kinds: list[str]
    output_format: str
    columns: list[str]
    features: list[str]
    strand_index: int | None
    regions: list[str] | None
    annotate: bool
    top_k: int | None
    meta: dict
    key: str

    def records(self) -> Iterator[vcf_io.VcfRecord]:
        """Yield the records the run scores, in order (those of ``regions``, or all)."""
        if self.regions is None:
            return vcf_io.read_vcf(self.vcf_file, self.strand_index)
        return vcf_io.read_vcf_regions(self.vcf_file, self.regions, self.strand_index)

    def write_annotated_vcf(self, diffs: Path) -> Path:
        """Write ``<prefix>.annotated.vcf.gz`` from the ``diffs`` file ``diffs``."""
        return write_annotated_vcf(
            self.vcf_file, output_rows(diffs), f"{self.prefix}.annotated.vcf.gz", self.features,
            top_k=self.top_k, meta=self.meta, records=self.records(),
        )  # fmt: skip

    def to_dict(self) -> dict:
        """Return the run as plain JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> VepRun:
        """Rebuild a run from :meth:`to_dict`'s values."""
        return cls(**{f.name: values[f.name] for f in fields(cls)})


def check_shards(n_shards: object, shard: object) -> None:
    """Raise a ValueError unless ``n_shards >= 1`` and ``shard`` is None or below it."""
    if isinstance(n_shards, bool) or not isinstance(n_shards, int) or n_shards < 1:
        raise ValueError(f"shards must be a positive integer, got {n_shards!r}")
    if shard is not None and (
        isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < n_shards
    ):
        raise ValueError(
            f"shard must be None (every shard in turn) or 0 to {n_shards - 1} for "
            f"shards={n_shards}, got {shard!r}"
        )


def shards_dir(prefix: str | Path) -> Path:
    """Return the ``shards`` folder beside the outputs of ``prefix``."""
    return Path(prefix).parent / "shards"


def part_dir(root: Path, shard: int, n_shards: int) -> Path:
    """Return shard ``shard``'s folder of part files under ``root`` (a ``shards`` folder)."""
    return root / f"{shard}-of-{n_shards}"


def done_key(folder: Path) -> str | None:
    """Return the :func:`part_key` in a finished shard's ``done.json`` (None: unfinished)."""
    try:
        return json.loads((folder / "done.json").read_text())["key"]
    except (OSError, ValueError, KeyError):
        return None


def load_plan(root: Path, run: VepRun, n_shards: int, batch_size: int) -> dict:
    """Return the run's plan, ``root/plan.json``, planning the parts first if it is stale.

    The plan holds ``shards``, ``batch_size``, the ``run`` (:meth:`VepRun.to_dict`) and the
    ``parts`` (:meth:`Part.to_dict`).
    """
    path = root / "plan.json"
    try:
        saved = json.loads(path.read_text())
        if (saved["run"], saved["shards"], saved["batch_size"]) == (
            run.to_dict(),
            n_shards,
            batch_size,
        ):
            return saved
    except (OSError, ValueError, KeyError):
        pass
    stream = None if run.regions is None else run.records
    parts = plan_parts(run.vcf_file, n_shards, batch_size, stream)
    plan = {"shards": n_shards, "batch_size": batch_size, "run": run.to_dict(),
            "parts": [p.to_dict() for p in parts]}  # fmt: skip
    write_json_atomically(path, json.dumps(plan, indent=1) + "\n")
    return plan


def part_key(plan: dict, shard: int) -> str:
    """Return what identifies shard ``shard`` of ``plan`` (the run, batch size and records)."""
    return fingerprint(plan["run"]["key"], plan["batch_size"], plan["parts"][shard])


def run_shards(
    run: VepRun,
    n_shards: int,
    shard: int | None,
    predict: Callable[..., VepCounts],
    outputs: Callable[[str, str], OutputSet],
    batch_size: int,
    resume: bool = True,
) -> VepCounts:
    """Score shard ``shard`` of ``run`` (None: every shard in turn); return its counts.

    Parameters
    ----------
    run : VepRun
    n_shards, shard : int
    predict : callable
        :func:`~selene.predict.vep.predict_variants` with the runner, genome and options
        bound; called with the records, then ``out``, ``na_path``, ``mismatch_path``,
        ``total`` and ``desc``.
    outputs : callable
        Returns the :class:`OutputSet` of a part from its prefix and :func:`part_key` (which
        its resume marker holds).
    batch_size : int
        The run's batch size (parts start at its multiples).
    resume : bool
        Skip finished shards and resume unfinished ones; False: score them all anew.
    """
    check_shards(n_shards, shard)
    root = shards_dir(run.prefix)
    plan = load_plan(root, run, n_shards, batch_size)
    total = VepCounts()
    for i in range(n_shards) if shard is None else [shard]:
        folder, key = part_dir(root, i, n_shards), part_key(plan, i)
        if resume and done_key(folder) == key:
            counts = VepCounts(**json.loads((folder / "done.json").read_text())["counts"])
            log.info("shard %d of %d finished earlier (%s)", i, n_shards, folder)
        else:
            part = Part(**plan["parts"][i])
            counts = _score_part(run, part, key, folder, (i, n_shards), predict, outputs)
        _add(total, counts)
    return total


def summed_counts(run_dir: str | Path) -> VepCounts:
    """Return the counts of the finished shards of the sharded run in ``run_dir``, summed."""
    root = Path(run_dir, "shards")
    plan, total = json.loads((root / "plan.json").read_text()), VepCounts()
    for i in range(int(plan["shards"])):
        folder = part_dir(root, i, int(plan["shards"]))
        if done_key(folder) == part_key(plan, i):
            _add(total, VepCounts(**json.loads((folder / "done.json").read_text())["counts"]))
    return total


def _add(total: VepCounts, counts: VepCounts) -> None:
    for name in ("scored", "not_scored", "ref_mismatches", "padded"):
        setattr(total, name, getattr(total, name) + getattr(counts, name))


def _score_part(run, part, key, folder, shard, predict, outputs) -> VepCounts:
    i, n_shards = shard
    (folder.parent / "merged").unlink(missing_ok=True)
    (folder / "done.json").unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / Path(run.prefix).name
    log.info("shard %d of %d: %d records into %s", i, n_shards, part.records, folder)
    with warnings.catch_warnings():
        if not part.records:  # more shards than blocks: nothing to say about an empty one
            warnings.filterwarnings("ignore", "no variants were scored", SeleneWarning)
        counts = predict(
            part.read(run.vcf_file, run.strand_index, run.records), out=outputs(str(prefix), key),
            na_path=Path(f"{prefix}.NA"), mismatch_path=Path(f"{prefix}.ref_mismatches.vcf"),
            total=part.records, desc=f"shard {i + 1}/{n_shards}",
        )  # fmt: skip
    done = {"key": key, "counts": asdict(counts)}
    write_json_atomically(folder / "done.json", json.dumps(done) + "\n")
    return counts
