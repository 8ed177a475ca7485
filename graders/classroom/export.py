"""What a teacher hands out: a student starter repository, or a Gradescope autograder.

Nothing is fetched here; files are written. The starter holds the stubs, tests and
READMEs (never the solutions), the grader as a pinned dependency with every library it
uses pinned too (``.github/kata-constraints.txt``), and a GitHub Classroom workflow that
installs that grader outside the student's checkout and grades every push with it. The
Gradescope autograder is written by ``graders.classroom.gradescope``.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import stat
import tomllib
from pathlib import Path

from graders.classroom.pins import GraderSpec, SpecError, constraints_text, parse_spec
from graders.classroom.pristine import PristineCourse, PristineKata

WORKFLOW_PATH = ".github/workflows/classroom.yml"
CONSTRAINTS_PATH = ".github/kata-constraints.txt"
RUNNER_ID = "katas"  # the grading step's id; the reporter reads ${RUNNER_ID upper-cased}_RESULTS
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
NOT_GRADED = (
    "Nothing was graded: this is not a verdict on your code. The grader could not be installed or could "
    "not start; the log of the step 'Grade the katas' says why. Tell your teacher."
)


class ExportError(Exception):
    """The export cannot be written as asked; the message says what to change."""


def check_spec(spec: str) -> GraderSpec:
    """A pinned pip requirement on one line (``fastapi-katas==1.0`` or a git URL at a tag), maybe with its index."""
    try:
        return parse_spec(spec)
    except SpecError as exc:
        raise ExportError(str(exc)) from None


def constraints() -> str:
    """The constraints file for the grader installed here (see ``pins.constraints_text``)."""
    try:
        return constraints_text()
    except SpecError as exc:
        raise ExportError(str(exc)) from None


def course_points(course: PristineCourse, katas: list[PristineKata]) -> int:
    """The points the chosen katas are worth, from the pristine tests: every export's ``max_score``."""
    from graders.classroom.expected import CollectionError, collect_expected
    from graders.classroom.sandbox import SandboxSettings

    try:
        expected = collect_expected(course, katas, SandboxSettings())
    except CollectionError as exc:
        raise ExportError(str(exc)) from None
    return sum(behaviour.points for behaviours in expected.values() for behaviour in behaviours)


