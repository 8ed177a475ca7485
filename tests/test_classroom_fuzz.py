"""A grading parent that never dies of its input: hostile reports, submissions and results.

Each class of input that once crashed the parent has a plain regression test; then
property-based tests (hypothesis) throw random bytes, deep nesting and odd file names at
the report reader, the submission reader and every format writer, and check that a
valid result is always produced.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classroom_support import make_course, make_submission
from graders.classroom.expected import ExpectedBehaviour
from graders.classroom.formats import FORMATS, GITHUB_BUDGET, render, write
from graders.classroom.grading import Grader, new_grade
from graders.classroom.integrity import load_submission
from graders.classroom.pristine import PristineCourse, PristineKata, load_course
from graders.classroom.results import ERROR, FAIL, PASS, BehaviourGrade, KataGrade, SubmissionGrade
from graders.classroom.safety import clean_text, load_json, load_toml, nesting_depth
from graders.classroom.sandbox import RunOutcome, SandboxSettings
from graders.classroom.verdict import judge
from graders.commands.cli import app

runner = CliRunner()
CANARY = "test_zz_always_fails"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NASTY = ["\ud800", "\udfff", "\udcff", "\x00", "\x1b", "\x1b[31m", "\x07", "\ufffe", "\uffff", "\r\n", "]]>", "<&'\">"]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> PristineCourse:
    return load_course(make_course(tmp_path_factory.mktemp("course")))


@pytest.fixture(scope="module")
def demo(course: PristineCourse) -> PristineKata:
    return course.select(["01_demo"])[0]


EXPECTED = [
    ExpectedBehaviour("katas/01_demo/test_kata.py::test_adds", "test_adds", "add() adds two numbers.", 1, "katas/01_demo/test_kata.py", 3),
    ExpectedBehaviour("katas/01_demo/test_kata.py::test_greets", "test_greets", "greet() greets by name.", 2, "katas/01_demo/test_kata.py", 8),
]


def report(behaviours: list[dict[str, Any]], **extra: Any) -> bytes:
    """A report as the graded run sends it, with the always-failing check the parent added."""
    canary = {"nodeid": f"katas/01_demo/test_kata.py::{CANARY}", "passed": False}
    entry = {"kata": "01_demo", "behaviours": [*behaviours, canary], **extra}
    return json.dumps({"format_version": 1, "exitstatus": 1, "katas": [entry]}).encode()


def judged(demo: PristineKata, payload: bytes, returncode: int | None = 1, output: bytes = b"") -> KataGrade:
    grade = new_grade(demo, EXPECTED)
    outcome = RunOutcome(returncode=returncode, report=payload, output=output, output_bytes=len(output), duration=0.5)
    judge(grade, outcome, CANARY, demo, SandboxSettings())
    return grade


def every_format_is_valid(grade: SubmissionGrade) -> None:
    """Each format renders, parses as its platform would, and the GitHub one fits the budget."""
    for fmt in FORMATS:
        text = render(grade, fmt)
        text.encode("utf-8")
        if fmt == "github":
            assert len(text) <= GITHUB_BUDGET
            json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
        elif fmt == "junit":
            ElementTree.fromstring(text.encode("utf-8"))
        else:
            json.loads(text.encode("utf-8"))


def submission_of(*katas: KataGrade) -> SubmissionGrade:
    return SubmissionGrade(student="ada", katas=list(katas), grader_version="0.1.0", course_fingerprint="abc")


# -- the report reader: regressions ------------------------------------------------------


def test_a_lone_surrogate_in_a_failure_message_is_stored_clean_and_every_format_writes(demo: PristineKata) -> None:
    message = "expected 'é', got '\ud800' \x00\x1b[1m"
    grade = judged(demo, report([
        {"nodeid": EXPECTED[0].nodeid, "passed": True},
        {"nodeid": EXPECTED[1].nodeid, "passed": False, "reason": message},
    ]))  # fmt: skip
    assert (grade.status, grade.score) == (FAIL, 1)
    assert grade.behaviours[1].message == "expected 'é', got '\ufffd' \ufffd"
    every_format_is_valid(submission_of(grade))


def test_bytes_that_are_not_utf_8_in_the_output_are_stored_clean(demo: PristineKata) -> None:
    grade = judged(demo, b"", returncode=-9, output=b"\xff\xfe boom \x00 \xed\xa0\x80")
    assert grade.status == ERROR and "\x00" not in grade.log_tail and "boom" in grade.log_tail
    every_format_is_valid(submission_of(grade))


@pytest.mark.parametrize("depth", [40, 900, 100_000])
def test_a_deeply_nested_report_is_rejected_not_a_crash(demo: PristineKata, depth: int) -> None:
    deep = "[" * depth + "]" * depth
    payload = report([{"nodeid": EXPECTED[0].nodeid, "passed": True, "reason": "X"}]).replace(b'"X"', deep.encode())
    grade = judged(demo, payload)
    assert (grade.status, grade.score) == (ERROR, 0) and "report-rejected" in grade.flags
    assert "nests far deeper" in grade.message


def test_a_nodeid_that_is_not_a_string_is_rejected_or_ignored_never_a_crash(demo: PristineKata) -> None:
    grade = judged(demo, report([{"nodeid": {"a": [1, 2]}, "passed": True}, {"nodeid": None, "passed": True}]))
    assert (grade.status, grade.score) == (ERROR, 0) and "report-rejected" in grade.flags


def test_nesting_depth_skips_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": "[[[[[[[[", "b": [["\\"]]]]"]]}') == 3
    assert load_json('{"a": "' + "[" * 100 + '"}')[0] == {"a": "[" * 100}
    assert load_toml("a = '[[[[[[[[[[[[[[[[[[[['  # ]]]]]]]]]]]]]]]]\n") == {"a": "[" * 20}


# -- the submission reader: regressions ----------------------------------------------------


def test_a_katas_toml_nested_thousands_deep_is_a_changed_file_not_a_crash(course: PristineCourse, tmp_path: Path) -> None:
    submission = make_submission(Path(course.katas[0].kata.katas_dir).parent, tmp_path / "eve")
    (submission / "katas/katas.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    work = load_submission(submission, course, course.select(None))
    assert "katas/katas.toml" in work.integrity.changed


@pytest.mark.parametrize("manifest", [
    b"[[kata]]\nid = [1, 2]\n",  # an id that cannot be hashed
    b"[[kata]]\nid = {a = 1}\n",
    b"\xff\xfe[[kata]]\n",  # not UTF-8 at all
    b"# " + b"x" * (2 * 1024 * 1024) + b"\n",  # larger than any manifest
])  # fmt: skip
def test_a_katas_toml_with_odd_entries_is_a_changed_file_not_a_crash(course: PristineCourse, tmp_path: Path, manifest: bytes) -> None:
    submission = make_submission(Path(course.katas[0].kata.katas_dir).parent, tmp_path / "eve")
    (submission / "katas/katas.toml").write_bytes(manifest)
    work = load_submission(submission, course, course.select(None))
    assert "katas/katas.toml" in work.integrity.changed


def test_a_file_name_that_is_not_utf_8_is_reported_readably_and_every_format_writes(course: PristineCourse, tmp_path: Path) -> None:
    submission = make_submission(Path(course.katas[0].kata.katas_dir).parent, tmp_path / "eve")
    folder = os.fsencode(submission / "katas/01_demo")
    with open(os.path.join(folder, b"caf\xc3\xa9-\xff\xfe.py"), "wb") as stream:
        stream.write(b"x = 1\n")
    with open(os.path.join(folder, b"\x1b[31mred\x07.pth"), "wb") as stream:
        stream.write(b"import os\n")
    student = tmp_path / os.fsdecode(b"st\xffudent")
    submission.rename(student)
    work = load_submission(student, course, course.select(None))
    assert work.name == "st\ufffdudent"
    assert "katas/01_demo/café-\ufffd\ufffd.py" in work.integrity.added
    assert "katas/01_demo/red\ufffd.pth" in work.integrity.added
    grade = SubmissionGrade(student=work.name, katas=[new_grade(course.katas[0], EXPECTED)], grader_version="0",
                            course_fingerprint="", integrity_notes=work.integrity.lines())  # fmt: skip
    every_format_is_valid(grade)


# -- kata grade and grade-batch: any exception is one kata's error, the result is always written --


@pytest.fixture(scope="module")
def course_root(course: PristineCourse) -> Path:
    return Path(course.katas[0].kata.katas_dir).parent


def test_kata_grade_turns_a_grader_exception_into_that_katas_error(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Grader.grade_one

    def failing(self: Grader, submission: Any, kata: PristineKata) -> KataGrade:
        if kata.dir == "02_web":
            raise RecursionError("maximum recursion depth exceeded \ud800")
        return real(self, submission, kata)

    monkeypatch.setattr(Grader, "grade_one", failing)
    submission = make_submission(course_root, tmp_path / "ada")
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(submission), "-o", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    web = document["katas"][1]
    assert (web["status"], web["score"], web["max_score"]) == (ERROR, 0, 4), "the kata keeps its real maximum"
    assert "grader-error" in web["flags"] and "RecursionError" in web["message"]
    assert document["katas"][0]["status"] == FAIL and document["katas"][0]["max_score"] == 3
    assert "Sandbox: " in result.output


def test_kata_grade_writes_an_error_result_when_the_grader_cannot_start_for_any_reason(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> Grader:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(Grader, "prepare", broken)
    out = tmp_path / "result.xml"
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(tmp_path), "-f", "junit", "-o", str(out)])
    assert result.exit_code == 1 and "RuntimeError: unexpected" in result.output
    suites = ElementTree.fromstring(out.read_text()).findall("testsuite")
    assert [s.get("name") for s in suites] == ["01_demo", "02_web"]


def test_kata_grade_summary_says_what_the_github_result_left_out(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graders.classroom.formats.GITHUB_BUDGET", 1500)

    def failing(self: Grader, submission: Any, kata: PristineKata) -> KataGrade:
        grade = new_grade(kata, self.expected[kata.dir])
        grade.fail_all("x" * 900, status=FAIL)
        return grade

    monkeypatch.setattr(Grader, "grade_one", failing)
    out = tmp_path / "result.b64"
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(tmp_path), "-f", "github", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "The GitHub result was shortened to fit GitHub's limit: failure messages" in result.output


def test_a_batch_survives_a_student_folder_that_is_not_utf_8_and_a_grader_exception(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def quick(self: Grader, submission: Any, kata: PristineKata) -> KataGrade:
        if submission.name == "bob":
            raise ValueError("a bug \x00")
        grade = new_grade(kata, self.expected[kata.dir])
        for behaviour in grade.behaviours:
            behaviour.status = PASS
        grade.status = PASS
        return grade

    monkeypatch.setattr(Grader, "grade_one", quick)
    folder = tmp_path / "submissions"
    make_submission(course_root, folder / "ada")
    make_submission(course_root, folder / "bob")
    make_submission(course_root, folder / os.fsdecode(b"c\xffy"))
    book, document_path = tmp_path / "book.csv", tmp_path / "book.json"
    result = runner.invoke(app, ["grade-batch", str(folder), "--course", str(course_root), "--csv", str(book),
                                 "--json", str(document_path), "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["student"]: r for r in csv.DictReader(book.open(encoding="utf-8"))}
    assert set(rows) == {"ada", "bob", "c\ufffdy"}
    assert (rows["ada"]["total"], rows["bob"]["total"], rows["bob"]["status"]) == ("7", "0", ERROR)
    assert "01_demo:grader-error" in rows["bob"]["flags"] and rows["ada"]["sandbox"]
    students = json.loads(document_path.read_text(encoding="utf-8"))["students"]
    assert [s["max_score"] for s in students] == [7, 7, 7]


def test_a_crash_while_writing_the_gradebook_leaves_the_previous_one_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.classroom.batch import write_gradebook

    book, document_path = tmp_path / "book.csv", tmp_path / "book.json"
    book.write_text("old\n")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError):
        write_gradebook([submission_of()], [], book, document_path)
    assert book.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["book.csv"]


# -- property-based: random input never kills the parent -------------------------------------

nasty_text = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(NASTY)), max_size=8).map("".join)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)), max_leaves=20)  # fmt: skip


@FUZZ
@given(payload=st.binary(max_size=2000))
def test_random_bytes_on_the_report_pipe_are_rejected_never_a_crash(demo: PristineKata, payload: bytes) -> None:
    grade = judged(demo, payload)
    assert grade.score == 0 or grade.status in (PASS, FAIL)
    every_format_is_valid(submission_of(grade))


@FUZZ
@given(
    reasons=st.lists(st.one_of(nasty_text, json_value), min_size=2, max_size=2),
    passed=st.lists(st.one_of(st.booleans(), json_value), min_size=2, max_size=2),
    crash=st.one_of(st.none(), json_value),
    depth=st.integers(0, 3000),
    output=st.binary(max_size=300),
)
def test_random_reports_of_the_right_shape_give_a_valid_result(
    demo: PristineKata, reasons: list[Any], passed: list[Any], crash: Any, depth: int, output: bytes
) -> None:
    behaviours = [{"nodeid": e.nodeid, "passed": p, "reason": r} for e, p, r in zip(EXPECTED, passed, reasons, strict=True)]
    payload = report(behaviours, crash=crash)
    if depth:
        payload = payload.replace(b'"kata": "01_demo"', b'"deep": ' + b"[" * depth + b"]" * depth + b', "kata": "01_demo"')
    grade = judged(demo, payload, output=output)
    for text in [grade.message, grade.log_tail, *[b.message for b in grade.behaviours]]:
        assert clean_text(text) == text, "stored text is already clean"
    every_format_is_valid(submission_of(grade))


file_names = st.binary(min_size=1, max_size=300).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")[:255]).filter(
    lambda b: b not in (b".", b"..")
)


@FUZZ
@given(names=st.lists(file_names, max_size=6, unique=True), stub=st.binary(max_size=200), manifest=st.one_of(
    st.binary(max_size=500),
    st.integers(1, 3000).map(lambda n: b"x = " + b"[" * n + b"]" * n),
    st.integers(1, 3000).map(lambda n: b"x = " + b"{a = " * n + b"1" + b"}" * n),
))  # fmt: skip
def test_random_file_names_and_manifests_in_a_submission_give_a_valid_result(
    course: PristineCourse, names: list[bytes], stub: bytes, manifest: bytes
) -> None:
    with _student_folder(course) as root:
        kata_folder = os.fsencode(root / "katas" / "01_demo")
        for name in names:
            try:
                with open(os.path.join(kata_folder, name), "wb") as stream:
                    stream.write(b"x")
            except OSError:
                continue  # a name this file system refuses
        (root / "katas/01_demo/stub.py").write_bytes(stub)
        (root / "katas/katas.toml").write_bytes(manifest)
        work = load_submission(root, course, course.select(None))
        for line in [work.name, *work.integrity.lines(), *[n for notes in work.kata_notes.values() for n in notes]]:
            assert clean_text(line) == line
        grade = SubmissionGrade(student=work.name, katas=[new_grade(course.katas[0], EXPECTED)], grader_version="0",
                                course_fingerprint="", integrity_notes=work.integrity.lines())  # fmt: skip
        every_format_is_valid(grade)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


class _student_folder:
    """A fresh copy of the course as a student's repository, removed afterwards (one per example)."""

    def __init__(self, course: PristineCourse) -> None:
        self.source = Path(course.katas[0].kata.katas_dir)

    def __enter__(self) -> Path:
        self.root = Path(tempfile.mkdtemp(prefix="fuzz-"))
        shutil.copytree(self.source, self.root / "katas")
        return self.root

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


