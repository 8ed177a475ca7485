"""Traceability: README rules and the tests that name them, matched without running anything."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import HALF_DONE, Course
from graders.manifest import load_manifest
from graders.traceability import readme_rules, rules_named_by_tests, trace_files

README = """\
# 99 · Demo

## Your task

1. `GET /` answers 200.
2. `POST /items` answers 201.

```
3. inside a code block: not a rule
```

### 3. A heading can number a rule too

  4. an indented item belongs to rule 3, not a rule of its own

## Grade it

5. after the task: not a rule
"""

TESTS = '''
import pytest
from pytest import mark

@pytest.mark.rule(1)
def test_root(): ...

@mark.rule(2, "3")
def test_items(): ...

def test_nothing_named(): ...

@pytest.mark.rule(7)
def test_unknown(): ...

@pytest.mark.rule(3)
class TestGroup:
    def test_inherits(self): ...

def helper(): ...
'''


def test_rules_are_the_numbered_items_of_your_task_only() -> None:
    assert readme_rules(README) == ["1", "2", "3"]


def test_each_test_names_its_rules_by_marker_including_a_class_marker() -> None:
    assert rules_named_by_tests(TESTS) == {
        "test_root": ["1"],
        "test_items": ["2", "3"],
        "test_nothing_named": [],
        "test_unknown": ["7"],
        "TestGroup::test_inherits": ["3"],
    }


def test_trace_lists_every_kind_of_gap(tmp_path) -> None:
    readme, tests = tmp_path / "README.md", tmp_path / "test_kata.py"
    readme.write_text(README + "\n")
    tests.write_text("import pytest\n\n@pytest.mark.rule(1)\ndef test_root(): ...\n\ndef test_bare(): ...\n"
                     "\n@pytest.mark.rule(9)\ndef test_far(): ...\n")  # fmt: skip
    trace = trace_files(readme, tests)
    assert trace.rules_without_tests == ["2", "3"]
    assert trace.tests_without_rules == ["test_bare"]
    assert trace.unknown_rules == {"test_far": ["9"]}
    assert len(trace.problems) == 3


def test_a_failing_behaviour_points_the_learner_to_its_rule(pytester: pytest.Pytester, course: Course) -> None:
    tests = '''
    import pytest

    @pytest.mark.rule(1)
    def test_adds(kata_module):
        """add() adds two numbers."""
        assert kata_module.add(2, 3) == 5

    @pytest.mark.rule(2, 3)
    def test_greets(kata_module):
        """greet() greets by name."""
        assert kata_module.greet("Ada") == "Hello, Ada!", "greet('Ada') → expected 'Hello, Ada!'"
    '''
    course.kata(stub=HALF_DONE, tests=tests)
    result = pytester.runpytest("katas/01_demo", "--kata-report=report.json")
    result.stdout.fnmatch_lines(["  ✓ add() adds two numbers.", "  ✗ greet() greets by name. · README rules 2, 3"])
    behaviours = json.loads((pytester.path / "report.json").read_text())["katas"][0]["behaviours"]
    assert [b["rules"] for b in behaviours] == [["1"], ["2", "3"]]


def test_kata_verify_rules_names_the_gaps(pytester: pytest.Pytester, course: Course, monkeypatch) -> None:
    from typer.testing import CliRunner

    from graders.commands.cli import app

    course.kata(tests=textwrap.dedent(TESTS.replace("...", "pass")))
    (pytester.path / "katas" / "01_demo" / "README.md").write_text(README)
    monkeypatch.chdir(pytester.path)
    result = CliRunner().invoke(app, ["verify", "--rules", "01"], env={"COLUMNS": "200"})
    assert result.exit_code != 0
    assert "tests without @pytest.mark.rule: test_nothing_named" in result.output, result.output
    assert "test_unknown names rules the README does not have: 7" in result.output, result.output


@pytest.mark.parametrize("kata", load_manifest(__import__("pathlib").Path(__file__).resolve().parent.parent
                                               / "katas" / "katas.toml").katas, ids=lambda k: k.id)  # fmt: skip
def test_every_rule_of_every_kata_has_a_test_and_every_test_names_a_rule(kata) -> None:
    trace = trace_files(kata.readme, kata.tests)
    assert not trace.problems, f"{kata.id}: " + "; ".join(trace.problems)
