"""The result model of ``kata grade``: every output format is written from these objects.

Points and behaviour names come from the pristine tests, collected by the grader
itself; the graded run contributes only which behaviours passed and why others did not.
Text from a run or a submission is cleaned before it is stored here (``safety.clean_text``),
and ``to_json`` cleans again, so a result can always be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graders.classroom.safety import clean_tree

PASS = "pass"
FAIL = "fail"
ERROR = "error"

# Short codes a gradebook can filter on; the human sentence is in ``notes`` or ``message``.
FLAG_TAMPERED = "tampered"  # a protected file was changed, added or removed; the pristine one was used
FLAG_REPORT_REJECTED = "report-rejected"  # the graded run's report could not be trusted
FLAG_TIMEOUT = "timeout"  # a behaviour or the whole kata ran out of time
FLAG_NO_IMPORT = "does-not-import"  # the learner's file did not import
FLAG_CRASHED = "crashed"  # the grading process died or ended without a report
FLAG_MISSING = "missing-file"  # a learner file was not in the submission
FLAG_GRADER_CHANGED = "grader-changed"  # the grader's own files changed while grading
FLAG_GRADER_ERROR = "grader-error"  # the grader itself failed on this kata (a bug): nothing was graded

# Which protection was in force for a graded run, as the sandbox reports it:
# "bwrap", "unshare", "landlock+uid", "landlock", "uid" or "none".
NO_SANDBOX = "none"


@dataclass
class BehaviourGrade:
    """One behaviour of a kata: its points, how it went, and why it failed in learner words."""

    nodeid: str
    name: str
    description: str
    points: int
    status: str = FAIL
    message: str = ""
    file: str = ""
    line: int = 0
    test_code: str = ""

    @property
    def score(self) -> int:
        return self.points if self.status == PASS else 0

    def to_json(self) -> dict[str, Any]:
        return clean_tree({
            "nodeid": self.nodeid,
            "name": self.name,
            "description": self.description,
            "points": self.points,
            "score": self.score,
            "status": self.status,
            "message": self.message,
        })  # fmt: skip


@dataclass
class KataGrade:
    """One kata of one submission: ``pass`` (everything works), ``fail`` or ``error`` (not gradable)."""

    kata: str
    title: str
    number: int
    behaviours: list[BehaviourGrade]
    status: str = FAIL
    message: str = ""
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0
    log_tail: str = ""
    untouched: bool = False  # the learner files are the pristine ones: "not started"
    sandbox: str = NO_SANDBOX  # the protection this kata's run had

    @property
    def score(self) -> int:
        return sum(b.score for b in self.behaviours)

    @property
    def max_score(self) -> int:
        return sum(b.points for b in self.behaviours)

    @property
    def failing(self) -> list[BehaviourGrade]:
        return [b for b in self.behaviours if b.status != PASS]

    def flag(self, code: str, note: str = "") -> None:
        if code not in self.flags:
            self.flags.append(code)
        if note and note not in self.notes:
            self.notes.append(note)

    def fail_all(self, message: str, status: str = ERROR) -> None:
        """Nothing in this kata could be graded: every behaviour scores 0 with the same reason."""
        self.status = status
        self.message = message
        for behaviour in self.behaviours:
            behaviour.status = ERROR
            behaviour.message = message

    def to_json(self) -> dict[str, Any]:
        return clean_tree({
            "kata": self.kata,
            "title": self.title,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "untouched": self.untouched,
            "flags": list(self.flags),
            "notes": list(self.notes),
            "duration": round(self.duration, 3),
            "sandbox": self.sandbox,
            "behaviours": [b.to_json() for b in self.behaviours],
            "log_tail": self.log_tail,
        })  # fmt: skip


@dataclass
class SubmissionGrade:
    """Every graded kata of one student's submission, and what the integrity check found."""

    student: str
    katas: list[KataGrade]
    grader_version: str
    course_fingerprint: str
    integrity_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0
    sandbox: str = NO_SANDBOX  # the protection the submission's runs had

    @property
    def score(self) -> int:
        return sum(k.score for k in self.katas)

    @property
    def max_score(self) -> int:
        return sum(k.max_score for k in self.katas)

    @property
    def status(self) -> str:
        """``pass`` when every kata passes, ``error`` when none could be graded, else ``fail``."""
        if self.katas and all(k.status == PASS for k in self.katas):
            return PASS
        if self.katas and all(k.status == ERROR for k in self.katas):
            return ERROR
        return FAIL

    @property
    def flags(self) -> list[str]:
        seen: list[str] = []
        if self.integrity_notes:
            seen.append(FLAG_TAMPERED)
        for kata in self.katas:
            for flag in kata.flags:
                if flag not in seen:
                    seen.append(flag)
        return seen

    @property
    def message(self) -> str:
        """One line for an ``error`` result: what stopped grading."""
        errors = [f"{k.kata}: {k.message}" for k in self.katas if k.status == ERROR and k.message]
        return "; ".join(errors)

    def to_json(self) -> dict[str, Any]:
        return clean_tree({
            "format_version": 1,
            "student": self.student,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "flags": self.flags,
            "integrity": list(self.integrity_notes),
            "notes": list(self.notes),
            "grader": {"name": "fastapi-katas", "version": self.grader_version},
            "course_sha256": self.course_fingerprint,
            "duration": round(self.duration, 3),
            "sandbox": self.sandbox,
            "katas": [k.to_json() for k in self.katas],
        })  # fmt: skip
