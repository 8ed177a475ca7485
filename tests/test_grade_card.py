"""The grade card: score, behaviours, reasons, hints, and no tracebacks by default."""

from __future__ import annotations

import pytest

from conftest import HALF_DONE, PASSING_AND_FAILING_TESTS, Course
from graders.judge.card import fit_reason, render_card
from graders.judge.model import Behaviour, KataResult
from graders.manifest import Kata


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
            "  Hint 1/3: First hint for 01_demo.",
        ]
    )


def test_the_card_shows_the_furthest_hint_the_learner_asked_for(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    progress = course.progress
    progress.parent.mkdir(parents=True, exist_ok=True)
    progress.write_text('{"format_version": 1, "katas": {}, "hints_shown": {"01_demo": 2}}')
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["  Hint 2/3: Second hint.", "  More: `*kata hint` the next hint ·*"])
    progress.write_text('{"format_version": 1, "katas": {}, "hints_shown": {"01_demo": 3}}')
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["  Hint 3/3: Third hint.", "  More: `*pytest -v katas/01_demo` every detail"])
    assert "the next hint" not in result.stdout.str()


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
    result.stdout.fnmatch_lines(
        ["01_demo · Demo 01_demo  not started", "*2 behaviours to make pass*", "  Hint 1/3: First hint for 01_demo."]
    )
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
    result.stdout.fnmatch_lines(["  ✗ greet() greets by name. (2 pts)", "*stub.py:5: AttributeError: 'str' object has no attribute*"])


def test_report_option_writes_every_result_as_json(pytester: pytest.Pytester, course: Course) -> None:
    import json

    course.kata(stub=HALF_DONE)
    pytester.runpytest("katas/01_demo", "--kata-report=report.json")
    report = json.loads((pytester.path / "report.json").read_text())
    (kata,) = report["katas"]
    assert (kata["kata"], kata["score"], kata["max_score"], kata["status"]) == ("01_demo", 1, 3, "in progress")
    assert [(b["name"], b["passed"], b["points"]) for b in kata["behaviours"]] == [("test_adds", True, 1), ("test_greets", False, 2)]
    assert kata["behaviours"][1]["reason"] == "greet('Ada') → expected 'Hello, Ada!', got 'Hi'"


LONG_BODY = "{" + ", ".join(f"'field_{n}': 'value number {n}'" for n in range(30)) + "}"
LONG_VERDICT = "expected 201 with the user's id, got 500: Internal Server Error (the verdict)"
LONG_HINT = (
    "A long hint with code that must not be split: `oauth2_scheme = OAuth2PasswordBearer(tokenUrl=\"token\")` "
    + "and more words " * 20
)


def long_result(tmp_path) -> tuple[KataResult, Kata]:
    kata = Kata(
        id="07_auth", dir="07_auth", title="OAuth2 password flow with JWT", question="How do you secure it?",
        hints=(LONG_HINT, "Second.", "Third."), stub_sha256="", katas_dir=tmp_path,
    )  # fmt: skip
    result = KataResult(kata_dir="07_auth", title=kata.title, tests_in_module=3)
    passing = "a behaviour whose description is long enough to need a second line at eighty columns, surely"
    result.behaviours["a"] = Behaviour("a", "test_a", passing, 1, order=0)
    failing = Behaviour("b", "test_b", "POST /users with a long body answers 201", 2, order=1)
    failing.fail(f"POST /users {LONG_BODY} → {LONG_VERDICT}")
    result.behaviours["b"] = failing
    crashing = Behaviour("c", "test_c", "GET /users/me answers the user", 1, order=2)
    crashing.fail("katas/07_auth/stub.py:12: ValueError: " + "a very long message " * 30)
    result.behaviours["c"] = crashing
    return result, kata


@pytest.mark.parametrize("width", [80, 120])
def test_card_fits_the_terminal_and_keeps_each_verdict(tmp_path, width: int) -> None:
    result, kata = long_result(tmp_path)
    lines = [line.text for line in render_card(result, kata, "stub", width=width)]
    assert all(len(line) <= width for line in lines), "\n".join(line for line in lines if len(line) > width)
    text = " ".join(" ".join(lines).split())
    assert LONG_VERDICT in text, "the verdict after the arrow survives the cut"
    assert "POST /users {'field_0'" in text and "…" in text, "the request echo is what is cut"
    assert 'OAuth2PasswordBearer(tokenUrl="token")`' in "\n".join(lines), "a code span is never split"
    assert "surely" in text, "descriptions wrap, never cut"
    continuation = [line for line in lines if line and not line.startswith("  ")]
    assert continuation == ["07_auth · OAuth2 password flow with JWT  1/4"], "every other line is indented"


