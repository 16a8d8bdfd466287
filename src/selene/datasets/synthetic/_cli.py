"""Command line for :func:`make_synthetic` (``selene-synthetic``)."""

from __future__ import annotations

import argparse
import logging
import time

from ._make import make_synthetic

log = logging.getLogger("selene.datasets.synthetic")


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic dataset; see ``selene-synthetic --help``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(
        prog="selene-synthetic",
        description="Write a reproducible synthetic genome with planted motifs.",
    )
    parser.add_argument("out_dir", help="directory to write into")
    parser.add_argument("--n-chroms", type=int, default=6)
    parser.add_argument("--chrom-length", type=int, default=500_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peaks-per-feature", type=int, default=None)
    parser.add_argument("--n-variants", type=int, default=40)
    parser.add_argument("--n-queries", type=int, default=6)
    parser.add_argument(
        "--tracks", action="store_true", help="also write a bigWig coverage track per feature"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = vars(parser.parse_args(argv))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    try:
        data = make_synthetic(args.pop("out_dir"), **args)
    except ValueError as error:
        parser.error(str(error))
    log.info("synthetic dataset in %s (%.1f s)", data.root, time.perf_counter() - started)
    for name in ("fasta", "features_bed", "features_txt", "intervals_bed", "blacklist_bed"):
        log.info("  %-14s %s", name, getattr(data, name))
    log.info("  %-14s %s", "vcf", data.vcf)
    log.info("  %-14s %s", "query_fasta", data.query_fasta)
    if data.tracks:
        log.info("  %-14s %s (%d bigWig)", "tracks", data.root / "tracks", len(data.tracks))
    return 0
