"""Wrong apps fail a test of the README rule they break: the tests catch each mistake.

Each file under tests/wrong_apps/<kata>/ is a learner's file that gets one rule of the
kata wrong. Its docstring says which ("Breaks rule N: ..." or "... (breaks rule N)"), and
may list on a ``Fails: test_a, test_b[param]`` line tests that must fail on it. Grading it
(``--kata-target``, as a learner's pytest does) must fail at least one test marked
``@pytest.mark.rule(N)``: the rule is checked, not just the happy path around it.
Correct solutions in other styles, which must pass everything, are in tests/alt_solutions;
patches of the reference solution, graded by tools/mutate.py, in tools/mutants.
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
WRONG_APPS = ROOT / "tests" / "wrong_apps"
BREAKS = re.compile(r"\bbreaks rule (\d+)\b", re.IGNORECASE)
FAILS = re.compile(r"^Fails:\s*(.+)$", re.MULTILINE)
APPS = sorted(WRONG_APPS.glob("*/*.py"))


def broken_rule(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    match = BREAKS.search(doc)
    assert match, f"{path.relative_to(ROOT)}: its docstring must say which rule it breaks ('Breaks rule N: ...')"
    return match.group(1)


def must_fail(path: Path) -> list[str]:
    found = FAILS.search(path.read_text(encoding="utf-8"))
    return [name.strip() for name in found.group(1).split(",") if name.strip()] if found else []


@pytest.mark.parametrize("path", APPS, ids=[str(p.relative_to(WRONG_APPS)) for p in APPS])
def test_a_wrong_app_fails_a_test_of_the_rule_it_breaks(path: Path) -> None:
    kata = MANIFEST.by_dir(path.parent.name)
    assert kata is not None, f"{path.relative_to(ROOT)} is not filed under a kata's folder name"
    rule = broken_rule(path)
    rules = rules_named_by_tests(kata.tests.read_text(encoding="utf-8"))
    outcomes = grade_outcomes(kata, str(path), ROOT)
    failing = sorted(name for name, outcome in outcomes.items() if outcome != "passed")
    of_rule = [name for name in failing if rule in rules.get(name.partition("[")[0], [])]
    assert of_rule, f"{path.relative_to(ROOT)} breaks rule {rule}, but no test of rule {rule} fails (failing: {failing})"
    expected = must_fail(path)
    unknown = [name for name in expected if name not in outcomes]
    assert not unknown, f"{path.name} names tests the kata does not have: {unknown}"
    passed = [name for name in expected if outcomes[name] == "passed"]
    assert not passed, f"{path.relative_to(ROOT)} is wrong, but these tests pass on it: {passed}"


def test_every_kata_after_the_first_ten_has_three_wrong_apps() -> None:
    """Katas 12 and on (11 grades tests, its broken versions are its wrong apps) come with three or more."""
    for kata in MANIFEST.katas:
        if int(kata.number) >= 12:
            apps = list((WRONG_APPS / kata.dir).glob("*.py"))
            assert len(apps) >= 3, f"{kata.dir}: {len(apps)} wrong apps in tests/wrong_apps, expected 3 or more"