def test_a_rule_reference_is_never_split_across_lines(tmp_path) -> None:
    result, kata = long_result(tmp_path)
    for extra in range(0, 60):  # the reference lands at every place of a line, the end included
        behaviour = Behaviour("b", "test_b", "A behaviour " + "x" * extra, 1, order=1, rules=("3", "4"))
        behaviour.fail("a reason")
        result.behaviours["b"] = behaviour
        lines = [line.text.strip() for line in render_card(result, kata, "stub", width=80)]
        assert any("README rules 3, 4" in line for line in lines), "\n".join(lines)


def test_a_cut_reason_keeps_its_verdict_whatever_the_echo() -> None:
    reason = fit_reason("GET /x " + "y" * 1000 + " → expected 'a', got 'b'", 40, lines=2)
    assert reason.endswith("→ expected 'a', got 'b'") and len(reason) <= 80


def test_card_follows_the_terminal_width(pytester: pytest.Pytester, course: Course, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    course.kata(stub=HALF_DONE, tests=LONG_TESTS)
    result = pytester.runpytest("katas/01_demo")
    card = result.stdout.str().split("grade card", 1)[1].splitlines()[1:]
    assert all(len(line) <= 80 for line in card), "\n".join(card)
    assert "got 'Hi' (the verdict)" in " ".join(" ".join(card).split())


LONG_TESTS = """
def test_greets(kata_module):
    \"\"\"greet() greets by name.\"\"\"
    got = kata_module.greet("Ada")
    assert got == "Hello, Ada!", f"greet({'Ada ' * 80!r}) → expected 'Hello, Ada!', got {got!r} (the verdict)"
"""


def test_a_reason_shared_by_every_failure_is_written_once(pytester: pytest.Pytester, course: Course) -> None:
    tests = "".join(f"def test_{n}(kata_module):\n    assert kata_module.app\n\n" for n in range(4))
    course.kata(stub="x = 1\n", tests=tests)
    result = pytester.runpytest("katas/01_demo")
    output = result.stdout.str()
    assert output.count("defines no `app`") == 1, output
    result.stdout.fnmatch_lines(["  ✗ 3", "  Every ✗ above fails for one reason:", "*stub.py defines no `app`*"])


def test_a_reason_shared_by_some_failures_is_written_once(pytester: pytest.Pytester, course: Course) -> None:
    tests = "def test_a(kata_module):\n    assert kata_module.app\n\ndef test_b(kata_module):\n    assert kata_module.app\n"
    course.kata(stub="x = 1\n", tests=tests)
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["  ✗ a", "      katas/01_demo/stub.py defines no `app`, which the test uses", "  ✗ b (same reason as above)"])


def test_a_missing_module_points_at_what_is_installed(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub="import jwt\n")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["*does not import*", "*No module named 'jwt'*", "*python-jose is*", "*from jose import jwt*"])


def test_an_answer_the_test_cannot_read_is_said_plainly(pytester: pytest.Pytester, course: Course) -> None:
    tests = "def test_reads(kata_module):\n    assert kata_module.answer()['message'] == 'hi'\n"
    course.kata(stub="def answer():\n    pass\n", tests=tests, pristine="")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["*the test could not read your app's answer (TypeError: 'NoneType'*"])


WARNING_STUB = """
import warnings

def add(a, b):
    warnings.warn("add() is deprecated, use plus()", DeprecationWarning)
    return a + b

def greet(name):
    return "Hi"
"""


def test_warnings_are_summarised_on_the_card(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=WARNING_STUB, tests=PASSING_AND_FAILING_TESTS + TWICE)
    result = pytester.runpytest("katas/01_demo")
    output = result.stdout.str()
    assert "warnings summary" not in output
    result.stdout.fnmatch_lines(["*! 2× katas/01_demo/stub.py:5: DeprecationWarning: add() is deprecated*"])
    verbose = pytester.runpytest("katas/01_demo", "-v")
    verbose.stdout.fnmatch_lines(["*warnings summary*"])


TWICE = """
def test_adds_again(kata_module):
    \"\"\"add() adds again.\"\"\"
    assert kata_module.add(1, 1) == 2
"""
