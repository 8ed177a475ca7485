"""Grade a folder of submissions, one sub-folder per student, in parallel, into a gradebook.

Every submission's learner files are read before the first student's code runs, so
a submission that writes into another student's folder changes nothing that is graded.
The unit of work is one kata of one student; ``-j`` of them run at a time. Whatever goes
wrong with one kata (a bug in the grader, an input it did not expect) is an ``error`` for
that kata only, and the gradebook files are written whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from graders import __version__
from graders.classroom.expected import CollectionError
from graders.classroom.grading import Grader, new_grade
from graders.classroom.integrity import (
    IntegrityReport,
    Submission,
    fingerprint_grader,
    load_submission,
)
from graders.classroom.isolation import IsolationError
from graders.classroom.pristine import (
    PristineCourse,
    PristineError,
    PristineKata,
    load_course,
)
from graders.classroom.results import FLAG_GRADER_ERROR, KataGrade, SubmissionGrade
from graders.classroom.safety import clean_name, clean_text, write_atomic
from graders.classroom.sandbox import SandboxSettings

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class BatchError(Exception):
    """The batch cannot start; the message says why."""


def find_submissions(root: Path) -> list[Path]:
    """Each sub-folder is one student's submission (hidden and ``_``-prefixed ones are skipped)."""
    if not root.is_dir():
        raise BatchError(f"{root} is not a folder")
    found = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))]
    if not found:
        raise BatchError(f"{root} holds no student folders")
    return found


def grade_batch(
    root: Path, katas: list[str] | None, jobs: int = 2, deadline: float = 120.0, test_timeout: float | None = None,
    course_path: Path | None = None, progress: bool = True, sandbox: str = "auto",
) -> tuple[list[SubmissionGrade], list[PristineKata]]:  # fmt: skip
    """Every chosen kata of every submission; results in the submissions' order."""
    fingerprint = fingerprint_grader()
    try:
        course = load_course(course_path)
        chosen = course.select(katas)
    except PristineError as exc:
        raise BatchError(str(exc)) from None
    works = [_load_safely(folder, course, chosen) for folder in find_submissions(root)]
    settings = SandboxSettings(deadline=deadline, test_timeout=test_timeout, sandbox=sandbox)
    try:
        grader = Grader.prepare(course, chosen, settings, fingerprint)
    except (CollectionError, IsolationError) as exc:
        raise BatchError(str(exc)) from None
    grades: dict[tuple[int, str], KataGrade] = {}
    tasks = [(index, kata) for index in range(len(works)) for kata in chosen]
    with _progress(progress, len(tasks)) as advance, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_safely, grader, works[i], kata): (i, kata.dir) for i, kata in tasks}
        for future in as_completed(futures):
            grades[futures[future]] = future.result()
            advance()
    results = []
    for index, work in enumerate(works):
        own = [grades[(index, kata.dir)] for kata in chosen]
        results.append(grader.assemble(work, own, sum(g.duration for g in own)))
    return results, chosen


def grade_safely(grader: Grader, work: Submission, kata: PristineKata) -> KataGrade:
    """One kata; any exception becomes an ``error`` for that kata (its real points, none earned), never the end of a run."""
    try:
        return grader.grade_one(work, kata)
    except Exception as exc:  # noqa: BLE001 - reported in the result
        message = clean_text(f"the grader failed on this kata: {type(exc).__name__}: {exc}", 1000)
        try:
            grade = new_grade(kata, grader.expected[kata.dir])
        except Exception:  # noqa: BLE001 - the expected behaviours themselves are what failed
            grade = KataGrade(kata=kata.kata.id, title=kata.kata.title, number=kata.number, behaviours=[])
        grade.flag(FLAG_GRADER_ERROR)
        grade.fail_all(message)
        return grade


def grade_submission(grader: Grader, work: Submission, jobs: int = 1) -> SubmissionGrade:
    """Every chosen kata of one submission, ``jobs`` at a time, each through ``grade_safely``."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        grades = list(pool.map(lambda kata: grade_safely(grader, work, kata), grader.katas))
    return grader.assemble(work, grades, time.monotonic() - started)


def _load_safely(folder: Path, course: PristineCourse, katas: list[PristineKata]) -> Submission:
    """A submission that cannot be read is graded as one without files, with the reason on every kata."""
    try:
        return load_submission(folder, course, katas)
    except Exception as exc:  # noqa: BLE001 - one unreadable folder must not stop the class's batch
        reason = clean_text(f"the submission could not be read ({type(exc).__name__}: {exc}).", 1000)
        return Submission(clean_name(folder.name), folder, {k.dir: {} for k in katas}, IntegrityReport(), {k.dir: [reason] for k in katas})


class _progress:
    """A Rich progress bar on standard error, or nothing; entering gives the function that advances it."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> Callable[[], None]:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
            )  # fmt: skip
            self.bar.__enter__()
            self.task = self.bar.add_task("grading", total=self.total)
        return self._advance

    def _advance(self) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def write_gradebook(results: list[SubmissionGrade], katas: list[PristineKata], csv_path: Path, json_path: Path) -> None:
    """One row per student (score per kata, total, flags, sandbox) as CSV, and everything as JSON.

    Each file is written to a temporary file beside it and renamed, so a crash leaves no half gradebook.
    """
    ids = [k.kata.id for k in katas]
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(["student", *ids, "total", "max_total", "status", "flags", "sandbox"])
    for result in results:
        by_id = {k.kata: k for k in result.katas}
        flags = [f"{k.kata}:{flag}" for k in result.katas for flag in k.flags]
        writer.writerow([
            clean_text(result.student), *[by_id[i].score if i in by_id else "" for i in ids],
            result.score, result.max_score, result.status, clean_text(" ".join(flags)), clean_text(result.sandbox),
        ])  # fmt: skip
    write_atomic(csv_path, table.getvalue())
    document = {
        "format_version": 1,
        "grader": {"name": "fastapi-katas", "version": __version__},
        "course_sha256": results[0].course_fingerprint if results else "",
        "katas": [{"kata": k.kata.id, "title": k.kata.title} for k in katas],
        "students": [r.to_json() for r in results],
    }
    write_atomic(json_path, json.dumps(document, indent=2, ensure_ascii=False))
