"""Write one ``SubmissionGrade`` in the format a grading platform reads, as that platform defines it.

- ``json``: this grader's own document (everything, for gradebooks and archives).
- ``github``: GitHub Classroom's runner result (``version``, ``status``, ``max_score``,
  ``tests[]`` with ``name``, ``status``, ``message``, ``test_code``, ``filename``,
  ``line_no``, ``duration``, ``score``), base64-encoded as the autograding-*-grader
  actions set their ``result`` output; the grading reporter adds up ``tests[].score``
  against ``max_score``. Kept under ``GITHUB_BUDGET`` by shortening, in a fixed order.
- ``gradescope``: ``results.json`` of Gradescope's autograder specification (``score``,
  ``output``, ``tests[]`` with ``name``, ``number``, ``score``, ``max_score``,
  ``output``, ``visibility``).
- ``exercism``: the test-runner interface, version 3 (``status`` pass/fail/error,
  ``message`` null unless ``error``, ``tests[]`` with ``name``, ``status``, ``message``,
  ``test_code``, ``task_id``).
- ``junit``: JUnit XML, one ``testsuite`` per kata, points as properties.

Every writer cleans the text it writes (``safety.clean_text``), so no result makes one
raise. Sources and field-by-field notes are in docs/CLASSROOM.md.
"""

from __future__ import annotations

import base64
import json
import math
import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.classroom.results import ERROR, FAIL, PASS, KataGrade, SubmissionGrade
from graders.classroom.safety import append_atomic, clean_text, clean_tree, write_atomic

FORMATS = ("json", "github", "gradescope", "exercism", "junit")
MESSAGE_LIMIT = 1000  # per behaviour: a platform shows a line, not a log
GITHUB_OUTPUT_NAME = "result"
# The reporter reads the result from one environment variable, and Linux refuses an
# environment string of MAX_ARG_STRLEN (128 KiB) or more: half of that, whatever the messages.
GITHUB_BUDGET = 64 * 1024  # characters of base64
SANDBOX_LIMIT = 40


def render(grade: SubmissionGrade, fmt: str) -> str:
    """The document for ``fmt`` as text (for ``github``: the base64 string)."""
    writers = {"json": as_json, "github": as_github, "gradescope": as_gradescope, "exercism": as_exercism, "junit": as_junit}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writers[fmt](grade)


def write(grade: SubmissionGrade, fmt: str, out: Path | None, github_output: str | None = None) -> str:
    """Render, write to ``out`` atomically when given, and for ``github`` also append the step's ``result`` output.

    For ``github``, what had to be shortened to fit the budget is added to ``grade.notes``,
    so the summary printed after it says so.
    """
    if fmt == "github":
        document, note = github_fit(grade)
        text = _encode(document)
        if note and note not in grade.notes:
            grade.notes.append(note)
    else:
        text = render(grade, fmt)
    if out is not None:
        write_atomic(out, text + ("" if text.endswith("\n") else "\n"))
    if fmt == "github" and github_output:
        append_atomic(Path(github_output), f"{GITHUB_OUTPUT_NAME}={text}\n")
    return text


