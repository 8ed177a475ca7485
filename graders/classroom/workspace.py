"""The grading folder of one run: the pristine course files, the learner's files, one extra check.

Every folder is written from the bytes read at start-up (``PristineCourse``), so nothing
a graded run does to files on disk reaches a later grade.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from graders.classroom.pristine import PristineCourse, PristineKata

PYTEST_INI = "[pytest]\n# Written by `kata grade`: pins the rootdir; no other configuration reaches a graded run.\nxfail_strict = true\n"
CANARY_PREFIX = "test_zz_kata_grade_check_"


def make_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / "tmp").mkdir()
    (folder / "home").mkdir()
    return folder


def write_course_files(folder: Path, course: PristineCourse, katas: list[PristineKata], host: bool = False) -> None:
    """The manifest, a pytest.ini that pins the rootdir, and each kata's pristine files.

    ``host``: the folder is the host's, where the learner's code runs; files the judge keeps
    to itself (a tests kata's versions of its app) are left out.
    """
    (folder / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (folder / "katas").mkdir(exist_ok=True)
    (folder / "katas" / "katas.toml").write_bytes(course.manifest_text)
    for kata in katas:
        for relative, data in kata.files.items():
            if host and kata.kata.judge_only(relative):
                continue
            target = folder / "katas" / kata.dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def write_learner_files(folder: Path, kata: PristineKata, learner: dict[str, bytes | None]) -> None:
    """Replace the pristine learner files with the student's; a missing one is left out."""
    for relative in kata.learner_files:
        target = folder / "katas" / kata.dir / relative
        target.unlink(missing_ok=True)
        data = learner.get(relative)
        if data is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def add_canary(folder: Path, kata: PristineKata) -> str:
    """Append a check that always fails to the kata's tests; return its test name."""
    name = CANARY_PREFIX + secrets.token_hex(6)
    tests = folder / "katas" / kata.dir / "test_kata.py"
    text = tests.read_bytes()
    if text and not text.endswith(b"\n"):
        text += b"\n"
    text += (
        f'\n\ndef {name}():\n    """Checks the grading run itself; never counted."""\n'
        f'    raise AssertionError("this check always fails")\n'
    ).encode()
    tests.write_bytes(text)
    return name


def course_files(folder: Path, katas: list[PristineKata]) -> list[Path]:
    """The course's files in ``folder``: a graded run may read them but never change them."""
    paths = [folder / "pytest.ini", folder / "katas" / "katas.toml"]
    for kata in katas:
        paths += [folder / "katas" / kata.dir / name for name in kata.files if name not in kata.learner_files]
    return [path for path in paths if path.is_file()]
