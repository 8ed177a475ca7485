"""Learner mode and classroom mode give the same verdict, behaviour by behaviour.

A learner's ``pytest`` imports the graded file into the test process; ``kata grade`` runs it
in a host process in the sandbox and the tests reach it through the same fixtures. For the
reference solution, every independently written solution in tests/alt_solutions and every
untouched stub, each behaviour must pass or fail alike in both. The files are laid out as a
student's repository once (``stub.py`` with the companions of its own folder) and that same
layout is graded both ways: classroom mode in one ``grade-batch``, learner mode with
``--kata-target`` on the same files.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graders.classroom.batch import grade_batch
from graders.classroom.results import PASS
from graders.commands.verify import grade_outcomes
from graders.manifest import Kata, load_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest(ROOT / "katas" / "katas.toml")
ALT_SOLUTIONS = ROOT / "tests" / "alt_solutions"


def files_to_compare(kata: Kata) -> list[Path]:
    """The reference solution, the kata's alternatives, the untouched stub."""
    own = ALT_SOLUTIONS / kata.dir
    alternatives = sorted(
        p for p in own.rglob("*.py") if p.name not in kata.learner_files or p.name == kata.stub.name
    ) if own.is_dir() else []  # fmt: skip
    return [kata.solution, *alternatives, kata.stub]


def lay_out(kata: Kata, source: Path, student: Path) -> None:
    """``source`` as the student's ``stub.py``, with the companions of its own folder (else the course's)."""
    folder = student / "katas" / kata.dir
    folder.mkdir(parents=True)
    for name in kata.learner_files:
        found = source if name == kata.stub.name else source.parent / name
        shutil.copyfile(found if found.is_file() else kata.path / name, folder / name)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """For each (kata, file): (learner-mode outcomes, classroom-mode outcomes) by test name."""
    root = tmp_path_factory.mktemp("modes")
    columns: dict[str, list[Path]] = {kata.dir: files_to_compare(kata) for kata in MANIFEST.katas}
    students = max(len(files) for files in columns.values())
    placed: dict[tuple[str, int], Path] = {}
    for index in range(students):
        student = root / "class" / f"student-{index:02d}"
        for kata in MANIFEST.katas:
            files = columns[kata.dir]
            lay_out(kata, files[min(index, len(files) - 1)], student)
            if index < len(files):
                placed[(kata.dir, index)] = files[index]
    results, _ = grade_batch(root / "class", None, jobs=2, deadline=300, course_path=ROOT, progress=False)
    by_student = {result.student: result for result in results}

    def learner_mode(key: tuple[str, int]) -> dict[str, str]:
        kata = MANIFEST.by_dir(key[0])
        assert kata is not None
        stub = root / "class" / f"student-{key[1]:02d}" / "katas" / kata.dir / kata.stub.name
        return {name: ("passed" if outcome == "passed" else "failed") for name, outcome in grade_outcomes(kata, str(stub), ROOT).items()}

    with ThreadPoolExecutor(max_workers=2) as pool:
        learner = dict(zip(placed, pool.map(learner_mode, placed), strict=True))
    found: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for (kata_dir, index), source in placed.items():
        kata = MANIFEST.by_dir(kata_dir)
        assert kata is not None
        grade = next(k for k in by_student[f"student-{index:02d}"].katas if k.kata == kata.id)
        classroom = {b.nodeid.rpartition("::")[2]: ("passed" if b.status == PASS else "failed") for b in grade.behaviours}
        found[f"{kata_dir}:{source.relative_to(ROOT)}"] = (learner[(kata_dir, index)], classroom)
    return found


def test_every_file_gets_the_same_verdict_per_behaviour_in_both_modes(compared) -> None:
    differences = {
        name: sorted(test for test in set(learner) | set(classroom) if learner.get(test) != classroom.get(test))
        for name, (learner, classroom) in compared.items()
    }
    assert not {name: tests for name, tests in differences.items() if tests}, differences
    assert len(compared) >= 30  # every kata's solution, stub and alternatives were compared
