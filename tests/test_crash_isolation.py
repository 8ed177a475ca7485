"""A learner's file that cannot be imported, exits or loops never takes the run down."""

from __future__ import annotations

import time

import pytest

from conftest import HALF_DONE, Course


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read whole card lines; the card wraps to the terminal (tested in test_grade_card)."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.parametrize(
    ("stub", "line"),
    [
        ("def add(a, b)\n    return a + b\n", "katas/01_demo/stub.py:1: SyntaxError: expected ':'"),
        ("import no_such_module_here\n", "katas/01_demo/stub.py:1: ModuleNotFoundError: No module named 'no_such_module_here'"),
        ("x = 1\nraise RuntimeError('boom at import')\n", "katas/01_demo/stub.py:2: RuntimeError: boom at import"),
    ],
    ids=["syntax-error", "import-error", "exception"],
)
def test_stub_that_fails_to_import_is_graded_zero_with_one_line(
    pytester: pytest.Pytester, course: Course, stub: str, line: str
) -> None:
    course.kata(stub=stub)
    result = pytester.runpytest("katas/01_demo")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  0/3 · does not import", f"  {line}"])
    assert result.stdout.str().count(line) == 1


def test_other_katas_are_still_graded_when_one_does_not_import(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub="def add(a, b)\n")
    course.kata("02_other", stub=HALF_DONE)
    result = pytester.runpytest("katas")
    result.assert_outcomes(passed=1, failed=1, errors=2)
    result.stdout.fnmatch_lines(["01_demo · Demo 01_demo  0/3 · does not import", "*", "02_other · Demo 02_other  1/3"])


def test_sys_exit_at_import_neither_ends_the_run_nor_passes(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub="import sys\nsys.exit(0)\n")
    course.kata("02_other", stub=HALF_DONE)
    result = pytester.runpytest("katas")
    result.assert_outcomes(passed=1, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        ["  katas/01_demo/stub.py:2: sys.exit(0) was called while the file was being imported", "*02_other*1/3"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_missing_app_is_one_clear_line(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(tests="def test_root(client):\n    '''GET / works.'''\n    client.get('/')\n", pristine="")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["  ✗ GET / works.", "      katas/01_demo/stub.py defines no `app`"])


def test_endless_loop_at_import_is_stopped_by_the_time_limit(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub="while True:\n    pass\n")
    course.kata("02_other", stub=HALF_DONE)
    started = time.monotonic()
    result = pytester.runpytest_subprocess("katas", "--kata-timeout=1")
    assert time.monotonic() - started < 20
    result.stdout.fnmatch_lines(["*01_demo · Demo 01_demo  0/3 · does not import", "*importing it took longer than 1 s*", "*02_other*1/3"])


ENDLESS_HANDLER_TESTS = '''
def test_root(client):
    """GET / answers."""
    assert client.get("/").status_code == 200

def test_other(client):
    """GET /other answers."""
    assert client.get("/other").status_code == 200

def test_third(client):
    """GET /third answers."""
    assert client.get("/third").status_code == 200
'''

ENDLESS_HANDLER_STUB = '''
from fastapi import FastAPI
app = FastAPI()

@app.get("/")
async def root():
    while True:
        pass

@app.get("/other")
def other():
    return {}
'''


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_endless_loop_in_a_handler_is_stopped_and_the_kata_moves_on(pytester: pytest.Pytester, course: Course, kind: str) -> None:
    stub = ENDLESS_HANDLER_STUB if kind == "async" else ENDLESS_HANDLER_STUB.replace("async def root", "def root")
    course.kata("01_demo", stub=stub, tests=ENDLESS_HANDLER_TESTS)
    course.kata("02_other", stub=HALF_DONE)
    started = time.monotonic()
    result = pytester.runpytest_subprocess("katas", "--kata-timeout=2", timeout=60)
    elapsed = time.monotonic() - started
    result.stdout.fnmatch_lines(
        [
            "  ✗ GET / answers.",
            "      the test took longer than 2 s (an endless loop or a hang?)",
            "  ✗ GET /other answers.",
            "      not graded: an earlier behaviour of this kata hung*",
            "*02_other*1/3",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert elapsed < 30, f"the run took {elapsed:.1f} s"


def test_marker_sets_a_tests_time_limit(pytester: pytest.Pytester, course: Course) -> None:
    tests = "import pytest, time\n\n@pytest.mark.kata_timeout(1)\ndef test_slow(kata_module):\n    '''Slow.'''\n    time.sleep(5)\n"
    course.kata(tests=tests, pristine="")
    started = time.monotonic()
    result = pytester.runpytest_subprocess("katas/01_demo")
    assert time.monotonic() - started < 5
    result.stdout.fnmatch_lines(["*the test took longer than 1 s*"])


def test_a_broken_lifespan_is_one_line_naming_the_learners_line(pytester: pytest.Pytester, course: Course) -> None:
    stub = (
        "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    raise RuntimeError('no model file')\n    yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    )
    tests = "def test_root(client):\n    '''GET / works.'''\n    client.get('/')\n"
    course.kata(stub=stub, tests=tests, pristine="")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(
        ["  ✗ GET / works.", "      katas/01_demo/stub.py:6: starting the app (its lifespan startup) failed: RuntimeError: no model file"]
    )
