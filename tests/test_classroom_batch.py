"""``kata grade-batch``: many students' folders graded in parallel into one gradebook."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from classroom_support import make_course, make_submission, solved
from typer.testing import CliRunner

from conftest import HALF_DONE
from graders.classroom.isolation import choose
from graders.commands.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


@pytest.fixture
def submissions(course_root: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "submissions"
    make_submission(course_root, folder / "ada", solved(course_root))
    make_submission(course_root, folder / "bob", {"01_demo": HALF_DONE})
    make_submission(course_root, folder / "cy", {"01_demo": "def add(a, b)\n", "02_web": "while True:\n    pass\n"})
    eve = make_submission(course_root, folder / "eve")
    (eve / "katas/01_demo/conftest.py").write_text("")
    (folder / ".git").mkdir()  # not a student
    return folder


def test_gradebook_has_a_row_per_student_with_scores_totals_and_flags(
    course_root: Path, submissions: Path, tmp_path: Path
) -> None:
    book = tmp_path / "book.csv"
    document_path = tmp_path / "book.json"
    result = runner.invoke(
        app, ["grade-batch", str(submissions), "--course", str(course_root), "-j", "2",
              "--csv", str(book), "--json", str(document_path), "--test-timeout", "2", "--timeout", "15", "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Graded 4 submissions × 2 katas" in result.output and "2 flagged" in result.output
    rows = list(csv.DictReader(book.open()))
    assert [r["student"] for r in rows] == ["ada", "bob", "cy", "eve"]
    table = {r["student"]: (r["01_demo"], r["02_web"], r["total"], r["max_total"], r["status"]) for r in rows}
    assert table == {
        "ada": ("3", "4", "7", "7", "pass"),
        "bob": ("1", "0", "1", "7", "fail"),
        "cy": ("0", "0", "0", "7", "error"),
        "eve": ("0", "0", "0", "7", "fail"),
    }
    flags = {r["student"]: r["flags"].split() for r in rows}
    assert flags["ada"] == [] and flags["bob"] == []
    assert "01_demo:does-not-import" in flags["cy"] and "02_web:timeout" in flags["cy"]
    assert flags["eve"] == ["01_demo:tampered"]
    document = json.loads(document_path.read_text())
    assert [s["student"] for s in document["students"]] == ["ada", "bob", "cy", "eve"]
    assert document["students"][3]["integrity"] == ["katas/01_demo/conftest.py was added; it was ignored."]
    assert [k["kata"] for k in document["katas"]] == ["01_demo", "02_web"]


def test_a_progress_bar_does_not_break_the_batch(course_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    make_submission(course_root, folder / "ada", solved(course_root))
    result = runner.invoke(
        app, ["grade-batch", str(folder), "--course", str(course_root), "-k", "01", "-j", "1",
              "--csv", str(tmp_path / "b.csv"), "--json", str(tmp_path / "b.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert list(csv.reader((tmp_path / "b.csv").open()))[1] == ["ada", "3", "3", "3", "pass", "", choose().name]


def test_an_empty_submissions_folder_is_one_line(course_root: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["grade-batch", str(tmp_path), "--course", str(course_root)])
    assert result.exit_code == 1 and "holds no student folders" in result.output
