"""The grade card: score, behaviours, reasons, hints, and no tracebacks by default."""

from __future__ import annotations

import pytest

from conftest import HALF_DONE, Course


def test_grade_card_shows_score_and_each_behaviour(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fastapi-katas grade card*",
            "01_demo · Demo 01_demo  1/3",
            "  ✓ add() adds two numbers.",
            "  ✗ greet() greets by name. (2 pts)",
            "      greet('Ada') → expected 'Hello, Ada!', got 'Hi'",
            "  Hint: First hint for 01_demo.",
        ]
    )


def test_grade_card_replaces_tracebacks_and_the_short_summary(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo")
    output = result.stdout.str()
    assert "FAILURES" not in output
    assert "Traceback" not in output and "def test_greets" not in output
    assert "short test summary" not in output


def test_verbose_run_shows_the_full_pytest_detail(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo", "-v")
    result.stdout.fnmatch_lines(["*FAILURES*", "*def test_greets*", "*grade card*"])


def test_untouched_stub_is_shown_as_not_started(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    result = pytester.runpytest("katas/01_demo")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  not started", "*2 behaviours to make pass*"])
    assert "✗" not in result.stdout.str()


def test_edited_stub_with_no_passing_behaviour_is_in_progress(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub="def add(a, b):\n    return 1\n\ndef greet(name):\n    return ''\n")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  0/3", "  ✗ add() adds two numbers."])


def test_solved_kata_is_done(pytester: pytest.Pytester, course: Course) -> None:
    course.kata()
    result = pytester.runpytest("katas/01_demo", "--kata-target=solution")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  3/3 · done", "  graded: solution", "*Done!*"])


def test_card_covers_every_kata_of_a_run_with_a_total(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub=HALF_DONE)
    course.kata("02_other")
    result = pytester.runpytest("katas")
    result.stdout.fnmatch_lines(
        ["01_demo · Demo 01_demo  1/3", "02_other · Demo 02_other  not started", "0 of 2 katas done · 1/6 points"]
    )


def test_single_test_id_is_graded_as_a_partial_run(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo/test_kata.py::test_adds")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  1/1 · done", "*Partial run: 1 of 2 behaviours*"])


def test_xdist_run_gives_the_same_card(pytester: pytest.Pytester, course: Course) -> None:
    pytest.importorskip("xdist")
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest_subprocess("katas/01_demo", "-n", "2")
    result.stdout.fnmatch_lines(
        [
            "01_demo · Demo 01_demo  1/3",
            "  ✓ add() adds two numbers.",
            "  ✗ greet() greets by name. (2 pts)",
            "      greet('Ada') → expected 'Hello, Ada!', got 'Hi'",
        ]
    )


def test_points_marker_needs_a_positive_whole_number(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(tests="import pytest\n\n@pytest.mark.points(0)\ndef test_x(kata_module):\n    pass\n")
    result = pytester.runpytest("katas/01_demo")
    result.stderr.fnmatch_lines(["*@pytest.mark.points needs a whole number of 1 or more, got 0*"])
    assert result.ret != 0


def test_points_marker_is_registered_for_strict_markers(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo", "--strict-markers")
    result.assert_outcomes(passed=1, failed=1)


def test_no_grade_card_flag_gives_plain_pytest_output(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    result = pytester.runpytest("katas/01_demo", "--no-grade-card")
    result.assert_outcomes(passed=1, failed=1)
    assert "grade card" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*FAILURES*"])
    assert not course.progress.exists()


def test_an_exception_in_the_learners_code_points_at_its_line(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub="def add(a, b):\n    return a + b\n\ndef greet(name):\n    return name.nope()\n")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["  ✗ greet() greets by name. (2 pts)", "*stub.py:5: AttributeError: 'str' object has no attribute 'nope'"])


def test_report_option_writes_every_result_as_json(pytester: pytest.Pytester, course: Course) -> None:
    import json

    course.kata(stub=HALF_DONE)
    pytester.runpytest("katas/01_demo", "--kata-report=report.json")
    report = json.loads((pytester.path / "report.json").read_text())
    (kata,) = report["katas"]
    assert (kata["kata"], kata["score"], kata["max_score"], kata["status"]) == ("01_demo", 1, 3, "in progress")
    assert [(b["name"], b["passed"], b["points"]) for b in kata["behaviours"]] == [("test_adds", True, 1), ("test_greets", False, 2)]
    assert kata["behaviours"][1]["reason"] == "greet('Ada') → expected 'Hello, Ada!', got 'Hi'"
