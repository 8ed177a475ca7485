"""Grade one submission: every chosen kata in its own sandbox, against the pristine course.

Order matters for trust: the course and the grader's own files are read and hashed
first, then the submission's learner files are read, and only then does any student
code run. After each graded run the grader checks that its own files are unchanged.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from graders import __version__
from graders.classroom.expected import ExpectedBehaviour, collect_expected
from graders.classroom.integrity import GraderFingerprint, Submission
from graders.classroom.isolation import NONE, UID, choose, describe
from graders.classroom.pristine import PristineCourse, PristineKata
from graders.classroom.results import (
    ERROR,
    FLAG_GRADER_CHANGED,
    FLAG_MISSING,
    FLAG_TAMPERED,
    BehaviourGrade,
    KataGrade,
    SubmissionGrade,
)
from graders.classroom.sandbox import SandboxSettings, background_child, pytest_command, run_child
from graders.classroom.selfcheck import StartupFiles
from graders.classroom.verdict import judge
from graders.classroom.workspace import (
    add_canary,
    course_files,
    make_folder,
    write_course_files,
    write_learner_files,
)
from graders.host.session import PROBES_FILE


def new_grade(kata: PristineKata, expected: list[ExpectedBehaviour]) -> KataGrade:
    """A kata's grade before its run: every expected behaviour, failing, worth its points."""
    return KataGrade(
        kata=kata.kata.id, title=kata.kata.title, number=kata.number,
        behaviours=[
            BehaviourGrade(
                nodeid=e.nodeid, name=e.name, description=e.description, points=e.points,
                file=e.file, line=e.line, test_code=e.test_code,
            )
            for e in expected
        ],
    )  # fmt: skip


def grade_kata(
    course: PristineCourse, kata: PristineKata, expected: list[ExpectedBehaviour],
    learner: dict[str, bytes | None], settings: SandboxSettings, notes: list[str] | None = None,
) -> KataGrade:  # fmt: skip
    """Run the pristine tests of ``kata`` against the learner files and judge what comes back."""
    grade = new_grade(kata, expected)
    grade.untouched = all(learner.get(name) == kata.files.get(name) for name in kata.learner_files)
    missing = [name for name in kata.learner_files if learner.get(name) is None]
    for note in notes or []:
        grade.flag(FLAG_MISSING, note)
    if missing and not notes:
        grade.flag(FLAG_MISSING, f"{', '.join(missing)} not in the submission.")
    folder = make_folder("kata-grade-")
    host_folder = make_folder("kata-host-")
    exchange = make_folder("kata-exchange-")
    try:
        write_course_files(folder, course, [kata])
        write_learner_files(folder, kata, learner)  # as data: the judge never imports them
        canary = add_canary(folder, kata)
        write_course_files(host_folder, course, [kata], host=True)
        write_learner_files(host_folder, kata, learner)
        exchange.chmod(0o755)
        socket = exchange / "host.sock"
        host_command = [
            settings.python, "-I", "-B", "-u", "-m", "graders.host", "--socket", str(socket),
            "--kata-file", str(host_folder / "katas" / kata.dir / kata.kata.stub.name),
            "--probes", str(host_folder / "katas" / kata.dir / PROBES_FILE), "--exchange", str(exchange),
        ]  # fmt: skip
        args = [
            "--no-grade-card", "--kata-report=fd:{report_fd}", "-q", "-s", "--tb=no", "-rN",
            f"--kata-host={socket}", f"--kata-host-root={host_folder}",
        ]  # fmt: skip
        if settings.test_timeout is not None:
            args.append(f"--kata-timeout={settings.test_timeout:g}")
        command = pytest_command(settings, folder, *args, f"katas/{kata.dir}/test_kata.py")
        host_files = course_files(host_folder, [kata])
        isolation = choose(settings.sandbox, settings.python)
        with isolation.run_uid() as host_uid, isolation.run_uid() as judge_uid:
            if host_uid is not None and judge_uid is not None:
                os.chown(exchange, host_uid, judge_uid)  # the host writes, its judge may look, nobody else
                exchange.chmod(0o2750)  # setgid: the socket the host makes there is in the judge's group
            with background_child(host_command, host_folder, settings, host_files, [exchange], uid=host_uid) as host:
                outcome = run_child(
                    command, folder, settings, with_report=True, protected=course_files(folder, [kata]),
                    reads=[exchange], uid=judge_uid,
                )  # fmt: skip
        outcome.host_output, outcome.host_output_bytes = bytes(host.tail), host.total
    finally:
        for path in (folder, host_folder, exchange):
            shutil.rmtree(path, ignore_errors=True)
    grade.sandbox = outcome.sandbox
    judge(grade, outcome, canary, kata, settings)
    return grade


