"""Write one ``SubmissionGrade`` in the format a grading platform reads, as that platform defines it.

- ``json``: this grader's own document (everything, for gradebooks and archives).
- ``github``: GitHub Classroom's runner result (``version``, ``status``, ``max_score``,
  ``tests[]`` with ``name``, ``status``, ``message``, ``test_code``, ``filename``,
  ``line_no``, ``duration``, ``score``), base64-encoded as the autograding-*-grader
  actions set their ``result`` output; the grading reporter adds up ``tests[].score``
  against ``max_score``.
- ``gradescope``: ``results.json`` of Gradescope's autograder specification (``score``,
  ``output``, ``tests[]`` with ``name``, ``number``, ``score``, ``max_score``,
  ``output``, ``visibility``).
- ``exercism``: the test-runner interface, version 3 (``status`` pass/fail/error,
  ``message`` on error, ``tests[]`` with ``name``, ``status``, ``message``,
  ``test_code``, ``task_id``).
- ``junit``: JUnit XML, one ``testsuite`` per kata, points as properties.

Sources and field-by-field notes are in docs/CLASSROOM.md.
"""

from __future__ import annotations

import base64
import json
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from graders.classroom.results import ERROR, FAIL, PASS, KataGrade, SubmissionGrade

FORMATS = ("json", "github", "gradescope", "exercism", "junit")
MESSAGE_LIMIT = 1000  # per behaviour: a platform shows a line, not a log
GITHUB_OUTPUT_NAME = "result"


def render(grade: SubmissionGrade, fmt: str) -> str:
    """The document for ``fmt`` as text (for ``github``: the base64 string)."""
    writers = {"json": as_json, "github": as_github, "gradescope": as_gradescope, "exercism": as_exercism, "junit": as_junit}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writers[fmt](grade)


def write(grade: SubmissionGrade, fmt: str, out: Path | None, github_output: str | None = None) -> str:
    """Render, write to ``out`` when given, and for ``github`` also to the step's ``result`` output."""
    text = render(grade, fmt)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    if fmt == "github" and github_output:
        with open(github_output, "a", encoding="utf-8") as stream:
            stream.write(f"{GITHUB_OUTPUT_NAME}={text}\n")
    return text


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _name(kata: KataGrade, description: str) -> str:
    return f"{kata.kata} · {description}"


def _kata_summary(kata: KataGrade) -> str:
    line = f"{kata.kata} · {kata.title}: {kata.score}/{kata.max_score} ({kata.status})"
    if kata.message:
        line += f" · {kata.message}"
    return line


def summary_text(grade: SubmissionGrade) -> str:
    """A few plain lines for a human: totals, katas, integrity findings."""
    lines = [f"fastapi-katas · {grade.score}/{grade.max_score} points · {grade.status}"]
    lines += [_kata_summary(k) for k in grade.katas]
    lines += [f"Integrity: {note}" for note in grade.integrity_notes]
    lines += grade.notes
    return "\n".join(lines)


# -- json -------------------------------------------------------------------------


def as_json(grade: SubmissionGrade) -> str:
    return json.dumps(grade.to_json(), indent=2, ensure_ascii=False)


# -- GitHub Classroom ---------------------------------------------------------------


def github_result(grade: SubmissionGrade) -> dict[str, Any]:
    """The runner result object before base64 (what the grading reporter decodes)."""
    tests: list[dict[str, Any]] = []
    for kata in grade.katas:
        for behaviour in kata.behaviours:
            tests.append(
                {
                    "name": _name(kata, behaviour.description),
                    "status": behaviour.status,
                    "message": _short(behaviour.message) or None,
                    "test_code": f"pytest {behaviour.nodeid}",
                    "filename": behaviour.file,
                    "line_no": behaviour.line,
                    "duration": int(kata.duration * 1000 / max(1, len(kata.behaviours))),
                    "score": behaviour.score,
                }
            )
        if not kata.behaviours:  # nothing could even be collected: one line says why
            tests.append(_github_note(f"{kata.kata} · could not be graded", kata.message))
    if grade.integrity_notes:
        tests.append(_github_note("Integrity of the submission", " ".join(grade.integrity_notes)))
    return {"version": 1, "status": grade.status, "max_score": grade.max_score, "tests": tests}


