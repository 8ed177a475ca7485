"""``kata grade``, ``kata grade-batch`` and ``kata classroom``: the teacher's side of the course.

Only Typer is imported at module level, so ``kata`` stays quick to start; the grading
machinery is imported inside each command.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from graders.classroom.pristine import PristineCourse, PristineKata
    from graders.classroom.results import SubmissionGrade


class Format(str, Enum):
    json = "json"
    github = "github"
    gradescope = "gradescope"
    exercism = "exercism"
    junit = "junit"


DEADLINE_HELP = "Seconds one kata may take in all, start-up included; then its run is stopped (error)."
TEST_TIMEOUT_HELP = "Seconds one behaviour may run (default: the kata's own, 10 s unless it says more)."
SHOWN_FAILURES = 8
COURSE_HELP = "Grade against the course in this folder instead of the one installed with the grader."

classroom_app = typer.Typer(
    name="classroom",
    help="For teachers: a student starter repository for GitHub Classroom, or a Gradescope autograder.",
    rich_markup_mode="rich",
    no_args_is_help=True,
)


class Sandbox(str, Enum):
    """The OS sandbox around each graded run (see docs/CLASSROOM.md, "The sandbox")."""

    auto = "auto"
    bwrap = "bwrap"
    landlock_uid = "landlock+uid"
    landlock = "landlock"
    uid = "uid"
    none = "none"


SANDBOX_HELP = "The OS sandbox: auto picks the strongest available; naming one insists on it; none grades without."


def _fail(message: str) -> typer.Exit:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(f"[red]✗[/red] {escape(message)}", highlight=False)
    return typer.Exit(code=1)


def grade_command(
    katas: Annotated[list[str] | None, typer.Argument(help="Kata numbers or names; default: every kata.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="What to write: the platform's own format.")] = Format.json,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the result here (default: standard output).")] = None,
    submission: Annotated[Path, typer.Option("--submission", "-s", help="The student's folder (default: here).")] = Path("."),
    student: Annotated[str, typer.Option(help="The student's name in the result (default: the folder's name).")] = "",
    timeout: Annotated[float, typer.Option("--timeout", min=1, help=DEADLINE_HELP)] = 120.0,
    test_timeout: Annotated[float | None, typer.Option("--test-timeout", min=0.1, help=TEST_TIMEOUT_HELP)] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Katas graded at the same time.")] = 1,
    course: Annotated[Path | None, typer.Option("--course", help=COURSE_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Write only the result, no summary.")] = False,
    sandbox: Annotated[Sandbox, typer.Option("--sandbox", help=SANDBOX_HELP)] = Sandbox.auto,
) -> None:
    """Grade a submission against the pristine tests, in separate processes, and write a result a platform reads.

    Every kata runs in a fresh folder holding the teacher's tests and the student's learner
    files only, with a time limit. A result is always written, also when the student's code
    crashes, loops or exits (status [bold]error[/bold] with the reason), and also when the
    grader itself fails on a kata (that kata is an error). Exit code 0 means a result was
    written, whatever the score; 1 means the grader could not start or failed, after
    writing an [bold]error[/bold] result.
    """
    from graders.classroom.batch import grade_submission
    from graders.classroom.expected import CollectionError
    from graders.classroom.formats import github_output_path
    from graders.classroom.grading import Grader, error_result
    from graders.classroom.integrity import fingerprint_grader, load_submission
    from graders.classroom.isolation import IsolationError
    from graders.classroom.pristine import PristineError, load_course
    from graders.classroom.safety import clean_name, clean_text
    from graders.classroom.sandbox import SandboxSettings

    github_output = github_output_path()  # read before any student code runs
    name = clean_text(student) if student else clean_name(submission.resolve().name)
    loaded: PristineCourse | None = None
    chosen: list[PristineKata] = []
    try:
        fingerprint = fingerprint_grader()
        loaded = load_course(course)
        chosen = loaded.select(katas)
        if not submission.is_dir():
            raise PristineError(f"{submission} is not a folder")
        work = load_submission(submission, loaded, chosen, name)
        settings = SandboxSettings(deadline=timeout, test_timeout=test_timeout, sandbox=sandbox.value)
        grader = Grader.prepare(loaded, chosen, settings, fingerprint)
    except Exception as exc:  # noqa: BLE001 - whatever stopped the start, the platform still gets a result
        known = isinstance(exc, PristineError | CollectionError | IsolationError)
        reason = clean_text(str(exc) if known else f"{type(exc).__name__}: {exc}", 1000)
        _write_result(error_result(name, loaded, chosen, f"the grader could not start: {reason}"), fmt.value, out, github_output)
        raise _fail(f"{reason}.") from None
    failure = ""
    try:
        result = grade_submission(grader, work, jobs=jobs)
    except Exception as exc:  # noqa: BLE001 - each kata is already safe; this is assembling them
        failure = clean_text(f"the grader failed: {type(exc).__name__}: {exc}", 1000)
        result = error_result(name, loaded, chosen, failure)
    text = _write_result(result, fmt.value, out, github_output)
    if out is None:
        sys.stdout.write(text + "\n")
    if not quiet:
        _print_summary(result, to_stderr=out is None)
    if failure:
        raise _fail(f"{failure}.")


def _write_result(result: SubmissionGrade, fmt: str, out: Path | None, github_output: str | None) -> str:
    """Write ``result``; should a writer fail on it after all, write an ``error`` result in its place."""
    from graders.classroom.formats import write
    from graders.classroom.grading import error_result
    from graders.classroom.safety import clean_text

    try:
        return write(result, fmt, out, github_output)
    except OSError as exc:
        raise _fail(f"could not write the result ({exc}).") from None
    except Exception as exc:  # noqa: BLE001 - a bug in a writer still leaves a valid result
        message = clean_text(f"the grader could not write its result: {type(exc).__name__}: {exc}", 1000)
        fallback = error_result(clean_text(result.student), None, [], message)
        return write(fallback, fmt, out, github_output)


def _print_summary(result: SubmissionGrade, to_stderr: bool) -> None:
    """The grade in learner words: each kata's score, and why each failing behaviour fails."""
    from rich.console import Console
    from rich.markup import escape as escape_markup

    from graders.classroom.safety import clean_text

    def escape(text: str) -> str:
        return escape_markup(clean_text(text))

    console = Console(stderr=to_stderr, highlight=False, soft_wrap=True)
    colour = {"pass": "green", "fail": "yellow", "error": "red"}
    for kata in result.katas:
        console.print(
            f"[bold {colour.get(kata.status, 'red')}]{escape(kata.kata)} · {escape(kata.title)}  "
            f"{kata.score}/{kata.max_score} · {kata.status}[/]"
        )
        if kata.status == "error":
            console.print(f"  {escape(kata.message)}")
        elif kata.untouched and kata.score == 0:
            console.print(f"  not started: {len(kata.behaviours)} behaviours to make pass.")
        else:
            for behaviour in kata.failing[:SHOWN_FAILURES]:
                console.print(f"  [red]✗[/red] {escape(behaviour.description)}")
                if behaviour.message:
                    console.print(f"      {escape(behaviour.message[:300])}")
            if len(kata.failing) > SHOWN_FAILURES:
                console.print(f"  … and {len(kata.failing) - SHOWN_FAILURES} more; `pytest katas/{kata.kata}` shows them all.")
        for note in kata.notes:
            console.print(f"  [cyan]{escape(note)}[/cyan]")
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    console.print(f"Sandbox: {escape(result.sandbox)}")
    console.print(f"[bold]Total: {result.score}/{result.max_score} points[/bold]")


