"""Import a Selene model file: once per content, and only if it defines the class asked for.

The class is looked for in the file's syntax tree before the file runs, so that a wrong path or
class name fails without running anyone's code.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import logging
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

__all__ = ["import_file", "no_class", "require_class", "source_of"]

log = logging.getLogger("selene.models.file_model")

# imported files by (resolved path, sha256 of the content)
_MODULES: dict[tuple[Path, str], ModuleType] = {}


def source_of(path: str | Path) -> Path:
    """Return the file to import: ``path``, or a package directory's ``__init__.py``."""
    source = Path(path).expanduser().resolve()
    if source.is_dir() and (source / "__init__.py").is_file():
        return source / "__init__.py"
    if not source.is_file():
        why = "it is a directory without __init__.py" if source.is_dir() else "it does not exist"
        raise FileNotFoundError(
            f"no model file at {source}: {why}; set model.net.path to the .py file that "
            "defines the architecture (Selene's model.path)"
        )
    return source


def require_class(source: Path, class_name: str) -> None:
    """Raise unless ``source`` defines ``class_name`` (read without running the file).

    A star import (``from .model import *``) could bind any name: only importing tells.
    """
    tree = ast.parse(source.read_bytes(), filename=str(source))
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if class_name not in bound:
        no_class(source, class_name, tree)


def no_class(source: Path, class_name: str, tree: ast.Module | None = None) -> NoReturn:
    """Raise a ValueError: ``source`` defines no ``class_name``; list the classes it does."""
    tree = tree or ast.parse(source.read_bytes(), filename=str(source))
    defined = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    raise ValueError(
        f"model file {source} defines no class {class_name!r} (classes it defines: "
        f"{', '.join(defined) or 'none'}); set model.net.class_name (Selene's model.class)"
    )


def import_file(source: Path) -> tuple[ModuleType, str]:
    """Import ``source`` once per content; return the module and the file's SHA-256."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    key = (source, digest)
    if key in _MODULES:
        return _MODULES[key], digest
    # a valid, unique module name, whatever the folder and file are called
    name = re.sub(r"\W", "_", f"selene_model_file_{source.parent.name}_{source.stem}")
    name = f"{name}_{digest[:12]}"
    location = [str(source.parent)] if source.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(
        name, source, submodule_search_locations=location
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"model file {source} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up here
    log.info("importing model file %s", source)
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise ImportError(
            f"importing model file {source} failed: {type(err).__name__}: {err}"
        ) from err
    _MODULES[key] = module
    return module, digest
