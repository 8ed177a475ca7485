"""What a teacher hands out: a student starter repository, or a Gradescope autograder.

Nothing is fetched here; files are written. The starter holds the stubs, tests and
READMEs (never the solutions), the grader as a pinned dependency, and a GitHub
Classroom workflow that installs that pinned grader and grades every push with it.
"""

from __future__ import annotations

import re
import shlex
import stat
import tomllib
import zipfile
from pathlib import Path

from graders.classroom.pristine import PristineCourse, PristineKata

WORKFLOW_PATH = ".github/workflows/classroom.yml"
RUNNER_ID = "katas"  # the grading step's id; the reporter reads ${RUNNER_ID upper-cased}_RESULTS
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


class ExportError(Exception):
    """The export cannot be written as asked; the message says what to change."""


def check_spec(spec: str) -> str:
    """A pip requirement on one line: a version (``fastapi-katas==1.0``) or a URL pinned to a tag."""
    spec = spec.strip()
    if not spec or "\n" in spec or "\r" in spec or "\0" in spec:
        raise ExportError("--grader-spec must be one pip requirement on one line, e.g. 'fastapi-katas==1.0'")
    if re.fullmatch(r"[A-Za-z0-9._-]+", spec):
        raise ExportError(
            f"--grader-spec {spec!r} is not pinned: give a version (==1.0) or a git URL at a tag (@v1.0)"
        )
    return spec


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


def workflow(spec: str, katas: list[str], python: str = "3.11", deadline: float = 120.0) -> str:
    """The GitHub Classroom workflow: install the pinned grader, grade, report to Classroom."""
    chosen = "".join(f" {shlex.quote(k)}" for k in katas)
    return f"""\
# Written by `kata classroom export`: grades every push and reports the points to GitHub Classroom.
# The grader comes from the teacher's pinned source below, never from this repository, and it grades
# with its own pristine copy of the tests: changing the tests here changes nothing but a warning.
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
          python -m pip install --disable-pip-version-check {shlex.quote(spec)}
      - name: Grade the katas
        id: {RUNNER_ID}
        working-directory: "${{{{ runner.temp }}}}"
        run: |
          kata grade{chosen} --format github --submission "$GITHUB_WORKSPACE" --timeout {deadline:g} --out "$RUNNER_TEMP/kata-result.txt"
      - name: Autograding Reporter
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

Then `. .venv/bin/activate` puts `kata` and `pytest` on your PATH.

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
"""


def export_starter(
    course: PristineCourse, folder: Path, spec: str, katas: list[PristineKata],
    python: str = "3.11", deadline: float = 120.0, force: bool = False,
) -> list[Path]:  # fmt: skip
    """Write the starter repository; returns the files written."""
    spec = check_spec(spec)
    if not katas:
        raise ExportError("the course has no kata to export")
    _prepare(folder, force)
    written = [_write(folder, "katas/katas.toml", manifest_for(course, katas))]
    for kata in katas:
        for relative, data in sorted(kata.files.items()):
            written.append(_write(folder, f"katas/{kata.dir}/{relative}", data))
    every = len(katas) == len(course.katas)
    listing = "\n".join(f"- `{k.dir}`: {k.kata.title}" for k in katas)
    written += [
        _write(folder, "README.md", STUDENT_README.format(katas=listing)),
        _write(folder, "requirements.txt", f"# The grader, pinned by your teacher.\n{spec}\n"),
        _write(folder, ".gitignore", ".venv/\n.kata/\n__pycache__/\n*.py[cod]\n.pytest_cache/\n"),
        _write(folder, WORKFLOW_PATH, workflow(spec, [] if every else [k.kata.id for k in katas], python, deadline)),
    ]
    return written


SETUP_SH = """\
#!/usr/bin/env bash
# Written by `kata classroom gradescope`: runs once, when Gradescope builds the autograder image.
set -euo pipefail
apt-get install -y python3 python3-venv python3-pip
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fastapi-katas needs Python 3.11+: choose the Ubuntu 24.04 base image")'
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --disable-pip-version-check {spec}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Written by `kata classroom gradescope`: runs for every submission and always leaves a results.json.
# The grader's own pristine tests grade /autograder/submission; only the learner files are taken from it.
mkdir -p /autograder/results
cd /tmp
/autograder/venv/bin/kata grade{katas} --format gradescope --submission /autograder/submission \\
    --timeout {deadline:g} --out /autograder/results/results.json
if [ ! -s /autograder/results/results.json ]; then
  echo '{{"score": 0, "output": "The autograder could not run; please tell your teacher."}}' > /autograder/results/results.json
fi
"""


def export_gradescope(folder: Path, spec: str, katas: list[str], deadline: float = 120.0) -> Path:
    """Write setup.sh and run_autograder, and autograder.zip with both at its root; returns the zip."""
    spec = check_spec(spec)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = "".join(f" {shlex.quote(k)}" for k in katas)
    files = {
        "setup.sh": SETUP_SH.format(spec=shlex.quote(spec)),
        "run_autograder": RUN_AUTOGRADER.format(katas=chosen, deadline=deadline),
    }
    for name, text in files.items():
        _write(folder, name, text, executable=True)
    zip_path = folder / "autograder.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return zip_path
