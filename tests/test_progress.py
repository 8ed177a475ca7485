"""Runs against the stub record the learner's progress in .kata/progress.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import HALF_DONE, Course
from graders.progress import Progress, read_progress, update_progress


def test_stub_run_records_score_behaviours_hash_and_time(pytester: pytest.Pytester, course: Course) -> None:
    folder = course.kata(stub=HALF_DONE)
    pytester.runpytest("katas/01_demo")
    data = json.loads(course.progress.read_text())
    record = data["katas"]["01_demo"]
    assert record["score"] == 1 and record["max"] == 3
    assert record["passed"] == ["test_adds"] and record["failed"] == ["test_greets"]
    import hashlib

    assert record["stub_sha256"] == hashlib.sha256((folder / "stub.py").read_bytes()).hexdigest()
    assert record["graded_at"].endswith("+00:00")


def test_later_run_updates_one_kata_and_keeps_the_others(pytester: pytest.Pytester, course: Course) -> None:
    course.kata("01_demo", stub=HALF_DONE)
    course.kata("02_other")
    pytester.runpytest("katas")
    (pytester.path / "katas/01_demo/stub.py").write_text("def add(a, b):\n    return a + b\n\ndef greet(n):\n    return f'Hello, {n}!'\n")
    pytester.runpytest("katas/01_demo")
    katas = json.loads(course.progress.read_text())["katas"]
    assert katas["01_demo"]["score"] == 3
    assert katas["02_other"]["score"] == 0


def test_partial_run_does_not_record_progress(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    pytester.runpytest("katas/01_demo", "-k", "adds")
    assert not course.progress.exists()


def test_corrupt_progress_file_is_reported_kept_aside_and_rebuilt(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub=HALF_DONE)
    course.progress.parent.mkdir()
    course.progress.write_text("{ this is not json")
    result = pytester.runpytest("katas/01_demo")
    result.stdout.fnmatch_lines(["*progress.json is corrupt*it will be rebuilt*kept as progress.json.corrupt-*"])
    assert json.loads(course.progress.read_text())["katas"]["01_demo"]["score"] == 1
    backups = list(course.progress.parent.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{ this is not json"


def test_crashed_stub_is_recorded_as_zero(pytester: pytest.Pytester, course: Course) -> None:
    course.kata(stub="def add(a, b)\n")
    pytester.runpytest("katas/01_demo")
    record = json.loads(course.progress.read_text())["katas"]["01_demo"]
    assert (record["score"], record["max"]) == (0, 3)


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    update_progress(tmp_path, lambda progress: progress.hints_shown.update({"01_demo": 2}))
    files = sorted(p.name for p in (tmp_path / ".kata").iterdir())
    assert files == ["progress.json", "progress.lock"]
    assert read_progress(tmp_path).hints_shown == {"01_demo": 2}


def test_failed_change_leaves_the_old_file_intact(tmp_path: Path) -> None:
    update_progress(tmp_path, lambda progress: progress.hints_shown.update({"01_demo": 1}))
    before = (tmp_path / ".kata" / "progress.json").read_text()

    def broken(progress: Progress) -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        update_progress(tmp_path, broken)
    assert (tmp_path / ".kata" / "progress.json").read_text() == before


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"format_version": 99}', '{"format_version": 1, "katas": {"x": {"score": "many"}}}', "\xff\xfe"],
    ids=["empty", "list", "future-version", "bad-entry", "binary"],
)
def test_unreadable_progress_reads_as_empty_with_a_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".kata" / "progress.json"
    path.parent.mkdir()
    path.write_bytes(text.encode("latin-1"))
    progress = read_progress(tmp_path)
    assert progress.katas == {} and "corrupt" in progress.problem
