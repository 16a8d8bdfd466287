"""The query FASTA of a synthetic dataset: a few sequences carrying known motifs, and a control."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import _genome
from ._motifs import reverse_complement

LENGTHS = (1000, 500, 2000, 1000, 1500, 800)
_KEY = "features="


def make_queries(
    features: list[str], motifs: list[str], n: int, rng: np.random.Generator
) -> list[tuple[str, str]]:
    """Query sequences, each carrying three copies of one feature's motif near its centre.

    Three copies, as the fewest a peak of the genome carries (a model trained on 3-5 copies
    calls two weakly: 0.4 on average against 0.7-0.8 for three, with the demo's Basset). They
    start 55 bp before, 5 bp before and 45 bp after the centre (each on either strand), so a
    model that sees the central 300 bp finds them at its window positions 95, 145 and 195:
    inside the central 150 bp, as a peak's copies are, and its 200 bp centre bin. The last
    query (when there are several) carries no motif: the control. Every third starts with an N
    run. The background is drawn as the genome's.
    """
    records = []
    for i in range(n):
        length = LENGTHS[i % len(LENGTHS)]
        sequence = _genome._ASCII[_genome.background(length, rng)].tobytes().decode()
        label = "none"
        if i < n - 1 or n == 1:
            label, motif = features[i % len(features)], motifs[i % len(motifs)]
            for at in (length // 2 - 55, length // 2 - 5, length // 2 + 45):
                copy = motif if rng.random() < 0.5 else reverse_complement(motif)
                sequence = sequence[:at] + copy + sequence[at + len(copy) :]
        if i % 3 == 2:
            sequence = "N" * 10 + sequence[10:]
        records.append((f"query{i} {_KEY}{label}", sequence))
    return records


def planted_features(path: str | Path) -> dict[str, list[str]]:
    """Read which features' motifs each query of a query FASTA carries, from its headers.

    Returns
    -------
    dict of str to list of str
        Record name (the header's first word) -> planted features, ``[]`` for the control
        (``features=none``), in file order.

    Raises
    ------
    ValueError
        If a header has no ``features=`` field (naming the file and line).
    """
    planted: dict[str, list[str]] = {}
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.startswith(">"):
                continue
            name, *fields = line[1:].split()
            found = [f[len(_KEY) :] for f in fields if f.startswith(_KEY)]
            if not name or not found:
                raise ValueError(
                    f"{path}, line {number}: the header {line.strip()!r} has no '{_KEY}' "
                    "field; read a query FASTA written by make_synthetic"
                )
            planted[name] = [] if found[0] == "none" else found[0].split(",")
    return planted
