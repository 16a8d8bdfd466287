"""Merge a sharded variant effect run by hand: ``python -m selene.predict.merge <run dir>``.

The shard that finishes last merges by itself; this command merges after shards ran as
separate jobs that could not (see :mod:`selene.predict.shard_merge`), and names the shards
still missing or unfinished. It lives apart from the merge itself, which the package imports,
so that ``python -m`` runs a module not yet imported.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from selene.predict.shard_merge import merge

__all__ = ["main", "merge"]

log = logging.getLogger("selene.predict")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python -m selene.predict.merge <run dir>``."""
    parser = argparse.ArgumentParser(
        prog="python -m selene.predict.merge",
        description="Merge the shards of a sharded variant effect run into one output per kind.",
    )
    parser.add_argument("run_dir", help="the run's analysis.output_dir")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    run_dir = parser.parse_args(argv).run_dir
    for path in merge(run_dir):
        log.info("wrote %s", path)
    Path(run_dir, "shards", "merge.lock").unlink(missing_ok=True)  # left by a merge cut short


if __name__ == "__main__":
    main()
