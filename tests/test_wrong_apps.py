"""Wrong apps fail the behaviours of the README rule they break: the tests catch each mistake.

Each file under tests/wrong_apps/<kata>/ is a learner's file that gets one rule of the kata
wrong (its docstring says which) and lists, on a line ``Fails: test_a, test_b[param]``, the
tests that must fail on it. It is graded as a learner's pytest grades it (``--kata-target``).
The independently written correct solutions, which must pass everything, are in
tests/alt_solutions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graders.commands.verify import grade_outcomes
from graders.manifest import load_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest(ROOT / "katas" / "katas.toml")
WRONG_APPS = ROOT / "tests" / "wrong_apps"
FAILS = re.compile(r"^Fails:\s*(.+)$", re.MULTILINE)

APPS = sorted(WRONG_APPS.glob("*/*.py"))


def must_fail(path: Path) -> list[str]:
    found = FAILS.search(path.read_text(encoding="utf-8"))
    assert found, f"{path.relative_to(ROOT)} names no tests on a 'Fails:' line"
    return [name.strip() for name in found.group(1).split(",") if name.strip()]


@pytest.mark.parametrize("path", APPS, ids=[str(p.relative_to(WRONG_APPS)) for p in APPS])
def test_wrong_app_fails_the_behaviours_of_the_rule_it_breaks(path: Path) -> None:
    kata = MANIFEST.by_dir(path.parent.name)
    assert kata is not None, f"{path.parent.name} is not a kata of the manifest"
    expected = must_fail(path)
    outcomes = grade_outcomes(kata, str(path), ROOT)
    unknown = [name for name in expected if name not in outcomes]
    assert not unknown, f"{path.name} names tests the kata does not have: {unknown}"
    passed = [name for name in expected if outcomes[name] == "passed"]
    assert not passed, f"{path.relative_to(ROOT)} is wrong, but these tests pass on it: {passed}"


def test_every_new_kata_has_three_wrong_apps() -> None:
    """Katas 15 and on come with at least three wrong apps, each breaking one rule."""
    for kata in MANIFEST.katas:
        if int(kata.number) >= 15:
            apps = list((WRONG_APPS / kata.dir).glob("*.py"))
            assert len(apps) >= 3, f"{kata.dir}: {len(apps)} wrong apps in tests/wrong_apps, expected 3 or more"