def _github_note(name: str, message: str) -> dict[str, Any]:
    return {
        "name": name, "status": FAIL, "message": _short(message), "test_code": "kata grade",
        "filename": "", "line_no": 0, "duration": 0, "score": 0,
    }  # fmt: skip


def as_github(grade: SubmissionGrade) -> str:
    document = json.dumps(github_result(grade), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(document.encode("utf-8")).decode("ascii")


# -- Gradescope ----------------------------------------------------------------------


def as_gradescope(grade: SubmissionGrade) -> str:
    tests: list[dict[str, Any]] = []
    for kata in grade.katas:
        for index, behaviour in enumerate(kata.behaviours, 1):
            test: dict[str, Any] = {
                "name": _name(kata, behaviour.description),
                "number": f"{kata.number}.{index}",
                "score": behaviour.score,
                "max_score": behaviour.points,
                "visibility": "visible",
                "tags": [kata.kata],
            }
            if behaviour.status != PASS:
                test["output"] = _short(behaviour.message)
            tests.append(test)
    output = summary_text(grade)
    document = {
        "score": grade.score,
        "execution_time": int(round(grade.duration)),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"status": grade.status, "flags": grade.flags, "course_sha256": grade.course_fingerprint},
        "tests": tests,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# -- exercism ------------------------------------------------------------------------


def as_exercism(grade: SubmissionGrade) -> str:
    tests: list[dict[str, Any]] = []
    for kata in grade.katas:
        for behaviour in kata.behaviours:
            test: dict[str, Any] = {
                "name": _name(kata, behaviour.description),
                "status": behaviour.status,
                "test_code": behaviour.test_code or f"pytest {behaviour.nodeid}",
                "task_id": kata.number,
            }
            if behaviour.status != PASS:
                test["message"] = _short(behaviour.message)
            tests.append(test)
    # "error" only when no test could run at all; otherwise a failing or erroring test makes it "fail".
    status = grade.status
    document: dict[str, Any] = {"version": 3, "status": status, "message": None, "tests": tests}
    if status == ERROR:
        document["message"] = grade.message or "nothing could be graded"
    elif grade.integrity_notes:
        document["message"] = " ".join(grade.integrity_notes)
    return json.dumps(document, indent=2, ensure_ascii=False)


# -- JUnit XML -------------------------------------------------------------------------


def as_junit(grade: SubmissionGrade) -> str:
    root = ElementTree.Element("testsuites", name="fastapi-katas")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for kata in grade.katas:
        failures = sum(1 for b in kata.behaviours if b.status == FAIL)
        errors = sum(1 for b in kata.behaviours if b.status == ERROR)
        suite = ElementTree.SubElement(
            root, "testsuite", name=kata.kata, tests=str(len(kata.behaviours)), failures=str(failures),
            errors=str(errors), skipped="0", time=f"{kata.duration:.3f}",
        )  # fmt: skip
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("title", kata.title), ("status", kata.status), ("score", kata.score),
                            ("max_score", kata.max_score), ("flags", " ".join(kata.flags))):  # fmt: skip
            ElementTree.SubElement(properties, "property", name=name, value=str(value))
        for behaviour in kata.behaviours:
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"katas.{kata.kata}.test_kata", name=behaviour.name,
                file=behaviour.file, line=str(behaviour.line), time=f"{kata.duration / max(1, len(kata.behaviours)):.3f}",
            )  # fmt: skip
            case_properties = ElementTree.SubElement(case, "properties")
            ElementTree.SubElement(case_properties, "property", name="description", value=behaviour.description)
            ElementTree.SubElement(case_properties, "property", name="points", value=str(behaviour.points))
            if behaviour.status in (FAIL, ERROR):
                tag = "failure" if behaviour.status == FAIL else "error"
                element = ElementTree.SubElement(case, tag, message=_short(behaviour.message))
                element.text = behaviour.message
        if kata.notes:
            ElementTree.SubElement(suite, "system-out").text = "\n".join(kata.notes)
        totals["tests"] += len(kata.behaviours)
        totals["failures"] += failures
        totals["errors"] += errors
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{grade.duration:.3f}")
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


def github_output_path() -> str | None:
    """``$GITHUB_OUTPUT`` as the runner set it (read before any student code runs)."""
    return os.environ.get("GITHUB_OUTPUT") or None
