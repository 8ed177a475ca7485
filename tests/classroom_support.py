"""A small synthetic course for the classroom tests, and a student's submission of it.

Two katas: ``01_demo`` (plain functions, 3 points) and ``02_web`` (a FastAPI app, 4
points). Each kata runs in its own grading process, so one kata's misbehaviour can be
checked against the other kata's untouched grade.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from conftest import SOLUTION, STUB, Course
from graders.classroom.grading import Grader
from graders.classroom.integrity import fingerprint_grader, load_submission
from graders.classroom.pristine import load_course
from graders.classroom.results import SubmissionGrade
from graders.classroom.sandbox import SandboxSettings

DEMO_TESTS = '''
import pytest

def test_adds(learner):
    """add() adds two numbers."""
    got = learner.call("add", 2, 3)
    assert got == 5, f"add(2, 3) → expected 5, got {got}"

@pytest.mark.points(2)
def test_greets(learner):
    """greet() greets by name."""
    got = learner.call("greet", "Ada")
    assert got == "Hello, Ada!", f"greet('Ada') → expected 'Hello, Ada!', got {got!r}"
'''

WEB_TESTS = '''
import pytest

def test_root(client):
    """GET / answers {"ok": true}."""
    r = client.get("/")
    assert r.status_code == 200, f"GET / → expected 200, got {r.status_code}: {r.text}"

def test_other(client):
    """GET /other answers 200."""
    r = client.get("/other")
    assert r.status_code == 200, f"GET /other → expected 200, got {r.status_code}"

@pytest.mark.points(2)
def test_third(client):
    """GET /third answers 200."""
    r = client.get("/third")
    assert r.status_code == 200, f"GET /third → expected 200, got {r.status_code}"
'''

WEB_STUB = '''
from fastapi import FastAPI

app = FastAPI()
'''

WEB_SOLUTION = '''
from fastapi import FastAPI

app = FastAPI()

@app.get("/")
def root():
    return {"ok": True}

@app.get("/other")
def other():
    return {}

@app.get("/third")
def third():
    return {}
'''

FAST = SandboxSettings(deadline=15, test_timeout=2)


def make_course(root: Path) -> Path:
    """The synthetic course in ``root`` (katas/ and solutions/); returns ``root``."""
    course = Course(root)
    course.kata("01_demo", stub=STUB, tests=DEMO_TESTS, solution=SOLUTION)
    course.kata("02_web", stub=WEB_STUB, tests=WEB_TESTS, solution=WEB_SOLUTION, pristine=WEB_STUB)
    return root


def make_submission(course_root: Path, folder: Path, stubs: dict[str, str] | None = None) -> Path:
    """A student's repository: a copy of the course's katas with ``stubs`` written over the stubs."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(course_root / "katas", folder / "katas")
    for kata, text in (stubs or {}).items():
        (folder / "katas" / kata / "stub.py").write_text(textwrap.dedent(text))
    return folder


def solved(course_root: Path) -> dict[str, str]:
    return {k: (course_root / "solutions" / k / "solution.py").read_text() for k in ("01_demo", "02_web")}


def grade(
    course_root: Path, submission: Path, katas: list[str] | None = None, settings: SandboxSettings = FAST, jobs: int = 2
) -> SubmissionGrade:
    course = load_course(course_root)
    chosen = course.select(katas)
    grader = Grader.prepare(course, chosen, settings, fingerprint_grader())
    return grader.grade(load_submission(submission, course, chosen), jobs=jobs)


def by_kata(result: SubmissionGrade) -> dict[str, object]:
    return {k.kata: k for k in result.katas}


def run_unstoppable(command: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run a grader in its own process group; if a graded run stopped it, wake it, kill it and fail."""
    import os
    import signal
    import subprocess

    import pytest

    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGCONT)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the grader was stopped or hung by a graded run and wrote no result")
    return process.returncode, out, err
