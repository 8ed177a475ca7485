"""A kata whose file is slow to import is imported once and each test runs in a fork (graders.judge.forked).

Every import of these stubs appends a line to a file, so a test can count them; the control
runs the same kata with ``KATA_NO_FORK=1``, where each test imports the file itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Course, process_alive

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="tests fork only where the system can")

SLOW_STUB = """
import os, time
time.sleep(0.08)  # a slow import, like hashing the fake users' passwords with scrypt
with open(os.environ["KATA_IMPORT_LOG"], "a") as log:
    log.write(os.environ.get("KATA_FLAVOUR", "plain") + "\\n")
STORE = {}
FLAVOUR = os.environ.get("KATA_FLAVOUR", "plain")

def remember(key):
    STORE[key] = True
    return sorted(STORE)
"""

ISOLATION_TESTS = '''
import pytest

@pytest.mark.parametrize("key", ["a", "b", "c", "d", "e"])
def test_each_test_sees_the_module_as_imported(kata_module, key):
    """STORE is empty when the test starts, whatever the tests before it put in."""
    assert kata_module.STORE == {}
    assert kata_module.remember(key) == [key]

def test_an_environment_set_before_the_import_is_seen(monkeypatch, request):
    """A test that changes the environment before the file is imported gets an import of its own."""
    monkeypatch.setenv("KATA_FLAVOUR", "spicy")
    assert request.getfixturevalue("kata_module").FLAVOUR == "spicy"
'''


@pytest.fixture
def import_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "imports.log"
    monkeypatch.setenv("KATA_IMPORT_LOG", str(log))
    monkeypatch.setenv("COLUMNS", "200")
    return log


def grade(pytester: pytest.Pytester, course: Course, stub: str, tests: str) -> pytest.RunResult:
    """The demo kata with ``stub`` and ``tests``, graded by a learner's pytest of its own."""
    course.kata(stub=stub, tests=tests, pristine="")
    return pytester.runpytest_subprocess("katas/01_demo", timeout=120)


@pytest.fixture(params=[True, False], ids=["forked", "control-no-fork"])
def forks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways: with forks, and the control where each test imports the file itself."""
    if not request.param:
        monkeypatch.setenv("KATA_NO_FORK", "1")
    return bool(request.param)


def test_a_slow_import_is_paid_once_and_every_test_still_starts_fresh(
    pytester: pytest.Pytester, course: Course, import_log: Path, forks: bool
) -> None:
    result = grade(pytester, course, SLOW_STUB, ISOLATION_TESTS)
    result.stdout.fnmatch_lines(["*01_demo · Demo 01_demo  6/6*"])
    imports = import_log.read_text().split()
    assert imports.count("spicy") == 1
    # forked: one import to fork from, one for the first test (run unforked, timing a fresh import)
    assert imports.count("plain") == (2 if forks else 5)


CRASHING_STUB = """
import ctypes, os, time
time.sleep(0.08)
with open(os.environ["KATA_IMPORT_LOG"], "a") as log:
    log.write("plain\\n")

def crash():
    ctypes.string_at(0)  # a segmentation fault: native code gone wrong

def fine():
    return "fine"
"""

CRASH_TESTS = '''
def test_first(learner):
    """The first test runs unforked."""
    assert learner.call("fine") == "fine"

def test_native_crash(learner):
    """A crash in native code."""
    learner.call("crash")

def test_after(learner):
    """The test after the crash still runs."""
    assert learner.call("fine") == "fine"
'''


def test_a_crash_in_native_code_fails_one_test_and_the_run_goes_on(
    pytester: pytest.Pytester, course: Course, import_log: Path
) -> None:
    result = grade(pytester, course, CRASHING_STUB, CRASH_TESTS)
    result.stdout.fnmatch_lines(
        [
            "*01_demo · Demo 01_demo  2/3*",
            "  ✗ A crash in native code.",
            "      the test's process was ended by SIGSEGV while the test ran*",
        ]
    )


WARNING_STUB = """
import os, time, warnings
time.sleep(0.08)
with open(os.environ["KATA_IMPORT_LOG"], "a") as log:
    log.write("plain\\n")

def old():
    warnings.warn("old() is deprecated", DeprecationWarning, stacklevel=1)
    return 1
"""

IMPORT_WARNING_STUB = WARNING_STUB + "\nwarnings.warn('imported the old way', DeprecationWarning)\n"

WARNING_TESTS = '''
import pytest

@pytest.mark.parametrize("n", [1, 2, 3])
def test_calls_old(learner, n):
    """old() answers 1."""
    assert learner.call("old") == 1
'''


def test_warnings_raised_in_forks_are_summed_on_the_card(
    pytester: pytest.Pytester, course: Course, import_log: Path
) -> None:
    result = grade(pytester, course, WARNING_STUB, WARNING_TESTS)
    assert import_log.read_text().split().count("plain") == 2  # the later tests did fork
    result.stdout.fnmatch_lines(
        ["  ! 3× katas/01_demo/stub.py:8: DeprecationWarning: old() is deprecated", "*3 passed, 3 warnings*"]
    )


SERVED_STUB = """
import os, time
from fastapi import FastAPI
time.sleep(0.08)
with open(os.environ["KATA_IMPORT_LOG"], "a") as log:
    log.write("plain\\n")
