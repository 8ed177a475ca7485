"""Solutions that break one README rule fail a test of that rule.

Each file under tests/wrong_solutions/<kata>/ is the kata's reference solution with one
mistake, and its docstring opens with "Breaks rule N: ...". Grading it must fail at least one
test marked ``@pytest.mark.rule(N)``: the rule is checked, not just the happy path around it.
(Mutation testing, ``tools/mutate.py``, changes tokens; these change what a learner gets wrong.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from graders.commands.verify import grade_outcomes
from graders.manifest import load_manifest
from graders.traceability import rules_named_by_tests

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest(ROOT / "katas" / "katas.toml")
WRONG = ROOT / "tests" / "wrong_solutions"
BREAKS = re.compile(r"^Breaks rule (\d+):")
FILES = sorted(WRONG.glob("*/*.py"))


def broken_rule(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    match = BREAKS.match(doc)
    assert match, f"{path.relative_to(ROOT)}: its docstring must open with 'Breaks rule N: ...'"
    return match.group(1)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(WRONG)) for p in FILES])
def test_a_solution_that_breaks_a_rule_fails_a_test_of_that_rule(path: Path) -> None:
    kata = MANIFEST.by_dir(path.parent.name)
    assert kata is not None, f"{path.relative_to(ROOT)} is not filed under a kata's folder name"
    rule = broken_rule(path)
    rules = rules_named_by_tests(kata.tests.read_text(encoding="utf-8"))
    outcomes = grade_outcomes(kata, str(path), ROOT)
    failing = sorted(name for name, outcome in outcomes.items() if outcome != "passed")
    of_rule = [name for name in failing if rule in rules.get(name.partition("[")[0], [])]
    assert of_rule, f"{path.relative_to(ROOT)} breaks rule {rule}, but no test of rule {rule} fails (failing: {failing})"
