"""--kata-target, $KATA_TARGET and the kata_target ini option decide what is graded."""

from __future__ import annotations

import pytest

from conftest import SOLUTION, Course


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read whole card lines (long paths); the card wraps to the terminal (test_grade_card)."""
    monkeypatch.setenv("COLUMNS", "200")


def test_default_target_is_the_stub(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    pytester.runpytest("katas/01_demo").assert_outcomes(failed=2)


def test_solution_target_grades_the_reference_solution(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    pytester.runpytest("katas/01_demo", "--kata-target=solution").assert_outcomes(passed=2)


def test_path_target_grades_that_file(pytester: pytest.Pytester, course: Course, write_file) -> None:
    course.kata()
    other = write_file("elsewhere/my_other_solution.py", SOLUTION)
    result = pytester.runpytest("katas/01_demo", f"--kata-target={other}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"  graded: {other}"])


def test_relative_path_target_is_read_from_where_pytest_runs(pytester: pytest.Pytester, course: Course, write_file) -> None:
    course.kata()
    write_file("elsewhere/mine.py", SOLUTION)
    pytester.runpytest("katas/01_demo", "--kata-target=elsewhere/mine.py").assert_outcomes(passed=2)


def test_folder_target_grades_each_katas_file_inside_it(pytester: pytest.Pytester, course: Course, write_file) -> None:
    course.kata("01_demo")
    course.kata("02_other")
    write_file("student/01_demo/stub.py", SOLUTION)
    write_file("student/02_other/stub.py", "def add(a, b):\n    return a + b\n")
    result = pytester.runpytest("katas", "--kata-target=student")
    result.assert_outcomes(passed=3, failed=1)


def test_environment_variable_sets_the_target(pytester: pytest.Pytester, course: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    course.kata()
    monkeypatch.setenv("KATA_TARGET", "solution")
    pytester.runpytest("katas/01_demo").assert_outcomes(passed=2)


def test_ini_option_sets_the_target(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    pytester.makeini("[pytest]\nkata_target = solution\n")
    pytester.runpytest("katas/01_demo").assert_outcomes(passed=2)


def test_command_line_wins_over_environment(pytester: pytest.Pytester, course: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    course.kata()
    monkeypatch.setenv("KATA_TARGET", "solution")
    pytester.runpytest("katas/01_demo", "--kata-target=stub").assert_outcomes(failed=2)


@pytest.mark.parametrize(
    ("how", "source"),
    [("cli", "--kata-target"), ("env", "environment variable KATA_TARGET"), ("ini", "ini option kata_target")],
)
def test_bad_target_is_reported_with_where_it_came_from(
    pytester: pytest.Pytester, course: Course, monkeypatch: pytest.MonkeyPatch, how: str, source: str
) -> None:
    course.kata()
    args = ["katas/01_demo"]
    if how == "cli":
        args.append("--kata-target=nowhere.txt")
    elif how == "env":
        monkeypatch.setenv("KATA_TARGET", "nowhere.txt")
    else:
        pytester.makeini("[pytest]\nkata_target = nowhere.txt\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{source}: 'nowhere.txt' is not 'stub', 'solution', a .py file or a folder of katas*"])


def test_bad_timeout_is_reported_with_where_it_came_from(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    result = pytester.runpytest("katas/01_demo", "--kata-timeout=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--kata-timeout: 'soon' is not a number of seconds*"])


def test_solution_and_path_runs_leave_learner_progress_alone(pytester: pytest.Pytester, course: Course, write_file) -> None:
    course.kata()
    other = write_file("mine.py", SOLUTION)
    pytester.runpytest("katas/01_demo", "--kata-target=solution")
    pytester.runpytest("katas/01_demo", f"--kata-target={other}")
    assert not course.progress.exists()