def grade_batch_command(
    submissions: Annotated[Path, typer.Argument(help="A folder with one sub-folder per student.")],
    katas: Annotated[list[str] | None, typer.Option("--kata", "-k", help="Grade only these katas (repeatable).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Gradings run at the same time.")] = 2,
    csv_path: Annotated[Path, typer.Option("--csv", help="The gradebook as CSV.")] = Path("gradebook.csv"),
    json_path: Annotated[Path, typer.Option("--json", help="The gradebook as JSON, with every behaviour.")] = Path("gradebook.json"),
    timeout: Annotated[float, typer.Option("--timeout", min=1, help=DEADLINE_HELP)] = 120.0,
    test_timeout: Annotated[float | None, typer.Option("--test-timeout", min=0.1, help=TEST_TIMEOUT_HELP)] = None,
    course: Annotated[Path | None, typer.Option("--course", help=COURSE_HELP)] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    sandbox: Annotated[Sandbox, typer.Option("--sandbox", help=SANDBOX_HELP)] = Sandbox.auto,
) -> None:
    """Grade every student's folder in parallel and write a gradebook (CSV and JSON)."""
    from graders.classroom.batch import BatchError, grade_batch, write_gradebook

    try:
        results, chosen = grade_batch(
            submissions, katas, jobs=jobs, deadline=timeout, test_timeout=test_timeout,
            course_path=course, progress=progress, sandbox=sandbox.value,
        )  # fmt: skip
    except BatchError as exc:
        raise _fail(f"{exc}.") from None
    write_gradebook(results, chosen, csv_path, json_path)
    flagged = sum(1 for r in results if r.flags)
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(
        f"Graded {len(results)} submissions × {len(chosen)} katas · gradebook: {csv_path}, {json_path}"
        + (f" · {flagged} flagged" if flagged else "")
    )


