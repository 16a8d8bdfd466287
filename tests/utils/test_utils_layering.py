"""``selene.utils`` is the bottom layer: it imports nothing of selene above it."""

from __future__ import annotations

import ast
from pathlib import Path

import selene.utils

UTILS = Path(selene.utils.__file__).parent


def _selene_imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute ``selene...`` module a file imports, lazy imports inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] == "selene"]


def test_utils_imports_only_utils() -> None:
    files = sorted(UTILS.glob("*.py"))
    assert len(files) > 3  # the walk found the package
    upward = [
        f"{path.name}:{line} imports {name}"
        for path in files
        for line, name in _selene_imports(path)
        if name != "selene.utils" and not name.startswith("selene.utils.")
    ]
    assert upward == []


def test_the_walk_sees_lazy_imports(tmp_path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from selene.models.metrics import FeatureScores\n")
    assert _selene_imports(module) == [(2, "selene.models.metrics")]
