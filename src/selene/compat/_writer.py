"""Write the experiments (and FASTA files) and the shell commands that run them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

__all__ = ["command", "write_experiment", "write_fasta"]


def command(app: str, path: Path, extra: list[str]) -> tuple[str, str]:
    """Return ``(setup, run)``: what must come first, and the command that runs ``path``."""
    folder = path.resolve().parent
    setup = ""
    if folder.name != "experiment":  # Hydra looks for <searchpath>/experiment/NAME.yaml
        setup = f"mkdir -p {folder / 'experiment'} && mv {path} {folder / 'experiment'}/"
    search = folder if setup else folder.parent
    multirun = ["-m"] if "-m" in extra else []  # Hydra takes it before the overrides
    words = [f"python -m selene.{app}", *multirun, f"+experiment={path.stem}"]
    words += [f"'hydra.searchpath=[file://{search}]'"]
    words += [f"'{w}'" if "<" in w else w for w in extra if w != "-m"]
    return setup, " ".join(words)


def write_experiment(path: Path, exp: dict[str, Any], source: Path, command: str) -> Path:
    text = OmegaConf.to_yaml(OmegaConf.create(exp))
    header = (
        "# @package _global_\n"
        f"# Converted from the Selene SDK config {source} by `python -m selene.compat`.\n"
        f"# Run: {command}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + text)
    return path


def write_fasta(path: Path, name: str, sequence: str) -> Path:
    fasta = path.with_name(f"{path.stem}_{name}.fa")
    fasta.parent.mkdir(parents=True, exist_ok=True)
    fasta.write_text(f">{name}\n{sequence}\n")
    return fasta
