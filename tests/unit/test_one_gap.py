"""The one-mark gap between employees' and customers' ratings is one constant: the phase rule
(an overestimation, an underestimation), the practical minimum of a gap, the mirror topics marked
in the results and the plan's topics all use ``core.profile.MIN_GAP_MARKS``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from maturity.core.phases import DEFAULT, PhaseThresholds
from maturity.core.profile import MIN_GAP_MARKS, MIN_PRACTICAL_GAP

PACKAGE = Path(__file__).resolve().parents[2] / "maturity"


def _is_constant(node: ast.AST) -> bool:
    """A number written in the code (or arithmetic on numbers only)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    return False


def _gap_constants() -> set[tuple[str, str]]:
    """Every module- or class-level name with "gap" in it that is set to a number written in place."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = [tree.body] + [n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        for body in bodies:
            for node in body:
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets = [node.target]
                else:
                    continue
                for target in targets:
                    names = [t.id for t in ast.walk(target) if isinstance(t, ast.Name)]
                    if any("gap" in name.lower() for name in names) and _is_constant(node.value):
                        found.add((str(path.relative_to(PACKAGE.parent)), ",".join(names)))
    return found


def test_the_one_mark_gap_is_written_down_once():
    assert _gap_constants() == {
        ("maturity/core/profile.py", "MIN_GAP_MARKS"),
        # A different threshold: a department this many index points below the organisation.
        ("maturity/core/actions.py", "DEPARTMENT_GAP"),
    }


def test_every_rule_reads_the_same_gap():
    from maturity.core import actions
    from maturity.results import services as results

    assert PhaseThresholds().min_gap_marks == DEFAULT.min_gap_marks == MIN_GAP_MARKS == 1.0
    assert MIN_PRACTICAL_GAP == pytest.approx(DEFAULT.min_gap_index) == pytest.approx(100 / 9)
    assert actions.MIN_GAP_MARKS is MIN_GAP_MARKS and results.MIN_GAP_MARKS is MIN_GAP_MARKS
