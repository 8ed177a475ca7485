"""One result, five formats, each as its platform defines it (sources in docs/CLASSROOM.md)."""

from __future__ import annotations

import base64
import copy
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from graders.classroom.formats import FORMATS, GITHUB_BUDGET, github_fit, github_result, render, summary_text, write
from graders.classroom.results import ERROR, FAIL, PASS, BehaviourGrade, KataGrade, SubmissionGrade

# What a hostile run or submission can put in a string: a lone surrogate, a file name that is
# not UTF-8 as pathlib gives it (surrogate-escaped), NUL, ESC and colour codes, U+FFFE.
HOSTILE = "bad \ud800 name caf\udcc3\udca9 \x00 nul \x1b[31mred\x1b[0m \x1b esc \x07 bell \ufffe end"


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


def parse(fmt: str, text: str) -> object:
    """The document as its platform would read it: base64 JSON, JSON, or XML."""
    if fmt == "github":
        return json.loads(base64.b64decode(text.strip(), validate=True).decode("utf-8"))
    if fmt == "junit":
        return ElementTree.fromstring(text.encode("utf-8"))
    return json.loads(text.encode("utf-8"))


def hostile_result() -> SubmissionGrade:
    kata = KataGrade(
        kata="01_demo", title="Demo", number=1, status=FAIL, notes=[HOSTILE], flags=["tampered"], log_tail=HOSTILE,
        behaviours=[behaviour("test_adds", 1, FAIL, HOSTILE), behaviour("test_greets", 2, ERROR, HOSTILE)],
    )  # fmt: skip
    return SubmissionGrade(
        student=HOSTILE, katas=[kata], grader_version="0.1.0", course_fingerprint="abc",
        integrity_notes=[f"katas/{HOSTILE}.py was added; it was ignored."], notes=[HOSTILE],
    )  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_surrogates_bad_bytes_and_control_characters_break_no_format(fmt: str, tmp_path: Path) -> None:
    grade = hostile_result()
    out = tmp_path / f"result.{fmt}"
    text = write(grade, fmt, out, github_output=str(tmp_path / "github_output"))
    parse(fmt, out.read_text(encoding="utf-8"))
    shown = base64.b64decode(text).decode("utf-8") if fmt == "github" else text
    assert "\x00" not in shown and "\x1b" not in shown and "\ufffe" not in shown
    assert "\\u0000" not in shown and "\\u001b" not in shown  # not escaped into JSON either: gone
    if fmt != "exercism":  # exercism has no place for notes on a failing result
        assert "café" in shown, "a file name that is not valid UTF-8 keeps its readable part"


def test_the_json_result_of_a_hostile_run_is_utf_8_and_keeps_the_text_around_bad_characters() -> None:
    document = json.loads(render(hostile_result(), "json").encode("utf-8"))
    message = document["katas"][0]["behaviours"][0]["message"]
    assert message.startswith("bad \ufffd name café \ufffd nul red \ufffd esc \ufffd bell \ufffd end")
    assert document["student"] == message


def test_summary_text_of_a_hostile_result_can_be_printed_as_utf_8() -> None:
    summary_text(hostile_result()).encode("utf-8")