big_text = st.one_of(nasty_text, st.tuples(st.sampled_from(["x", "é", "\ud800", "\x00", "€"]), st.integers(0, 3000)).map(lambda t: t[0] * t[1]))
behaviour_grades = st.builds(
    BehaviourGrade, nodeid=nasty_text, name=nasty_text, description=nasty_text, points=st.integers(0, 10),
    status=st.sampled_from([PASS, FAIL, ERROR, "odd"]), message=big_text, file=nasty_text, line=st.integers(0, 10**6),
    test_code=nasty_text,
)  # fmt: skip
kata_grades = st.builds(
    KataGrade, kata=nasty_text, title=nasty_text, number=st.integers(0, 99), behaviours=st.lists(behaviour_grades, max_size=30),
    status=st.sampled_from([PASS, FAIL, ERROR]), message=big_text, flags=st.lists(nasty_text, max_size=3),
    notes=st.lists(nasty_text, max_size=3), duration=st.floats(0, 1e6), log_tail=nasty_text, sandbox=nasty_text,
)  # fmt: skip
submission_grades = st.builds(
    SubmissionGrade, student=nasty_text, katas=st.lists(kata_grades, max_size=12), grader_version=nasty_text,
    course_fingerprint=nasty_text, integrity_notes=st.lists(big_text, max_size=3), notes=st.lists(nasty_text, max_size=3),
    duration=st.floats(0, 1e6), sandbox=nasty_text,
)  # fmt: skip


@FUZZ
@given(grade=submission_grades)
def test_every_writer_writes_a_valid_document_for_any_result(grade: SubmissionGrade, scratch: Path) -> None:
    every_format_is_valid(grade)
    write(grade, "github", scratch / "result.b64", github_output=str(scratch / "github_output"))
    (scratch / "github_output").unlink()


def test_fuzz_strategies_reach_the_budget() -> None:
    """The writer property above is only worth something if results that need shortening occur."""
    behaviours = [BehaviourGrade(f"n{i}", f"t{i}", "d" * 200, 1, FAIL, "\ud800" * 3000) for i in range(30)]
    grade = submission_of(*[KataGrade(f"k{n}", "t", n, list(behaviours)) for n in range(12)])
    every_format_is_valid(grade)

