"""The test suite's own layout: what several test modules share lives in ``tests/helpers.py``
(or ``conftest.py``, ``factories.py``); no test module imports another (issue #27 found 19 such
imports of private helpers, which made every test module a dependency of others)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imports_of_test_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):  # "from .test_x import y", "from . import test_x"
            names = [(node.module or "").rsplit(".", 1)[-1]] + [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name.rsplit(".", 1)[-1] for alias in node.names]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.startswith("test_")]
    return found


def test_no_test_module_imports_another():
    offenders = {str(path.relative_to(TESTS)): found for path in sorted(TESTS.rglob("*.py"))
                 if (found := _imports_of_test_modules(path))}
    assert not offenders, f"move what is shared into tests/helpers.py: {offenders}"


def test_the_check_sees_such_an_import(tmp_path):
    planted = tmp_path / "test_planted.py"
    planted.write_text("from .test_results import filled_round\nfrom ..security import test_isolation\n")
    assert _imports_of_test_modules(planted) == ["line 1: test_results", "line 2: test_isolation"]