def _prepare(folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ExportError(f"{folder} is not empty; choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)


def _write(folder: Path, relative: str, data: bytes | str, executable: bool = False) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def manifest_for(course: PristineCourse, katas: list[PristineKata]) -> bytes:
    """The pristine manifest, or the same text with only the chosen katas' entries."""
    wanted = [k.kata.id for k in katas]
    if wanted == [k.id for k in course.manifest.katas]:
        return course.manifest_text
    text = course.manifest_text.decode("utf-8")
    parts = re.split(r"(?m)^(?=\[\[kata\]\][ \t]*$)", text)
    kept = [parts[0]] + [part for part in parts[1:] if _entry_id(part) in wanted]
    result = "".join(kept)
    parsed = tomllib.loads(result)
    if [str(e.get("id")) for e in parsed.get("kata", [])] != wanted:
        raise ExportError("the manifest's entries cannot be picked apart; export every kata instead")
    return result.encode("utf-8")


def _entry_id(block: str) -> str:
    try:
        entries = tomllib.loads(block).get("kata", [])
    except tomllib.TOMLDecodeError:
        return ""
    return str(entries[0].get("id", "")) if entries else ""


def not_graded_result(max_score: int) -> str:
    """The runner result sent when the grader could not run: 0 of the real maximum, base64 as the reporter reads it.

    The reporter notifies Classroom only when ``max_score`` is above 0, so a 0/0 would leave no grade at all.
    """
    document = {
        "version": 1,
        "status": "error",
        "max_score": max_score,
        "tests": [
            {
                "name": "The grader could not run", "status": "error", "message": NOT_GRADED,
                "test_code": "kata grade", "filename": "", "line_no": 0, "duration": 0, "score": 0,
            }
        ],
    }  # fmt: skip
    return base64.b64encode(json.dumps(document, separators=(",", ":")).encode("utf-8")).decode("ascii")


def workflow(
    spec: str | GraderSpec, katas: list[str], python: str = "3.11", deadline: float = 120.0, *, max_score: int
) -> str:
    """The GitHub Classroom workflow: install the pinned grader, grade, report to Classroom, even when grading failed."""
    spec = spec if isinstance(spec, GraderSpec) else check_spec(spec)
    chosen = "".join(f" {shlex.quote(k)}" for k in katas)
    return f"""\
# Written by `kata classroom export`: grades every push and reports the points to GitHub Classroom.
# The grader comes from the teacher's pinned source below, never from this repository: it is installed
# into $RUNNER_TEMP with every library pinned by {CONSTRAINTS_PATH}, and it grades with its own
# pristine copy of the tests: changing the tests here changes nothing but a warning.
name: Autograding Tests
"on":
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: "github.actor != 'github-classroom[bot]'"
    timeout-minutes: 30
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install the grader (pinned by the teacher)
        working-directory: "${{{{ runner.temp }}}}"
        run: |
          python -m venv "$RUNNER_TEMP/kata-grader"
          "$RUNNER_TEMP/kata-grader/bin/python" -m pip install --disable-pip-version-check \\
            -c "$GITHUB_WORKSPACE/{CONSTRAINTS_PATH}" {spec.shell()}
      - name: Grade the katas
        id: {RUNNER_ID}
        if: "${{{{ !cancelled() }}}}"
        working-directory: "${{{{ runner.temp }}}}"
        env:
          KATA_NOT_GRADED: "{not_graded_result(max_score)}"
        run: |
          status=0
          GITHUB_OUTPUT="$RUNNER_TEMP/kata-output.txt" "$RUNNER_TEMP/kata-grader/bin/kata" grade{chosen} --format github \\
            --submission "$GITHUB_WORKSPACE" --timeout {deadline:g} --out "$RUNNER_TEMP/kata-result.txt" || status=$?
          if [ "$status" -eq 0 ] && [ -s "$RUNNER_TEMP/kata-result.txt" ]; then
            echo "result=$(tr -d '\\n' < "$RUNNER_TEMP/kata-result.txt")" >> "$GITHUB_OUTPUT"
          else
            echo "::error title=The grader could not run::exit status $status; {max_score} points reported as 0"
            echo "result=$KATA_NOT_GRADED" >> "$GITHUB_OUTPUT"
          fi
      - name: Autograding Reporter
        if: "${{{{ !cancelled() }}}}"
        uses: {REPORTER}
        env:
          {RUNNER_ID.upper()}_RESULTS: "${{{{ steps.{RUNNER_ID}.outputs.result }}}}"
        with:
          runners: {RUNNER_ID}
"""


STUDENT_README = """\
# FastAPI katas

Each kata is a small FastAPI app to finish. Its tests grade it from the outside and print a
grade card: what works, what does not yet and why, and a hint.

## Set up

```
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/kata
```

Then `. .venv/bin/activate` puts `kata` and `pytest` on your PATH. `requirements.txt`
installs the grader your teacher pinned, with the same library versions it grades with.

## Work on a kata

1. `kata` shows the kata to work on now; its README has the task.
2. Edit `katas/NN_topic/stub.py` (only the files a kata's README names as yours).
3. Grade it: `pytest katas/NN_topic` or `kata run`. Stuck? `kata hint`.
4. Commit and push: every push is graded again, with the original tests, and the points go to
   GitHub Classroom. The grade is in the Actions tab of this repository.

Katas:

{katas}

Changing the tests, adding a `conftest.py` or anything else outside your own files does not
change your grade: the grader uses its own copy of the tests and reports what was changed.

## If your course grades on Gradescope

Submit this whole repository: choose GitHub (or Bitbucket) in Gradescope's submission dialog,
or upload a zip of it with its folders kept. Do not drag several `stub.py` files into the
upload box: every kata's file has that name, so they cannot be told apart.
"""


def export_starter(
    course: PristineCourse, folder: Path, spec: str, katas: list[PristineKata],
    python: str = "3.11", deadline: float = 120.0, force: bool = False,
) -> list[Path]:  # fmt: skip
    """Write the starter repository; returns the files written."""
    grader = check_spec(spec)
    if not katas:
        raise ExportError("the course has no kata to export")
    pins = constraints()
    max_score = course_points(course, katas)
    _prepare(folder, force)
    written = [_write(folder, "katas/katas.toml", manifest_for(course, katas))]
    for kata in katas:
        for relative, data in sorted(kata.files.items()):
            written.append(_write(folder, f"katas/{kata.dir}/{relative}", data))
    every = len(katas) == len(course.katas)
    listing = "\n".join(f"- `{k.dir}`: {k.kata.title}" for k in katas)
    requirements = [
        "# The grader, pinned by your teacher, and the library versions it grades with.",
        f"-c {CONSTRAINTS_PATH}",
        *grader.requirements_lines(),
    ]
    chosen = [] if every else [k.kata.id for k in katas]
    written += [
        _write(folder, "README.md", STUDENT_README.format(katas=listing)),
        _write(folder, "requirements.txt", "\n".join(requirements) + "\n"),
        _write(folder, ".gitignore", ".venv/\n.kata/\n__pycache__/\n*.py[cod]\n.pytest_cache/\n"),
        _write(folder, CONSTRAINTS_PATH, pins),
        _write(folder, WORKFLOW_PATH, workflow(grader, chosen, python, deadline, max_score=max_score)),
    ]
    return written


def export_gradescope(
    folder: Path, spec: str, katas: list[str], deadline: float = 120.0, *, course: PristineCourse | None = None
) -> Path:
    """Write the Gradescope autograder and its zip (see ``graders.classroom.gradescope``); returns the zip."""
    from graders.classroom.gradescope import write_autograder

    return write_autograder(folder, spec, katas, deadline, course=course)
