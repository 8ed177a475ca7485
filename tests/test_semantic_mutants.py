"""The wrong apps the issue tracker reported as passing now fail, and fail on the rule they break.

Each is an authored mutant marked ``suite = true`` in ``tools/mutants/NN_topic.toml``: a
reference solution with one README rule broken the way a learner's app broke it. The
whole set (and the generated mutants) is graded by ``tools/mutate.py``; these few run
with every test run, so a change to a kata's tests cannot quietly let them pass again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import mutate  # noqa: E402
from authored_mutants import authored_mutants  # noqa: E402

from graders.manifest import load_manifest  # noqa: E402

MANIFEST = load_manifest(ROOT / "katas" / "katas.toml")
CASES = [
    (kata, mutate.Mutant(0, made.what, made.source, made.file, "authored", made.rule))
    for kata in MANIFEST.katas
    for made in authored_mutants(kata.dir, kata.solution.parent)
    if made.suite
]


@pytest.mark.parametrize(("kata", "mutant"), CASES, ids=[f"{k.id}:{m.what}"[:90] for k, m in CASES])
def test_a_reported_wrong_app_fails_on_the_rule_it_breaks(kata, mutant) -> None:
    outcome = mutate.grade(kata, mutant)
    assert outcome.killed, f"{kata.id}: this wrong app passes every test: {mutant.label}"
    assert mutant.rule in outcome.failed_rules, (
        f"{kata.id}: {mutant.label} fails only tests of rules {sorted(outcome.failed_rules)}"
    )


def test_the_reported_classes_are_all_here() -> None:
    katas = {kata.id for kata, _ in CASES}
    expected = {"01_first_app", "02_path_query", "03_models", "04_validation_errors", "05_dependencies",
                "07_auth", "09_asgi_lifespan", "10_deployment"}  # fmt: skip
    assert expected <= katas, f"no suite mutant for {sorted(expected - katas)}"