@dataclass
class Grader:
    """A trusted starting point: the course, the grader's fingerprint and the expected behaviours."""

    course: PristineCourse
    katas: list[PristineKata]
    settings: SandboxSettings
    fingerprint: GraderFingerprint
    expected: dict[str, list[ExpectedBehaviour]]
    watch_startup_files: bool = False  # the sandbox cannot make site-packages read-only: compare them
    startup_changes: list[str] = field(default_factory=list)

    @classmethod
    def prepare(
        cls, course: PristineCourse, katas: list[PristineKata], settings: SandboxSettings, fingerprint: GraderFingerprint
    ) -> Grader:
        """Collect the expected behaviours (raises ``CollectionError`` when the course is broken).

        Raises ``IsolationError`` when the sandbox the settings ask for is not available.
        """
        sys.dont_write_bytecode = True  # the grader's own imports must not look like a planted .pyc
        isolation = choose(settings.sandbox, settings.python)
        expected = collect_expected(course, katas, settings)
        return cls(course, katas, settings, fingerprint, expected, watch_startup_files=isolation.name in (UID, NONE))

    def grade_one(self, submission: Submission, kata: PristineKata) -> KataGrade:
        """One kata of one submission, between two checks that the grader is as it was at start-up."""
        before = self.fingerprint.changed() + self.startup_changes
        if before and not self.fingerprint.editable:
            grade = new_grade(kata, self.expected[kata.dir])
            grade.flag(FLAG_GRADER_CHANGED)
            grade.fail_all(
                f"not graded: the grader's own files were changed by an earlier grading run ({_few(before)}); "
                "reinstall the grader and grade again"
            )
            return grade
        watch = StartupFiles.now() if self.watch_startup_files else None
        grade = grade_kata(
            self.course, kata, self.expected[kata.dir], submission.learner.get(kata.dir, {}),
            self.settings, submission.kata_notes.get(kata.dir),
        )  # fmt: skip
        changed = sorted(set(self.fingerprint.changed()) - set(before))
        planted = watch.changed() if watch else []
        if planted:
            self.startup_changes.extend(planted)
            grade.flag(FLAG_GRADER_CHANGED)
            grade.fail_all(
                f"files every later Python start reads (.pth, bytecode) changed while this kata was graded "
                f"({_few(planted)}); no points were given"
            )
        elif changed and self.fingerprint.editable:
            grade.flag(FLAG_GRADER_CHANGED, f"The grader's files changed while this kata was graded: {_few(changed)}.")
        elif changed:
            grade.flag(FLAG_GRADER_CHANGED)
            grade.fail_all(f"the grader's own files changed while this kata was graded ({_few(changed)}); no points were given")
        for line in submission.integrity.lines():
            if f"/{kata.dir}/" in f"/{line}":
                grade.flag(FLAG_TAMPERED, line)
        grade.notes.extend(line for line in submission.integrity.missing_lines() if f"/{kata.dir}/" in f"/{line}")
        return grade

    def grade(
        self, submission: Submission, jobs: int = 1, on_done: Callable[[KataGrade], None] | None = None
    ) -> SubmissionGrade:
        """Every chosen kata of ``submission``, ``jobs`` at a time, in course order."""
        started = time.monotonic()

        def one(kata: PristineKata) -> KataGrade:
            grade = self.grade_one(submission, kata)
            if on_done:
                on_done(grade)
            return grade

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            grades = list(pool.map(one, self.katas))
        return self.assemble(submission, grades, time.monotonic() - started)

    def assemble(self, submission: Submission, grades: list[KataGrade], duration: float) -> SubmissionGrade:
        result = SubmissionGrade(
            student=submission.name, katas=grades, grader_version=__version__,
            course_fingerprint=self.course.fingerprint, integrity_notes=submission.integrity.lines(),
            duration=duration,
        )  # fmt: skip
        result.notes.extend(f"{kata} has no tests in the course, so it was not graded." for kata in self.course.unavailable)
        result.notes.extend(submission.integrity.missing_lines())
        result.notes.extend(self.fingerprint.problems)
        isolation = choose(self.settings.sandbox, self.settings.python)
        result.sandbox = isolation.name
        if isolation.why:
            result.notes.append(describe(isolation))
        if self.course.source == "checkout":
            result.notes.append("Graded against the teacher's checkout of the course, not an installed grader.")
        return result


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (" …" if len(names) > 3 else "")


def error_result(student: str, course: PristineCourse | None, katas: list[PristineKata], message: str) -> SubmissionGrade:
    """A valid result for a run the grader itself could not do (a broken course, a missing install)."""
    grades = [
        KataGrade(kata=k.kata.id, title=k.kata.title, number=k.number, behaviours=[], status=ERROR, message=message)
        for k in katas
    ]
    if not grades:
        grades = [KataGrade(kata="course", title="fastapi-katas", number=0, behaviours=[], status=ERROR, message=message)]
    return SubmissionGrade(
        student=student, katas=grades, grader_version=__version__,
        course_fingerprint=course.fingerprint if course else "", notes=[message],
    )  # fmt: skip
