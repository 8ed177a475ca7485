"""The grading model: behaviours worth points, gathered into one result per kata.

Built only from what test reports carry, so the controller of a pytest-xdist
run grades exactly as a single process does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a learner stands on one kata."""

    DONE = "done"
    IN_PROGRESS = "in progress"
    NOT_STARTED = "not started"
    CRASHED = "does not import"
    CHANGED = "changed since last graded"


@dataclass
class Behaviour:
    """One test: the behaviour it checks, its points and how it went."""

    nodeid: str
    name: str
    description: str
    points: int
    order: int = 0
    rules: tuple[str, ...] = ()
    passed: bool = True
    skipped: bool = False
    reason: str = ""

    def fail(self, reason: str) -> None:
        """Record a failure; the first reason of a test is the one shown."""
        if self.passed:
            self.reason = reason
        self.passed = False


@dataclass
class KataResult:
    """Every behaviour of one kata seen in this run."""

    kata_dir: str
    title: str
    tests_in_module: int
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    crash: str = ""
    crash_kind: str = ""  # "import" (the file did not import) or "crashed" (its process ended)
    timed_out: bool = False
    pristine: bool = False

    @property
    def graded(self) -> list[Behaviour]:
        ordered = sorted(self.behaviours.values(), key=lambda b: b.order)
        return [b for b in ordered if not b.skipped]

    @property
    def score(self) -> int:
        return sum(b.points for b in self.graded if b.passed)

    @property
    def max_score(self) -> int:
        return sum(b.points for b in self.graded)

    @property
    def complete(self) -> bool:
        """Did this run grade every behaviour of the kata (not a single test id or ``-k``)?"""
        return len(self.behaviours) >= self.tests_in_module and not any(
            b.skipped for b in self.behaviours.values()
        )

    @property
    def status(self) -> Status:
        if self.crash:
            return Status.CRASHED
        if self.graded and self.score == self.max_score:
            return Status.DONE
        if self.pristine and self.score == 0:
            return Status.NOT_STARTED
        return Status.IN_PROGRESS

    @property
    def failing(self) -> list[Behaviour]:
        return [b for b in self.graded if not b.passed]

    def to_json(self) -> dict[str, Any]:
        """Everything a grader outside this process needs (``kata grade``)."""
        return {
            "kata": self.kata_dir,
            "title": self.title,
            "status": self.status.value,
            "score": self.score,
            "max_score": self.max_score,
            "tests_in_module": self.tests_in_module,
            "complete": self.complete,
            "crash": self.crash,
            "crash_kind": self.crash_kind,
            "behaviours": [
                {
                    "nodeid": b.nodeid,
                    "name": b.name,
                    "description": b.description,
                    "points": b.points,
                    "passed": b.passed,
                    "skipped": b.skipped,
                    "reason": b.reason,
                    "rules": list(b.rules),
                }
                for b in sorted(self.behaviours.values(), key=lambda b: b.order)
            ],
        }
