"""Hostile submissions: each is graded honestly and quickly, and the other kata keeps its grade.

Every case puts misbehaving code in one kata and a solved stub in the other; both are
graded side by side (``jobs=2``), each in its own process, with short time limits.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from classroom_support import WEB_SOLUTION, by_kata, grade, make_course, make_submission

from conftest import HALF_DONE, SOLUTION, STUB
from graders.classroom.results import (
    ERROR,
    FAIL,
    FLAG_CRASHED,
    FLAG_NO_IMPORT,
    FLAG_REPORT_REJECTED,
    FLAG_TAMPERED,
    FLAG_TIMEOUT,
    PASS,
)
from graders.classroom.sandbox import SandboxSettings


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def graded(course_root: Path, tmp_path: Path, demo: str, web: str = WEB_SOLUTION, **kwargs: object):
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": demo, "02_web": web})
    started = time.monotonic()
    result = grade(course_root, submission, **kwargs)  # type: ignore[arg-type]
    return by_kata(result), result, time.monotonic() - started


def test_solved_submission_gets_every_point_the_markers_give(course_root: Path, tmp_path: Path) -> None:
    katas, result, _ = graded(course_root, tmp_path, SOLUTION)
    assert (katas["01_demo"].score, katas["01_demo"].max_score, katas["01_demo"].status) == (3, 3, PASS)
    assert (katas["02_web"].score, katas["02_web"].max_score) == (4, 4)
    assert (result.score, result.max_score, result.status, result.flags) == (7, 7, PASS, [])


def test_half_done_submission_scores_the_behaviours_that_pass_in_learner_words(course_root: Path, tmp_path: Path) -> None:
    katas, _, _ = graded(course_root, tmp_path, HALF_DONE)
    demo = katas["01_demo"]
    assert (demo.score, demo.max_score, demo.status) == (1, 3, FAIL)
    failing = demo.failing[0]
    assert failing.description == "greet() greets by name." and failing.points == 2
    assert failing.message == "greet('Ada') → expected 'Hello, Ada!', got 'Hi'"


@pytest.mark.parametrize(
    ("stub", "expected"),
    [
        ("def add(a, b)\n    return a + b\n", "katas/01_demo/stub.py:1: SyntaxError"),
        ("import no_such_module_here\n", "ModuleNotFoundError: No module named 'no_such_module_here'"),
        ("import sys\nsys.exit(0)\n", "sys.exit(0) was called while the file was being imported"),
        ("def f():\n    return f()\n\nf()\n", "RecursionError"),
    ],
    ids=["syntax-error", "import-error", "sys-exit-0", "recursion-bomb"],
)
def test_file_that_does_not_import_scores_zero_with_the_reason(
    course_root: Path, tmp_path: Path, stub: str, expected: str
) -> None:
    katas, _, elapsed = graded(course_root, tmp_path, stub)
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (0, ERROR)
    assert FLAG_NO_IMPORT in demo.flags and expected in demo.message
    assert all(b.status == ERROR and expected in b.message for b in demo.behaviours)
    assert (katas["02_web"].score, katas["02_web"].status) == (4, PASS)
    assert elapsed < 30


def test_endless_loop_at_import_is_stopped_and_scores_zero(course_root: Path, tmp_path: Path) -> None:
    katas, _, elapsed = graded(course_root, tmp_path, "while True:\n    pass\n")
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (0, ERROR)
    assert {FLAG_TIMEOUT, FLAG_NO_IMPORT} <= set(demo.flags)
    assert "importing it took longer than 2 s" in demo.message
    assert katas["02_web"].score == 4
    assert elapsed < 30


def test_endless_loop_in_a_handler_fails_that_behaviour_and_the_rest_of_the_kata(course_root: Path, tmp_path: Path) -> None:
    looping = WEB_SOLUTION.replace('    return {"ok": True}', "    while True:\n        pass")
    katas, _, elapsed = graded(course_root, tmp_path, SOLUTION, web=looping)
    web = katas["02_web"]
    assert (web.score, web.status) == (0, FAIL) and FLAG_TIMEOUT in web.flags
    assert "took longer than 2 s" in web.behaviours[0].message
    assert "not graded" in web.behaviours[1].message
    assert katas["01_demo"].score == 3
    assert elapsed < 30


def test_os_exit_0_at_import_ends_the_learners_process_without_points(course_root: Path, tmp_path: Path) -> None:
    katas, _, _ = graded(course_root, tmp_path, "import os\nos._exit(0)\n")
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (0, ERROR) and FLAG_CRASHED in demo.flags
    assert "the learner's app process ended" in demo.message
    assert katas["02_web"].score == 4


def test_os_exit_0_in_a_handler_halfway_through_keeps_only_what_passed_before(course_root: Path, tmp_path: Path) -> None:
    """The learner's code runs in its own process: exiting ends that process, not the judge, whose report stands."""
    exiting = WEB_SOLUTION.replace('def other():\n    return {}', "def other():\n    import os\n    os._exit(0)")
    katas, _, _ = graded(course_root, tmp_path, SOLUTION, web=exiting)
    web = katas["02_web"]
    assert (web.score, web.status) == (1, ERROR) and FLAG_CRASHED in web.flags
    assert [b.status for b in web.behaviours] == [PASS, ERROR, ERROR]
    assert katas["01_demo"].score == 3


def test_100_mb_printed_is_graded_normally_and_only_a_tail_is_kept(course_root: Path, tmp_path: Path) -> None:
    loud = 'import sys\nfor _ in range(100):\n    sys.stdout.write("x" * 1_000_000)\n' + SOLUTION
    katas, _, elapsed = graded(course_root, tmp_path, loud)
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (3, PASS)
    assert len(demo.log_tail) <= 4096
    assert any("printed" in note and "KB" in note for note in demo.notes)
    assert elapsed < 30