@classroom_app.command("export")
def export_command(
    folder: Annotated[Path, typer.Argument(help="Where to write the starter repository (new or empty).")],
    grader_spec: Annotated[str, typer.Option("--grader-spec", help="What CI installs, pinned: a version or a git URL at a tag.")],
    katas: Annotated[list[str] | None, typer.Option("--kata", "-k", help="Only these katas (repeatable).")] = None,
    python: Annotated[str, typer.Option(help="Python version CI grades with.")] = "3.11",
    timeout: Annotated[float, typer.Option("--timeout", min=1, help=DEADLINE_HELP)] = 120.0,
    course: Annotated[Path | None, typer.Option("--course", help=COURSE_HELP)] = None,
) -> None:
    """Write a student starter repository: stubs and tests, no solutions, and a GitHub Classroom workflow."""
    from graders.classroom.export import ExportError, export_starter
    from graders.classroom.pristine import PristineError, load_course

    try:
        loaded = load_course(course)
        written = export_starter(loaded, folder, grader_spec, loaded.select(katas), python=python, deadline=timeout)
    except (ExportError, PristineError) as exc:
        raise _fail(f"{exc}.") from None
    typer.echo(f"Wrote {len(written)} files to {folder}. Push it as the assignment's template repository.")


@classroom_app.command("gradescope")
def gradescope_command(
    folder: Annotated[Path, typer.Argument(help="Where to write setup.sh, run_autograder and autograder.zip.")],
    grader_spec: Annotated[str, typer.Option("--grader-spec", help="What the autograder installs, pinned.")],
    katas: Annotated[list[str] | None, typer.Option("--kata", "-k", help="Only these katas (repeatable).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help=DEADLINE_HELP)] = 120.0,
    course: Annotated[Path | None, typer.Option("--course", help=COURSE_HELP)] = None,
) -> None:
    """Write a Gradescope autograder: setup.sh, run_autograder, and the zip to upload."""
    from graders.classroom.export import ExportError, export_gradescope
    from graders.classroom.pristine import PristineError, load_course

    try:
        loaded = load_course(course)
        zip_path = export_gradescope(folder, grader_spec, [k.kata.id for k in loaded.select(katas)] if katas else [], deadline=timeout, course=loaded)
    except (ExportError, PristineError) as exc:
        raise _fail(f"{exc}.") from None
    typer.echo(f"Upload {zip_path} as the assignment's autograder (the default Ubuntu 22.04 image works); see README.md beside it.")