def _short(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return clean_text(text, limit).strip()


def _name(kata: KataGrade, description: str) -> str:
    return f"{kata.kata} · {description}"


def _seconds(value: float) -> float:
    return value if math.isfinite(value) and value >= 0 else 0.0


def _kata_summary(kata: KataGrade) -> str:
    line = f"{kata.kata} · {kata.title}: {kata.score}/{kata.max_score} ({kata.status})"
    if kata.message:
        line += f" · {kata.message}"
    return line


def summary_text(grade: SubmissionGrade) -> str:
    """A few plain lines for a human: totals, katas, integrity findings, the sandbox."""
    lines = [f"fastapi-katas · {grade.score}/{grade.max_score} points · {grade.status} · sandbox: {grade.sandbox}"]
    lines += [_kata_summary(k) for k in grade.katas]
    lines += [f"Integrity: {note}" for note in grade.integrity_notes]
    lines += grade.notes
    return clean_text("\n".join(lines))


def _dumps(document: Any, indent: int | None = 2) -> str:
    separators = (",", ":") if indent is None else None
    return json.dumps(clean_tree(document), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False)


# -- json -------------------------------------------------------------------------


def as_json(grade: SubmissionGrade) -> str:
    return _dumps(grade.to_json())


# -- GitHub Classroom ---------------------------------------------------------------


@dataclass(frozen=True)
class _Trim:
    """One step of shortening the GitHub result; the steps only ever take more away."""

    message: int = MESSAGE_LIMIT  # characters of a failure message; 0 leaves messages out
    code: bool = True  # test_code and filename
    name: int = 0  # characters of a test's name; 0 keeps it whole
    per_kata: bool = False  # one line per kata instead of one per behaviour
    total_only: bool = False  # one line in all


_GITHUB_STEPS = (
    _Trim(),
    _Trim(message=300),
    _Trim(message=300, code=False),
    _Trim(message=100, code=False),
    _Trim(message=40, code=False, name=80),
    _Trim(message=0, code=False, name=80),
    _Trim(message=100, code=False, name=80, per_kata=True),
    _Trim(message=0, code=False, total_only=True),
)


def github_result(grade: SubmissionGrade) -> dict[str, Any]:
    """The runner result object before base64 (what the grading reporter decodes), within the budget."""
    return github_fit(grade)[0]


def github_fit(grade: SubmissionGrade, budget: int | None = None) -> tuple[dict[str, Any], str]:
    """The fullest runner result whose base64 fits ``budget``, and what was shortened ("" when nothing).

    The steps are tried in a fixed order, so the same result always shortens the same way;
    every step keeps each test's ``score``, so the points Classroom receives never change.
    """
    budget = GITHUB_BUDGET if budget is None else budget
    document: dict[str, Any] = {}
    note = ""
    for step in _GITHUB_STEPS:
        note = _what_was_shortened(grade, step)
        document = clean_tree(_github_document(grade, step, note))
        if len(_encode(document)) <= budget:
            break
    return document, (f"The GitHub result was shortened to fit GitHub's limit: {note}." if note else "")


def _what_was_shortened(grade: SubmissionGrade, step: _Trim) -> str:
    """What ``step`` takes away from this result, in words; "" when it takes nothing."""
    if step.total_only:
        return "one line for the whole submission"
    if step.per_kata:
        return "one line per kata instead of one per behaviour"
    parts: list[str] = []
    messages = [len(_short(b.message)) for k in grade.katas for b in k.behaviours if b.status != PASS]
    if step.message == 0 and any(messages):
        parts.append("failure messages left out")
    elif any(length > step.message for length in messages):
        parts.append(f"failure messages shortened to {step.message} characters")
    if not step.code and any(k.behaviours for k in grade.katas):
        parts.append("test_code and filename left out")
    if step.name and any(len(_name(k, b.description)) > step.name for k in grade.katas for b in k.behaviours):
        parts.append(f"names shortened to {step.name} characters")
    return "; ".join(parts)


def _github_document(grade: SubmissionGrade, step: _Trim, note: str) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    if step.total_only:
        tests.append(_github_line(f"fastapi-katas · {grade.score}/{grade.max_score} points", _status(grade.status), "", grade.score))
    for kata in [] if step.total_only else grade.katas:
        if step.per_kata or not kata.behaviours:
            passed = sum(1 for b in kata.behaviours if b.status == PASS)
            name = f"{kata.kata} · {kata.title}: {passed}/{len(kata.behaviours)} behaviours pass"
            if not kata.behaviours:  # nothing could even be collected: one line says why
                name = f"{kata.kata} · could not be graded"
            message = _short(kata.message, step.message or 100) if kata.status != PASS else ""
            tests.append(_github_line(name, _status(kata.status) if kata.behaviours else FAIL, message, kata.score,
                                      duration=int(_seconds(kata.duration) * 1000), limit=step.name))  # fmt: skip
            continue
        for behaviour in kata.behaviours:
            tests.append(
                {
                    "name": _limit(_name(kata, behaviour.description), step.name),
                    "status": _status(behaviour.status),
                    "message": (_short(behaviour.message, step.message) or None) if step.message else None,
                    "test_code": f"pytest {behaviour.nodeid}" if step.code else "",
                    "filename": behaviour.file if step.code else "",
                    "line_no": behaviour.line,
                    "duration": int(_seconds(kata.duration) * 1000 / max(1, len(kata.behaviours))),
                    "score": behaviour.score,
                }
            )
    if grade.integrity_notes:
        tests.append(_github_line("Integrity of the submission", FAIL, _short(" ".join(grade.integrity_notes), step.message or 100), 0))
    if note:
        tests.append(_github_line(f"Note: this result was shortened to fit GitHub's limit ({note})", PASS, "", 0))
    return {
        "version": 1, "status": grade.status, "max_score": grade.max_score, "tests": tests,
        "sandbox": clean_text(grade.sandbox, SANDBOX_LIMIT),
    }  # fmt: skip


def _github_line(name: str, status: str, message: str, score: int, duration: int = 0, limit: int = 0) -> dict[str, Any]:
    return {
        "name": _limit(name, limit), "status": status, "message": message or None, "test_code": "kata grade",
        "filename": "", "line_no": 0, "duration": duration, "score": score,
    }  # fmt: skip


def _limit(text: str, limit: int) -> str:
    return clean_text(text, limit) if limit else text


def _status(status: str) -> str:
    return status if status in (PASS, FAIL, ERROR) else ERROR


def _encode(document: dict[str, Any]) -> str:
    return base64.b64encode(_dumps(document, indent=None).encode("utf-8")).decode("ascii")


def as_github(grade: SubmissionGrade) -> str:
    return _encode(github_result(grade))


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
    document = {
        "score": grade.score,
        "execution_time": int(round(_seconds(grade.duration))),
        "output": summary_text(grade),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "status": grade.status, "flags": grade.flags, "course_sha256": grade.course_fingerprint,
            "sandbox": grade.sandbox, "katas_sandbox": {k.kata: k.sandbox for k in grade.katas},
        },  # fmt: skip
        "tests": tests,
    }
    return _dumps(document)


