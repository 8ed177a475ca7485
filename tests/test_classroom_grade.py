"""``kata grade``: a real kata graded from a student's folder, and the command's contract."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classroom_support import make_course, make_submission, solved
from graders.classroom.grading import Grader
from graders.classroom.integrity import fingerprint_grader, load_submission
from graders.classroom.pristine import load_course
from graders.classroom.results import ERROR, PASS
from graders.classroom.sandbox import SandboxSettings
from graders.commands.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def grade_real_kata(tmp_path: Path, stub: str) -> object:
    course = load_course()
    katas = course.select(["01_first_app"])
    student = tmp_path / "student" / "katas" / "01_first_app"
    student.mkdir(parents=True)
    for name, data in katas[0].files.items():
        (student / name).write_bytes(data)
    (student / "stub.py").write_text(stub)
    grader = Grader.prepare(course, katas, SandboxSettings(deadline=60), fingerprint_grader())
    return grader.grade(load_submission(tmp_path / "student", course, katas)).katas[0]


def test_real_kata_solved_gets_full_marks(tmp_path: Path) -> None:
    kata = grade_real_kata(tmp_path, (ROOT / "solutions/01_first_app/solution.py").read_text())
    assert kata.status == PASS and kata.score == kata.max_score > 0, [b.message for b in kata.failing]
    assert kata.flags == [] or kata.flags == ["grader-changed"]  # the checkout may be edited meanwhile


def test_real_kata_with_a_syntax_error_scores_zero_with_an_error(tmp_path: Path) -> None:
    kata = grade_real_kata(tmp_path, "from fastapi import FastAPI\napp = FastAPI(\n")
    assert (kata.status, kata.score) == (ERROR, 0) and kata.max_score > 0
    assert "katas/01_first_app/stub.py" in kata.message and "SyntaxError" in kata.message


def test_points_and_behaviours_come_from_the_pristine_tests_not_the_run(course_root: Path) -> None:
    course = load_course(course_root)
    grader = Grader.prepare(course, course.select(None), SandboxSettings(deadline=30), fingerprint_grader())
    demo = grader.expected["01_demo"]
    assert [(b.name, b.points, b.description) for b in demo] == [
        ("test_adds", 1, "add() adds two numbers."),
        ("test_greets", 2, "greet() greets by name."),
    ]
    assert demo[0].test_code.startswith('got = learner.call("add", 2, 3)')


@pytest.mark.parametrize("fmt", ["json", "github", "gradescope", "exercism", "junit"])
def test_grade_writes_each_format_to_out_and_exits_0(course_root: Path, tmp_path: Path, fmt: str) -> None:
    submission = make_submission(course_root, tmp_path / "ada", {"01_demo": solved(course_root)["01_demo"]})
    out = tmp_path / "out" / "result.txt"
    result = runner.invoke(
        app, ["grade", "--course", str(course_root), "--submission", str(submission), "-f", fmt, "-o", str(out), "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "01_demo · Demo 01_demo  3/3 · pass" in result.output
    assert "02_web · Demo 02_web  0/4 · fail" in result.output and "not started" in result.output
    text = out.read_text()
    if fmt == "github":
        document = json.loads(base64.b64decode(text))
        assert (document["max_score"], sum(t["score"] for t in document["tests"])) == (7, 3)
    elif fmt == "junit":
        assert text.startswith("<?xml") and "<testsuites" in text
    else:
        json.loads(text)


def test_github_format_also_sets_the_result_step_output(course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    submission = make_submission(course_root, tmp_path / "ada")
    step_output = tmp_path / "github_output"
    step_output.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(step_output))
    out = tmp_path / "result.b64"
    result = runner.invoke(app, ["grade", "01", "--course", str(course_root), "-s", str(submission), "-f", "github", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = step_output.read_text().splitlines()
    assert lines[0] == "earlier=1" and lines[1] == f"result={out.read_text().strip()}"
    document = json.loads(base64.b64decode(lines[1].removeprefix("result=")))
    assert document["version"] == 1 and document["status"] == "fail" and document["max_score"] == 3


def test_grade_without_out_writes_the_document_to_stdout(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "ada", solved(course_root))
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(submission), "-q", "--student", "Ada L."])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["student"], document["status"], document["score"], document["max_score"]) == ("Ada L.", "pass", 7, 7)


def test_a_missing_stub_is_graded_as_an_error_not_a_crash_of_the_grader(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "ada")
    (submission / "katas/01_demo/stub.py").unlink()
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "01", "--course", str(course_root), "-s", str(submission), "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    kata = document["katas"][0]
    assert (kata["status"], kata["score"]) == ("error", 0) and "missing-file" in kata["flags"]
    assert "no such file" in kata["message"]


def test_a_submission_of_learner_files_only_is_complete(course_root: Path, tmp_path: Path) -> None:
    student = tmp_path / "ada" / "01_demo"
    student.mkdir(parents=True)
    (student / "stub.py").write_text(solved(course_root)["01_demo"])
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "01", "--course", str(course_root), "-s", str(tmp_path / "ada"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert (document["score"], document["flags"], document["integrity"]) == (3, [], [])


def test_a_broken_course_still_writes_a_valid_error_result_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "--course", str(tmp_path), "-s", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 1
    assert "holds no katas/katas.toml" in result.output
    document = json.loads(out.read_text())
    assert document["status"] == "error" and document["score"] == 0


def test_an_unknown_kata_is_one_line(course_root: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["grade", "99", "--course", str(course_root), "-s", str(tmp_path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 1 and "the course has no kata '99'" in result.output


def test_tests_of_a_course_folder_are_not_the_submissions_own(course_root: Path, tmp_path: Path) -> None:
    """Grading the course folder itself (a teacher's dry run) uses the pristine files: no integrity notes."""
    copy = tmp_path / "course"
    shutil.copytree(course_root, copy)
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(copy), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["integrity"] == []