app = FastAPI()

@app.get("/")
def root():
    return {"pid": os.getpid()}

def spin():
    while True:
        pass
"""

SERVED_TESTS = '''
import os
import pytest

def pid_seen():
    with open(os.environ["KATA_IMPORT_LOG"] + ".pids", "a") as pids:
        pids.write(f"{os.getpid()}\\n")

def test_first(learner):
    """The first test times a fresh import."""
    pid_seen()

@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_server_answers(learner, serve, n):
    """A real server answers, in every test."""
    pid_seen()
    with serve().client() as http:
        assert http.get("/").status_code == 200

@pytest.mark.kata_timeout(2)
def test_hangs(learner):
    """A call that never returns."""
    learner.call("spin")

def test_after_the_hang(learner):
    """Not graded once the kata hung."""
'''


def test_forked_tests_share_the_launcher_and_a_hang_stops_the_kata(
    pytester: pytest.Pytester, course: Course, import_log: Path
) -> None:
    result = grade(pytester, course, SERVED_STUB, SERVED_TESTS)
    result.stdout.fnmatch_lines(
        [
            "*01_demo · Demo 01_demo  4/6*",
            "  ✗ A call that never returns.",
            "*longer than 2 s*",
            "  ✗ Not graded once the kata hung.",
            "*an earlier behaviour of this kata hung*",
        ]
    )
    # one import to fork from, one in the first test, one in each server (a process of its own)
    assert import_log.read_text().split().count("plain") == 5
    assert len(set(Path(f"{import_log}.pids").read_text().split())) == 4  # the server tests ran in forks


FORWARD_REFERENCE_STUB = """
import os, time
from pydantic import BaseModel
time.sleep(0.08)
with open(os.environ["KATA_IMPORT_LOG"], "a") as log:
    log.write("plain\\n")

class TokenData(BaseModel):
    claims: "Claims"  # defined below: Pydantic resolves it through sys.modules at first use

class Claims(BaseModel):
    sub: str

def subject():
    return TokenData(claims=Claims(sub="ada")).claims.sub
"""

FORWARD_REFERENCE_TESTS = '''
import pytest

@pytest.mark.parametrize("n", [1, 2, 3])
def test_subject(learner, n):
    """A model with a forward reference validates in every test."""
    assert learner.call("subject") == "ada"
'''


def test_a_forward_reference_resolves_to_the_forks_own_module(
    pytester: pytest.Pytester, course: Course, import_log: Path
) -> None:
    result = grade(pytester, course, FORWARD_REFERENCE_STUB, FORWARD_REFERENCE_TESTS)
    result.stdout.fnmatch_lines(["*01_demo · Demo 01_demo  3/3*"])
    assert import_log.read_text().split().count("plain") == 2  # the later tests did fork


INTERRUPTED_TESTS = '''
import os, time

def test_first(learner):
    """Times the import."""

def test_waits(learner, serve):
    """Starts a server, then waits to be interrupted."""
    server = serve()
    with open(os.environ["KATA_IMPORT_LOG"] + ".server", "w") as note:
        note.write(str(server.process.pid))
    time.sleep(60)
'''


def test_a_ctrl_c_during_a_forked_test_ends_the_run_once_and_leaves_no_server(
    pytester: pytest.Pytester, course: Course, import_log: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    course.kata(stub=SERVED_STUB, tests=INTERRUPTED_TESTS, pristine="")
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "katas/01_demo"],
        cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    note = Path(f"{import_log}.server")
    deadline = time.monotonic() + 60
    while not note.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert note.exists(), "the server test never started"
    time.sleep(0.3)
    os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole foreground group
    output, _ = run.communicate(timeout=60)
    assert "INTERNALERROR" not in output and output.count("grade card") <= 1, output
    server = int(note.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and process_alive(server):
        time.sleep(0.05)
    assert not process_alive(server), "the forked test's server outlived the interrupted run"


def test_a_warning_at_import_counts_once_per_test_as_without_forks(
    pytester: pytest.Pytester, course: Course, import_log: Path, forks: bool
) -> None:
    result = grade(pytester, course, IMPORT_WARNING_STUB, WARNING_TESTS)
    result.stdout.fnmatch_lines(["  ! 3× katas/01_demo/stub.py:11: DeprecationWarning: imported the old way"])
    assert import_log.read_text().split().count("plain") == (2 if forks else 3)