# -- exercism ------------------------------------------------------------------------


def as_exercism(grade: SubmissionGrade) -> str:
    tests: list[dict[str, Any]] = []
    for kata in grade.katas:
        for behaviour in kata.behaviours:
            test: dict[str, Any] = {
                "name": _name(kata, behaviour.description),
                "status": _status(behaviour.status),
                "test_code": behaviour.test_code or f"pytest {behaviour.nodeid}",
                "task_id": kata.number,
            }
            if behaviour.status != PASS:
                test["message"] = _short(behaviour.message) or "failed"
            tests.append(test)
    # "error" only when no test could run at all; otherwise a failing or erroring test makes it "fail".
    # The spec: the top-level message is null (or absent) unless the status is "error".
    status = grade.status
    document: dict[str, Any] = {"version": 3, "status": status, "message": None, "tests": tests}
    if status == ERROR:
        reason = grade.message or "nothing could be graded"
        document["message"] = f"{reason}\n(graded with sandbox: {grade.sandbox})"
    return _dumps(document)


# -- JUnit XML -------------------------------------------------------------------------


def as_junit(grade: SubmissionGrade) -> str:
    root = ElementTree.Element("testsuites", name="fastapi-katas")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for kata in grade.katas:
        failures = sum(1 for b in kata.behaviours if b.status == FAIL)
        errors = sum(1 for b in kata.behaviours if b.status == ERROR)
        duration = _seconds(kata.duration)
        suite = ElementTree.SubElement(
            root, "testsuite", name=kata.kata, tests=str(len(kata.behaviours)), failures=str(failures),
            errors=str(errors), skipped="0", time=f"{duration:.3f}",
        )  # fmt: skip
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("title", kata.title), ("status", kata.status), ("score", kata.score),
                            ("max_score", kata.max_score), ("flags", " ".join(kata.flags)),
                            ("sandbox", kata.sandbox)):  # fmt: skip
            ElementTree.SubElement(properties, "property", name=name, value=str(value))
        for behaviour in kata.behaviours:
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"katas.{kata.kata}.test_kata", name=behaviour.name,
                file=behaviour.file, line=str(behaviour.line), time=f"{duration / max(1, len(kata.behaviours)):.3f}",
            )  # fmt: skip
            case_properties = ElementTree.SubElement(case, "properties")
            ElementTree.SubElement(case_properties, "property", name="description", value=behaviour.description)
            ElementTree.SubElement(case_properties, "property", name="points", value=str(behaviour.points))
            if behaviour.status != PASS:
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
    root.set("time", f"{_seconds(grade.duration):.3f}")
    _clean_xml(root)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


def _clean_xml(root: ElementTree.Element) -> None:
    """Every attribute and text as XML 1.0 allows it: ElementTree escapes markup but writes a NUL as it is."""
    for element in root.iter():
        for key, value in element.attrib.items():
            element.set(key, clean_text(value))
        if element.text is not None:
            element.text = clean_text(element.text)


def github_output_path() -> str | None:
    """``$GITHUB_OUTPUT`` as the runner set it (read before any student code runs)."""
    return os.environ.get("GITHUB_OUTPUT") or None
