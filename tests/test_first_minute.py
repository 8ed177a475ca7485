"""The first minute of a learner, and the line between the learner's pytest and the project's."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from conftest import Course

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```\n(python3 -m venv[^\n]*)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_first_command_ends_with_kata_on_the_path() -> None:
    first = readme_commands()[0]
    assert first.endswith("&& . .venv/bin/activate && kata"), first


def test_contributors_name_the_tests_folder_in_the_readme_and_ci() -> None:
    assert readme_commands()[1].endswith(".venv/bin/pytest tests")
    last = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert last.endswith(".venv/bin/pytest tests"), last


def test_a_bare_pytest_at_the_root_grades_the_course() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["katas"]


def test_a_bare_pytest_in_a_course_prints_the_card(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo")
    course.kata("02_next")
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntestpaths = ["katas"]\n')
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*fastapi-katas grade card*", "01_demo · *", "02_next · *", "0 of 2 katas done*"])
