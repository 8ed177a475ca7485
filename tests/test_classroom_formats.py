"""One result, five formats, each as its platform defines it (sources in docs/CLASSROOM.md)."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from graders.classroom.formats import FORMATS, github_result, render, write
from graders.classroom.results import ERROR, FAIL, PASS, BehaviourGrade, KataGrade, SubmissionGrade


def behaviour(name: str, points: int, status: str, message: str = "") -> BehaviourGrade:
    return BehaviourGrade(
        nodeid=f"katas/01_demo/test_kata.py::{name}", name=name, description=f"{name} works.", points=points,
        status=status, message=message, file="katas/01_demo/test_kata.py", line=3, test_code="assert True",
    )  # fmt: skip


@pytest.fixture
def result() -> SubmissionGrade:
    demo = KataGrade(
        kata="01_demo", title="Demo", number=1, status=FAIL, duration=1.5,
        behaviours=[behaviour("test_adds", 1, PASS), behaviour("test_greets", 2, FAIL, "greet('Ada') → expected 'Hello, Ada!', got 'Hi'")],
    )  # fmt: skip
    web = KataGrade(kata="02_web", title="Web", number=2, behaviours=[behaviour("test_root", 3, PASS)])
    broken = KataGrade(kata="03_broken", title="Broken", number=3, behaviours=[behaviour("test_x", 4, FAIL)])
    broken.fail_all("does not import: katas/03_broken/stub.py:1: SyntaxError: invalid syntax")
    return SubmissionGrade(
        student="ada", katas=[demo, web, broken], grader_version="0.1.0", course_fingerprint="abc",
        integrity_notes=["katas/01_demo/conftest.py was added; it was ignored."], duration=3.2,
    )  # fmt: skip


def test_result_model_adds_points_from_behaviours(result: SubmissionGrade) -> None:
    assert (result.score, result.max_score, result.status) == (4, 10, FAIL)
    assert result.flags == ["tampered"]


def test_github_result_is_what_the_classroom_reporter_decodes(result: SubmissionGrade) -> None:
    encoded = render(result, "github")
    document = json.loads(base64.b64decode(encoded))
    assert document == github_result(result)
    assert (document["version"], document["status"], document["max_score"]) == (1, FAIL, 10)
    tests = document["tests"]
    # The reporter gives sum(tests[].score) out of max_score: the kata markers' points.
    assert sum(t["score"] for t in tests) == 4
    first = tests[0]
    assert set(first) == {"name", "status", "message", "test_code", "filename", "line_no", "duration", "score"}
    assert first["name"] == "01_demo · test_adds works." and first["status"] == PASS and first["message"] is None
    assert tests[1]["message"] == "greet('Ada') → expected 'Hello, Ada!', got 'Hi'"
    assert tests[3]["status"] == ERROR and "SyntaxError" in tests[3]["message"]
    assert tests[-1]["name"] == "Integrity of the submission" and tests[-1]["score"] == 0


def test_github_format_appends_the_result_output(result: SubmissionGrade, tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    text = write(result, "github", tmp_path / "result.txt", github_output=str(output))
    assert output.read_text() == f"result={text}\n"
    assert (tmp_path / "result.txt").read_text().strip() == text


def test_gradescope_results_json(result: SubmissionGrade) -> None:
    document = json.loads(render(result, "gradescope"))
    assert document["score"] == 4 and document["execution_time"] == 3
    assert "katas/01_demo/conftest.py was added" in document["output"]
    tests = document["tests"]
    assert [(t["number"], t["score"], t["max_score"]) for t in tests] == [("1.1", 1, 1), ("1.2", 0, 2), ("2.1", 3, 3), ("3.1", 0, 4)]
    assert all(t["visibility"] == "visible" and t["name"] for t in tests)
    assert "output" not in tests[0] and tests[1]["output"].startswith("greet('Ada')")
    assert sum(t["max_score"] for t in tests) == result.max_score


def test_exercism_v3_fail_with_task_ids_and_test_code(result: SubmissionGrade) -> None:
    document = json.loads(render(result, "exercism"))
    assert (document["version"], document["status"]) == (3, FAIL)
    tests = document["tests"]
    assert {t["status"] for t in tests} == {PASS, FAIL, ERROR}
    assert [t["task_id"] for t in tests] == [1, 1, 2, 3]
    assert tests[0]["test_code"] == "assert True" and "message" not in tests[0]
    assert tests[1]["message"].startswith("greet('Ada')")


def test_exercism_error_only_when_nothing_could_run(result: SubmissionGrade) -> None:
    result.katas = [result.katas[2]]
    document = json.loads(render(result, "exercism"))
    assert document["status"] == ERROR and "SyntaxError" in document["message"]


def test_junit_xml_counts_failures_and_errors(result: SubmissionGrade) -> None:
    root = ElementTree.fromstring(render(result, "junit"))
    assert root.tag == "testsuites" and (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["01_demo", "02_web", "03_broken"]
    greets = suites[0].findall("testcase")[1]
    assert greets.find("failure").get("message").startswith("greet('Ada')")
    points = {p.get("name"): p.get("value") for p in greets.find("properties")}
    assert points == {"description": "test_greets works.", "points": "2"}
    assert suites[2].find("testcase").find("error") is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_result_with_no_kata_graded(fmt: str) -> None:
    empty = KataGrade(kata="course", title="fastapi-katas", number=0, behaviours=[], status=ERROR, message="the grader could not start")
    grade = SubmissionGrade(student="ada", katas=[empty], grader_version="0.1.0", course_fingerprint="")
    text = render(grade, fmt)
    if fmt == "github":
        assert json.loads(base64.b64decode(text))["tests"][0]["message"] == "the grader could not start"
    elif fmt == "junit":
        ElementTree.fromstring(text)
    else:
        json.loads(text)


def test_long_messages_are_shortened_for_platforms() -> None:
    long = KataGrade(kata="01", title="t", number=1, behaviours=[behaviour("test_a", 1, FAIL, "x" * 5000)])
    grade = SubmissionGrade(student="ada", katas=[long], grader_version="0.1.0", course_fingerprint="")
    assert len(github_result(grade)["tests"][0]["message"]) == 1000