def test_recursion_bomb_with_the_limit_raised_is_stopped_by_the_deadline(course_root: Path, tmp_path: Path) -> None:
    bomb = "import sys\nsys.setrecursionlimit(10**7)\n\ndef f(n):\n    return f(n + 1) + 1\n\nf(0)\n"
    settings = SandboxSettings(deadline=20, test_timeout=3, memory_mb=512)
    katas, _, elapsed = graded(course_root, tmp_path, bomb, settings=settings)
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (0, ERROR)
    assert katas["02_web"].score == 4
    assert elapsed < 40


def test_edited_tests_are_reported_and_the_pristine_ones_grade(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": STUB})
    (submission / "katas/01_demo/test_kata.py").write_text("def test_adds():\n    pass\n\ndef test_greets():\n    pass\n")
    katas = by_kata(grade(course_root, submission))
    demo = katas["01_demo"]
    assert (demo.score, demo.max_score, demo.status) == (0, 3, FAIL)
    assert FLAG_TAMPERED in demo.flags
    assert "katas/01_demo/test_kata.py was changed; the original was used." in demo.notes


def test_an_added_conftest_that_passes_everything_is_ignored(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": STUB})
    (submission / "katas/01_demo/conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(wrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    report = yield\n    report.outcome = 'passed'\n    return report\n"
    )
    result = grade(course_root, submission)
    demo = by_kata(result)["01_demo"]
    assert (demo.score, demo.status) == (0, FAIL) and FLAG_TAMPERED in demo.flags
    assert "katas/01_demo/conftest.py was added; it was ignored." in result.integrity_notes


def test_stub_that_patches_pytest_reporting_gets_no_points(course_root: Path, tmp_path: Path) -> None:
    patching = '''
import gc
import pytest
from _pytest.config import Config

class PassEverything:
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        report.outcome = "passed"
        report.longrepr = None
        return report

for found in gc.get_objects():
    if isinstance(found, Config) and not found.pluginmanager.has_plugin("pass-everything"):
        found.pluginmanager.register(PassEverything(), "pass-everything")

def add(a, b):
    return 0

def greet(name):
    return ""
'''
    katas, _, _ = graded(course_root, tmp_path, patching)
    demo = katas["01_demo"]
    # The stub runs in the host process, where no test runs: its patch reaches nothing that judges.
    assert (demo.score, demo.status) == (0, FAIL) and FLAG_REPORT_REJECTED not in demo.flags
    assert katas["02_web"].score == 4


def test_stub_that_sends_its_own_report_gets_no_points(course_root: Path, tmp_path: Path) -> None:
    forging = '''
import json, os, sys
for argument in sys.argv:
    if argument.startswith("--kata-report=fd:"):
        os.write(int(argument.split(":")[1]), json.dumps({"format_version": 1, "exitstatus": 0, "katas": []}).encode())

def add(a, b):
    return 0

def greet(name):
    return ""
'''
    katas, _, _ = graded(course_root, tmp_path, forging)
    demo = katas["01_demo"]
    assert (demo.score, demo.status) == (0, FAIL)  # it never saw the report pipe: it lives in the host


def test_stub_that_writes_a_fake_results_file_cannot_write_outside_its_folder(course_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    faking = f'''
try:
    with open({str(target)!r}, "w") as stream:
        stream.write('{{"score": 100}}')
except OSError as exc:
    print("refused:", exc)

def add(a, b):
    return 0

def greet(name):
    return ""
'''
    katas, _, _ = graded(course_root, tmp_path, faking)
    assert katas["01_demo"].score == 0
    assert not target.exists()
    assert "refused:" in katas["01_demo"].log_tail


def test_no_process_outlives_its_grade(course_root: Path, tmp_path: Path) -> None:
    spawning = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(61.25)'], start_new_session=True)\n"
        + SOLUTION
    )
    katas, _, _ = graded(course_root, tmp_path, spawning)
    assert katas["01_demo"].score == 3
    leftovers = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        try:
            if entry.name.isdigit() and b"time.sleep(61.25)" in (entry / "cmdline").read_bytes():
                leftovers.append(entry.name)
        except OSError:
            continue
    assert not leftovers or os.name != "posix", f"left running: {leftovers}"



def test_a_results_file_forged_through_a_subprocess_is_overwritten_by_the_real_result(
    course_root: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from graders.commands.cli import app

    out = tmp_path / "results.json"
    forging = (
        "import subprocess\n"
        f"subprocess.run(['sh', '-c', 'echo {{\\\"score\\\": 100}} > {out}'])\n"
        "def add(a, b):\n    return 0\n\ndef greet(name):\n    return ''\n"
    )
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": forging})
    result = CliRunner().invoke(
        app, ["grade", "01", "--course", str(course_root), "-s", str(submission), "-f", "gradescope", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["score"] == 0 and document["tests"][0]["max_score"] == 1


def test_the_graded_run_sees_no_token_or_ci_variable_of_the_caller(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github_output"))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    snooping = "import os, sys\nprint('ENV:', sorted(os.environ), 'PATH0:', sys.path[0])\n" + SOLUTION
    katas, _, _ = graded(course_root, tmp_path, snooping)
    assert katas["01_demo"].score == 3
    seen = katas["01_demo"].log_tail
    assert "ENV:" in seen and "GITHUB" not in seen and "PYTHONPATH" not in seen and "ghs_secret" not in seen
