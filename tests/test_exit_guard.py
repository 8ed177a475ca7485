"""An app that ends its own process (os._exit in its shutdown, a kill of itself) still gets a card.

In learner mode the app runs inside pytest, so without the guard an ``os._exit(1)`` in a
lifespan's shutdown would end the run with no card at all (issue 12).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HALF_DONE, Course
from graders.judge.exits import ExitGuard, ProcessExit


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read whole card lines; the card wraps to the terminal."""
    monkeypatch.setenv("COLUMNS", "200")


LIFESPAN_STUB = """
import os, signal
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app):
    yield
    {shutdown}

app = FastAPI(lifespan=lifespan)

@app.get("/")
def root():
    return {{"ok": True}}
"""

CLIENT_TESTS = '''
def test_root(client):
    """GET / answers 200."""
    assert client.get("/").status_code == 200
'''


@pytest.mark.parametrize(
    ("shutdown", "called"),
    [
        ("os._exit(1)", "os._exit(1)"),
        ("os.kill(os.getpid(), signal.SIGKILL)", "os.kill(os.getpid(), SIGKILL)"),
    ],
    ids=["os._exit", "kill-self-SIGKILL"],
)
def test_a_shutdown_that_ends_the_process_fails_its_behaviour_with_a_card(
    pytester: pytest.Pytester, course: Course, shutdown: str, called: str
) -> None:
    course.kata("01_demo", stub=LIFESPAN_STUB.format(shutdown=shutdown), tests=CLIENT_TESTS, pristine="")
    course.kata("02_other", stub=HALF_DONE)
    result = pytester.runpytest_subprocess("katas", timeout=120)
    result.stdout.fnmatch_lines(
        [
            "*01_demo · Demo 01_demo  0/1*",
            "  ✗ GET / answers 200.",
            f"      katas/01_demo/stub.py:9: {called} was called, which ends a server's process (the test run was kept alive)",
            "*02_other*1/3",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_route_that_exits_fails_with_the_line_that_called_it(pytester: pytest.Pytester, course: Course) -> None:
    stub = "import os\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/')\ndef root():\n    os._exit(3)\n"
    course.kata(stub=stub, tests=CLIENT_TESTS, pristine="")
    result = pytester.runpytest_subprocess("katas/01_demo", timeout=120)
    result.stdout.fnmatch_lines(["  ✗ GET / answers 200.", "      katas/01_demo/stub.py:8: *os._exit(3) was called*"])


def test_exit_at_import_is_one_line_and_the_run_goes_on(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub="import os\nos._exit(0)\n")
    course.kata("02_other", stub=HALF_DONE)
    result = pytester.runpytest_subprocess("katas", timeout=120)
    result.stdout.fnmatch_lines(["*01_demo · Demo 01_demo  0/3 · does not import", "*os._exit(0) was called*", "*02_other*1/3"])


# -- the guard on its own ------------------------------------------------------------------


def test_the_guard_refuses_only_while_entered(tmp_path: Path) -> None:
    original = os._exit
    with ExitGuard(tmp_path / "stub.py") as guard:
        with pytest.raises(ProcessExit, match=r"os\._exit\(2\) was called"):
            os._exit(2)
        with pytest.raises(ProcessExit, match=r"os\.kill\(os\.getpid\(\), SIGTERM\)"):
            os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(ProcessExit, match=r"os\.killpg\(<this process group>, SIGTERM\)"):
            os.killpg(0, signal.SIGTERM)
        with pytest.raises(ProcessExit, match=r"signal\.raise_signal\(SIGKILL\)"):
            signal.raise_signal(signal.SIGKILL)
        with pytest.raises(ProcessExit, match=r"os\.abort\(\)"):
            os.abort()
        os.kill(os.getpid(), 0)  # an existence check ends nothing
    assert os._exit is original
    assert len(guard.calls) == 5


def test_the_guard_lets_other_processes_be_signalled(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with ExitGuard(tmp_path / "stub.py") as guard:
            os.kill(sleeper.pid, signal.SIGTERM)
        assert sleeper.wait(timeout=10) == -signal.SIGTERM
        assert guard.calls == []
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_still_exits(tmp_path: Path) -> None:
    with ExitGuard(tmp_path / "stub.py"):
        pid = os.fork()
        if pid == 0:  # the child: multiprocessing ends a forked worker with os._exit
            os._exit(7)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 7
