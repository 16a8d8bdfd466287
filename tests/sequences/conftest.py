"""Fixtures for the sequences tests: the committed toy FASTA files, copied to a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from selene.sequences import Genome

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def toy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the toy files, so .fai and cache files never land in the checkout."""
    folder = tmp_path_factory.mktemp("toy")
    for name in ("sequences_toy.fa", "sequences_toy_proteins.fa", "sequences_blacklist.bed"):
        shutil.copy(DATA / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def toy_fasta(toy_dir: Path) -> Path:
    return toy_dir / "sequences_toy.fa"


@pytest.fixture(scope="session")
def genome(toy_fasta: Path) -> Genome:
    return Genome(toy_fasta)


@pytest.fixture(scope="session")
def goldens() -> dict[str, np.ndarray]:
    """selene_sdk 0.6.0's outputs on the toy files (scripts/make_goldens_sequences.py)."""
    with np.load(DATA / "sequences_goldens.npz") as npz:
        return dict(npz)


@pytest.fixture(scope="session")
def toy_records(toy_fasta: Path) -> dict[str, str]:
    """The toy genome's records, read in plain Python, independent of the code under test."""
    return read_fasta(toy_fasta)


def read_fasta(path: Path) -> dict[str, str]:
    """Read a FASTA file into ``{name: letters}``."""
    records: dict[str, list[str]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            records[name] = []
        elif line:
            records[name].append(line)
    return {name: "".join(lines) for name, lines in records.items()}
