"""The behaviours a kata's pristine tests define: ids, learner-facing names, points.

The grader collects them itself, in a run that never imports a learner file, so a
graded run can only say which of them passed, never what they are or what they are worth.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

from graders.classroom.pristine import PristineCourse, PristineKata, body_of_test
from graders.classroom.sandbox import SandboxSettings, pytest_command, run_child
from graders.classroom.workspace import course_files, make_folder, write_course_files


class CollectionError(Exception):
    """The pristine tests could not be collected: the course is broken, not the submission."""


@dataclass(frozen=True)
class ExpectedBehaviour:
    """A behaviour the pristine tests define: its id, learner-facing description and points."""

    nodeid: str
    name: str
    description: str
    points: int
    file: str
    line: int
    test_code: str = ""




_EXPECTED: dict[str, dict[str, list[ExpectedBehaviour]]] = {}


def collect_expected(
    course: PristineCourse, katas: list[PristineKata], settings: SandboxSettings
) -> dict[str, list[ExpectedBehaviour]]:
    """Each kata's behaviours from the pristine tests; computed once per set of tests in this process."""
    key = course.fingerprint + ":" + ",".join(k.dir for k in katas)
    if key not in _EXPECTED:
        _EXPECTED[key] = _collect(course, katas, settings)
    return _EXPECTED[key]


def _collect(
    course: PristineCourse, katas: list[PristineKata], settings: SandboxSettings
) -> dict[str, list[ExpectedBehaviour]]:
    folder = make_folder("kata-collect-")
    try:
        write_course_files(folder, course, katas)
        out = folder / "collected.json"
        command = pytest_command(
            settings, folder, "-p", "graders.classroom.collect", "--collect-only", "-q",
            f"--kata-collect-out={out}", *[f"katas/{k.dir}/test_kata.py" for k in katas],
        )  # fmt: skip
        outcome = run_child(command, folder, settings, with_report=False, protected=course_files(folder, katas))
        if outcome.returncode != 0 or not out.is_file():
            tail = outcome.output.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise CollectionError(f"the pristine tests do not collect: {' / '.join(tail) or 'no output'}")
        items = json.loads(out.read_text(encoding="utf-8"))["items"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    found: dict[str, list[ExpectedBehaviour]] = {k.dir: [] for k in katas}
    for item in items:
        parts = str(item["file"]).split("/")
        if len(parts) < 3 or parts[1] not in found:
            continue
        kata = next(k for k in katas if k.dir == parts[1])
        found[parts[1]].append(
            ExpectedBehaviour(
                nodeid=str(item["nodeid"]), name=str(item["name"]), description=str(item["description"]),
                points=int(item["points"]), file=str(item["file"]), line=int(item["line"]),
                test_code=body_of_test(kata.tests, str(item.get("function", item["name"]))),
            )
        )  # fmt: skip
    for kata in katas:
        if not found[kata.dir]:
            raise CollectionError(f"the pristine tests of {kata.kata.id} collect no behaviour")
    return found