def test_junit_never_contains_a_character_xml_1_0_forbids() -> None:
    text = render(hostile_result(), "junit")
    forbidden = [c for c in text if ord(c) < 0x20 and c not in "\t\n\r" or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"]
    assert forbidden == []
    failure = ElementTree.fromstring(text).find("testsuite/testcase/failure")
    assert failure is not None and "café" in failure.text


def test_exercism_top_level_message_is_null_unless_the_status_is_error(result: SubmissionGrade) -> None:
    """interface.md: "When the status is not error, either set the value to null or omit the key entirely"."""
    assert result.integrity_notes  # a tampered submission fails; its notes do not go into the message
    document = json.loads(render(result, "exercism"))
    assert document["status"] == FAIL and document["message"] is None
    result.katas = result.katas[:2]
    result.katas[0].behaviours[1].status = result.katas[0].status = result.katas[1].status = PASS
    document = json.loads(render(result, "exercism"))
    assert document["status"] == PASS and document["message"] is None


def test_sandbox_is_shown_in_every_format(result: SubmissionGrade) -> None:
    result.sandbox = "landlock+uid"
    for kata in result.katas:
        kata.sandbox = "landlock+uid"
    document = json.loads(render(result, "json"))
    assert document["sandbox"] == "landlock+uid" and {k["sandbox"] for k in document["katas"]} == {"landlock+uid"}
    gradescope = json.loads(render(result, "gradescope"))
    assert "sandbox: landlock+uid" in gradescope["output"] and gradescope["extra_data"]["sandbox"] == "landlock+uid"
    assert gradescope["extra_data"]["katas_sandbox"] == {"01_demo": "landlock+uid", "02_web": "landlock+uid", "03_broken": "landlock+uid"}
    assert github_result(result)["sandbox"] == "landlock+uid"  # the reporter reads version, status, max_score, tests only
    suites = ElementTree.fromstring(render(result, "junit")).findall("testsuite")
    assert [{p.get("name"): p.get("value") for p in s.find("properties")}["sandbox"] for s in suites] == ["landlock+uid"] * 3
    result.katas = [result.katas[2]]  # exercism has a place for it only in an error's message
    assert "sandbox: landlock+uid" in json.loads(render(result, "exercism"))["message"]


def test_sandbox_is_none_unless_the_sandbox_set_it() -> None:
    grade = SubmissionGrade(student="ada", katas=[], grader_version="0.1.0", course_fingerprint="")
    assert grade.sandbox == "none" and grade.to_json()["sandbox"] == "none"


@pytest.fixture(scope="module")
def real_course_failing() -> SubmissionGrade:
    """The real course's behaviours, every one failing on a 1000-character message (no student code runs)."""
    from graders.classroom.expected import collect_expected
    from graders.classroom.grading import new_grade
    from graders.classroom.pristine import load_course
    from graders.classroom.sandbox import SandboxSettings

    course = load_course()
    katas = list(course.katas)
    expected = collect_expected(course, katas, SandboxSettings(deadline=60))
    grades = []
    for index, kata in enumerate(katas):
        grade = new_grade(kata, expected[kata.dir])
        grade.duration = 4.2
        for number, behaviour in enumerate(grade.behaviours):
            behaviour.message = f"{number:04d} " + "é→ expected 200, got 500 " * 40  # 1000 characters, 2-3 bytes each
            behaviour.message = behaviour.message[:1000]
        grade.status = FAIL if index else PASS
        grades.append(grade)
    for behaviour in grades[0].behaviours:
        behaviour.status = PASS  # some points, so the test checks that shortening keeps them
    return SubmissionGrade(student="ada", katas=grades, grader_version="0.1.0", course_fingerprint="f" * 64)


def test_github_result_of_the_real_course_failing_everywhere_fits_the_budget(real_course_failing: SubmissionGrade, tmp_path: Path) -> None:
    grade = real_course_failing
    assert len(grade.katas) >= 10 and sum(len(k.behaviours) for k in grade.katas) > 100
    text = write(grade, "github", tmp_path / "result.b64", github_output=str(tmp_path / "out"))
    assert len(text) <= GITHUB_BUDGET
    document = json.loads(base64.b64decode(text))
    scores = sum(t["score"] for t in document["tests"])
    assert (scores, document["max_score"]) == (grade.score, grade.max_score) and grade.score > 0
    note = document["tests"][-1]
    assert note["name"].startswith("Note: this result was shortened to fit GitHub's limit") and note["score"] == 0
    assert any(n.startswith("The GitHub result was shortened") for n in grade.notes), "the summary says so too"


def test_github_result_of_the_real_course_all_passing_fits_and_keeps_every_message_slot(real_course_failing: SubmissionGrade) -> None:
    grade = copy.deepcopy(real_course_failing)
    for kata in grade.katas:
        for behaviour in kata.behaviours:
            behaviour.status, behaviour.message = PASS, ""
    document, note = github_fit(grade)
    assert len(base64.b64encode(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())) <= GITHUB_BUDGET
    assert sum(t["score"] for t in document["tests"]) == grade.max_score
    assert "failure messages" not in note  # only what was really taken away is named


def test_github_shortening_is_deterministic_and_the_last_resort_is_one_line() -> None:
    many = [
        KataGrade(kata=f"{n:03d}_k", title="t" * 200, number=n,
                  behaviours=[behaviour(f"test_{i}", 1, FAIL, "x" * 1200) for i in range(2)])
        for n in range(300)
    ]  # fmt: skip
    grade = SubmissionGrade(student="ada", katas=many, grader_version="0.1.0", course_fingerprint="", integrity_notes=["y" * 9000])
    first, second = github_fit(grade), github_fit(grade)
    assert first == second and first[1].endswith(": one line for the whole submission.")
    assert len(render(grade, "github")) <= GITHUB_BUDGET
    assert sum(t["score"] for t in first[0]["tests"]) == 0 and first[0]["max_score"] == 600


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_crash_while_writing_leaves_the_previous_file_whole(fmt: str, result: SubmissionGrade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "result"
    out.write_text("previous\n")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write(result, fmt, out)
    assert out.read_text() == "previous\n" and [p.name for p in tmp_path.iterdir()] == ["result"]


def test_github_output_is_appended_whole(result: SubmissionGrade, tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")
    output.chmod(0o640)
    text = write(result, "github", None, github_output=str(output))
    assert output.read_text() == f"earlier=1\nresult={text}\n"
    assert output.stat().st_mode & 0o777 == 0o640 and [p.name for p in tmp_path.iterdir()] == ["github_output"]
