"""Grade a folder of submissions, one sub-folder per student, in parallel, into a gradebook.

Every submission's learner files are read before the first student's code runs, so
a submission that writes into another student's folder changes nothing that is graded.
The unit of work is one kata of one student; ``-j`` of them run at a time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from graders import __version__
from graders.classroom.expected import CollectionError
from graders.classroom.grading import Grader
from graders.classroom.integrity import Submission, fingerprint_grader, load_submission
from graders.classroom.pristine import PristineError, PristineKata, load_course
from graders.classroom.results import ERROR, KataGrade, SubmissionGrade
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
    course_path: Path | None = None, progress: bool = True,
) -> tuple[list[SubmissionGrade], list[PristineKata]]:  # fmt: skip
    """Every chosen kata of every submission; results in the submissions' order."""
    fingerprint = fingerprint_grader()
    try:
        course = load_course(course_path)
        chosen = course.select(katas)
    except PristineError as exc:
        raise BatchError(str(exc)) from None
    works = [load_submission(folder, course, chosen) for folder in find_submissions(root)]
    settings = SandboxSettings(deadline=deadline, test_timeout=test_timeout)
    try:
        grader = Grader.prepare(course, chosen, settings, fingerprint)
    except CollectionError as exc:
        raise BatchError(str(exc)) from None
    grades: dict[tuple[int, str], KataGrade] = {}
    tasks = [(index, kata) for index in range(len(works)) for kata in chosen]
    with _progress(progress, len(tasks)) as advance, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_grade_safely, grader, works[i], kata): (i, kata.dir) for i, kata in tasks}
        for future in as_completed(futures):
            grades[futures[future]] = future.result()
            advance()
    results = []
    for index, work in enumerate(works):
        own = [grades[(index, kata.dir)] for kata in chosen]
        results.append(grader.assemble(work, own, sum(g.duration for g in own)))
    return results, chosen


def _grade_safely(grader: Grader, work: Submission, kata: PristineKata) -> KataGrade:
    """A bug in the grader becomes an error for that one grade, not the end of the batch."""
    try:
        return grader.grade_one(work, kata)
    except Exception as exc:  # noqa: BLE001 - reported in the gradebook
        grade = KataGrade(kata=kata.kata.id, title=kata.kata.title, number=kata.number, behaviours=[])
        grade.status = ERROR
        grade.message = f"the grader failed on this kata: {type(exc).__name__}: {exc}"
        return grade


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
    """One row per student (score per kata, total, flags) as CSV, and everything as JSON."""
    ids = [k.kata.id for k in katas]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", *ids, "total", "max_total", "status", "flags"])
        for result in results:
            by_id = {k.kata: k for k in result.katas}
            flags = [f"{k.kata}:{flag}" for k in result.katas for flag in k.flags]
            writer.writerow([
                result.student, *[by_id[i].score if i in by_id else "" for i in ids],
                result.score, result.max_score, result.status, " ".join(flags),
            ])  # fmt: skip
    document = {
        "format_version": 1,
        "grader": {"name": "fastapi-katas", "version": __version__},
        "course_sha256": results[0].course_fingerprint if results else "",
        "katas": [{"kata": k.kata.id, "title": k.kata.title} for k in katas],
        "students": [r.to_json() for r in results],
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
