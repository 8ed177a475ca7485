"""Judge one graded run: only a report that passes every check earns points.

The parent knows the expected behaviours and their points on its own and takes from the
run only which of them passed. A check that always fails is added to the tests: if the run
reports it passed, or pytest ends with success, the run's reporting was tampered with.
The report is parsed with a nesting limit, and every string taken from it is cleaned
(``safety.clean_text``) before it is stored: a hostile report is rejected, never a crash.
"""

from __future__ import annotations

import signal
from typing import Any

from graders.classroom.pristine import PristineKata
from graders.classroom.results import (
    ERROR,
    FAIL,
    FLAG_CRASHED,
    FLAG_NO_IMPORT,
    FLAG_REPORT_REJECTED,
    FLAG_TIMEOUT,
    PASS,
    KataGrade,
)
from graders.classroom.safety import UnsafeDocument, clean_text, load_json
from graders.classroom.sandbox import RunOutcome, SandboxSettings

HUNG_MARK = "took longer than"
NOT_GRADED_MARK = "an earlier behaviour of this kata hung"
STORED_MESSAGE = 4000  # characters of one failure message kept in a result (platforms show 1000)


def judge(grade: KataGrade, outcome: RunOutcome, canary: str, kata: PristineKata, settings: SandboxSettings) -> None:
    """Fill ``grade`` from a run: only a report that passes every check earns points."""
    grade.duration = outcome.duration
    grade.log_tail = clean_text(outcome.output[-(1024 if outcome.host_output else 4096) :])
    if outcome.output_bytes > settings.output_cap:
        grade.notes.append(f"The run printed {outcome.output_bytes // 1024} KB; only the last {settings.output_cap // 1024} KB were kept.")
    if outcome.host_output:
        grade.log_tail += "\n--- the learner's code printed ---\n" + clean_text(outcome.host_output[-2900:])
    if outcome.host_output_bytes > settings.output_cap:
        grade.notes.append(
            f"The learner's code printed {outcome.host_output_bytes // 1024} KB; only the last "
            f"{settings.output_cap // 1024} KB were kept."
        )
    if outcome.timed_out:
        grade.flag(FLAG_TIMEOUT)
        grade.fail_all(f"grading took longer than {settings.deadline:g} s in all and was stopped (an endless loop or a hang?)")
        return
    if outcome.report_too_large:
        grade.flag(FLAG_REPORT_REJECTED)
        grade.fail_all("the grading run sent a report far larger than any real one; it was not trusted")
        return
    if not outcome.report.strip():
        grade.flag(FLAG_CRASHED)
        grade.fail_all(_no_report_reason(outcome))
        return
    try:
        text = outcome.report.decode("utf-8").strip()
        document, end = load_json(text)
    except UnsafeDocument:
        return _reject(grade, "the grading run's report nests far deeper than any real one")
    except (UnicodeDecodeError, ValueError):
        return _reject(grade, "the grading run's report is not valid JSON")
    if text[end:].strip():
        return _reject(grade, "the grading run sent more than one report")
    try:
        problem = _check_document(document, kata, grade, canary, outcome)
    except (RecursionError, TypeError, ValueError, AttributeError):
        problem = "the grading run's report is not in the expected format"
    if problem:
        return _reject(grade, problem)
    entry = document["katas"][0]
    reported = {str(b["nodeid"]): b for b in entry["behaviours"]}
    crash = clean_text(entry.get("crash") or "", STORED_MESSAGE)
    for behaviour in grade.behaviours:
        seen = reported[behaviour.nodeid]
        if seen.get("passed") is True and not seen.get("skipped"):
            behaviour.status = PASS
            behaviour.message = ""
            continue
        reason = clean_text(seen.get("reason") or "", STORED_MESSAGE)
        if seen.get("skipped"):
            reason = f"skipped, so not graded: {reason}" if reason else "skipped, so not graded"
        behaviour.status = ERROR if crash else FAIL
        behaviour.message = reason or "failed"
        if HUNG_MARK in reason or NOT_GRADED_MARK in reason:
            grade.flag(FLAG_TIMEOUT)
    if crash and entry.get("crash_kind") == "crashed":
        grade.flag(FLAG_CRASHED)
        grade.status = ERROR
        grade.message = f"crashed: {crash}"
    elif crash:
        grade.flag(FLAG_NO_IMPORT)
        grade.status = ERROR
        grade.message = f"does not import: {crash}"
    else:
        grade.status = PASS if all(b.status == PASS for b in grade.behaviours) else FAIL


def _check_document(document: Any, kata: PristineKata, grade: KataGrade, canary: str, outcome: RunOutcome) -> str:
    """Why the report cannot be trusted, or "" when it can."""
    if not isinstance(document, dict) or document.get("format_version") != 1:
        return "the grading run's report is not in the expected format"
    katas = document.get("katas")
    if not isinstance(katas, list) or len(katas) != 1 or not isinstance(katas[0], dict):
        return "the grading run's report does not describe exactly this kata"
    entry = katas[0]
    if entry.get("kata") != kata.dir or not isinstance(entry.get("behaviours"), list):
        return "the grading run's report does not describe exactly this kata"
    behaviours = entry["behaviours"]
    if not all(isinstance(b, dict) and "nodeid" in b for b in behaviours):
        return "the grading run's report is not in the expected format"
    ids = [str(b["nodeid"]) for b in behaviours]
    canary_ids = [i for i in ids if i.rpartition("::")[2] == canary]
    expected = {b.nodeid for b in grade.behaviours}
    real = [i for i in ids if i not in canary_ids]
    if len(ids) != len(set(ids)) or set(real) != expected:
        return "the grading run reported other tests than the course's"
    if len(canary_ids) != 1:
        return "the grading run left out a check that is always run"
    check = next(b for b in behaviours if str(b["nodeid"]) == canary_ids[0])
    if check.get("passed") is not False:
        return "a check that always fails was reported as passing: the run's reporting was tampered with"
    if outcome.returncode == 0 or document.get("exitstatus") == 0:
        return "pytest ended with success although a check always fails: the run's reporting was tampered with"
    if outcome.returncode != document.get("exitstatus"):
        return f"the run's exit code ({_describe_code(outcome.returncode)}) does not match its report"
    if outcome.returncode == 2:
        return "the run was interrupted (a KeyboardInterrupt raised by the code?)"
    if outcome.returncode != 1:
        return f"pytest did not finish its run ({_describe_code(outcome.returncode)})"
    return ""


def _reject(grade: KataGrade, reason: str) -> None:
    grade.flag(FLAG_REPORT_REJECTED)
    grade.fail_all(f"{reason}; no points were given")


def _no_report_reason(outcome: RunOutcome) -> str:
    code = outcome.returncode
    if code == 0:
        return "the grading process ended early with exit code 0 (os._exit or similar) before anything was graded"
    if code is not None and code < 0:
        return f"the grading process crashed ({_describe_code(code)}), e.g. an endless recursion or too much memory"
    if code is None:
        return "the grading process could not be started"
    return f"the grading process ended without a report ({_describe_code(code)})"


def _describe_code(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
