"""Forging a grade from inside the learner's code: every known way, and none of them earns a point.

Each stub below was written to fool a grader that imports the learner's file into the
process that runs the tests: patch how pytest builds reports, flip outcomes, quiet the
terminal reporter, disarm assertions, find the collected tests through the garbage
collector, write a forged report to every file descriptor, exit with a chosen code. Under
``kata grade`` the learner's file runs in a host process of its own, so each stub's score
must be exactly what its app really does: 0 for an empty app, 1 for an app that answers
only GET /, in every result format.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from classroom_support import make_course, make_submission
from graders.classroom.batch import grade_batch
from graders.classroom.formats import render
from graders.classroom.results import SubmissionGrade

FIND_CONFIG = """
import gc
from _pytest.config import Config
configs = [o for o in gc.get_objects() if isinstance(o, Config)]
"""

FORGERIES = {
    "report-hook": FIND_CONFIG + """
import pytest
class PassEverything:
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        report.outcome = "passed"
        report.longrepr = None
        return report
for config in configs:
    config.pluginmanager.register(PassEverything(), "pass-everything")
""",
    "report-class": """
from _pytest.reports import TestReport
original = TestReport.from_item_and_call
def always_passed(item, call):
    report = original(item, call)
    report.outcome = "passed"
    report.longrepr = None
    return report
TestReport.from_item_and_call = staticmethod(always_passed)
import _pytest.runner
_pytest.runner.TestReport = TestReport
""",
    "terminal-reporter": FIND_CONFIG + """
for config in configs:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.stats.clear()
        reporter.summary_stats = lambda: None
""",
    "assertion-rewriting": """
import builtins
class NeverRaised(Exception):
    pass
builtins.AssertionError = NeverRaised
try:
    import _pytest.assertion.rewrite as rewrite
    rewrite.AssertionRewritingHook.exec_module = lambda self, module: None
except Exception:
    pass
""",
    "gc-walk": """
import gc
def disarm():
    for found in gc.get_objects():
        if type(found).__name__ == "Function" and hasattr(found, "obj"):
            try:
                found.obj = lambda *args, **kwargs: None
            except Exception:
                pass
disarm()
""",
    "forged-report-on-every-fd": """
import json, os
FORGED = {"format_version": 1, "exitstatus": 1, "katas": [{"kata": "02_web", "behaviours": []}]}
for fd in range(3, 256):
    try:
        os.write(fd, json.dumps(FORGED).encode())
    except OSError:
        pass
""",
}
EMPTY_APP = "\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
ROOT_ONLY_APP = EMPTY_APP + '\n@app.get("/")\ndef root():\n    return {"ok": True}\n'
EVERYTHING = "\n".join(FORGERIES.values())


def students() -> dict[str, tuple[str, int]]:
    """Each student's stub for 02_web and the score its app really earns."""
    found = {"honest-root-only": (ROOT_ONLY_APP, 1)}
    for name, forgery in FORGERIES.items():
        found[f"{name}-empty"] = (forgery + EMPTY_APP, 0)
        found[f"{name}-root-only"] = (forgery + ROOT_ONLY_APP, 1)
    for code in range(6):  # every exit code pytest gives, after every forgery at once
        found[f"all-then-exit-{code}"] = (f"{EVERYTHING}\nimport os\nos._exit({code})\n" + EMPTY_APP, 0)
    return found


def scores_in_every_format(result: SubmissionGrade) -> dict[str, float]:
    """The 02_web score each platform would record from this result."""
    github = json.loads(base64.b64decode(render(result, "github")))
    exercism = json.loads(render(result, "exercism"))
    junit = ElementTree.fromstring(render(result, "junit"))
    suite = junit.find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    return {
        "json": json.loads(render(result, "json"))["score"],
        "gradescope": json.loads(render(result, "gradescope"))["score"],
        "github": sum(test.get("score", 0) for test in github["tests"]),
        "exercism": sum(1 for test in exercism["tests"] if test["status"] == "pass"),
        "junit": float(properties.get("score", "nan")),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionGrade]:
    root = tmp_path_factory.mktemp("forgery")
    course = make_course(root / "course")
    wanted = students()
    for name, (stub, _) in wanted.items():
        make_submission(course, root / "class" / name, {"02_web": stub})
    results, _ = grade_batch(root / "class", ["02"], jobs=2, deadline=60, test_timeout=5, course_path=course, progress=False)
    return {result.student: result for result in results}


@pytest.mark.parametrize("student", list(students()))
def test_a_forged_grade_scores_exactly_what_the_app_does(graded: dict[str, SubmissionGrade], student: str) -> None:
    expected = students()[student][1]
    result = graded[student]
    scores = scores_in_every_format(result)
    points = {fmt: score for fmt, score in scores.items() if fmt != "exercism"}
    assert all(score == expected for score in points.values()), f"{student}: {scores}"
    assert scores["exercism"] == expected  # one point per behaviour here: GET / is worth 1
