"""The teacher's pristine course, read into memory once, before any student code runs.

An installed grader (a wheel from the teacher's pinned source) ships the course as
package data in ``graders/_course/katas``; the teacher's own checkout or editable
install falls back to the project's ``katas/``. Every sandbox is written from the
bytes read here, so nothing a graded run does to files on disk reaches a later grade.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from dataclasses import dataclass
from pathlib import Path

import graders
from graders.manifest import (
    MANIFEST_NAME,
    Kata,
    Manifest,
    ManifestError,
    find_manifest,
    load_manifest,
)

PACKAGED = Path(graders.__file__).resolve().parent / "_course" / "katas" / MANIFEST_NAME
CHECKOUT = Path(graders.__file__).resolve().parent.parent / "katas" / MANIFEST_NAME
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
SKIPPED_NAMES = {".DS_Store"}
INTERVIEW_FILE = "interview.toml"  # graders.interview.content's name; read by `kata interview` only
MAX_COURSE_FILE = 4 * 1024 * 1024


class PristineError(Exception):
    """The pristine course cannot be found or read; a problem for the teacher, not the student."""


@dataclass(frozen=True)
class PristineKata:
    """One kata as the teacher wrote it: every file of its folder, in memory."""

    kata: Kata
    files: dict[str, bytes]

    @property
    def dir(self) -> str:
        return self.kata.dir

    @property
    def learner_files(self) -> tuple[str, ...]:
        return self.kata.learner_files

    @property
    def protected(self) -> dict[str, bytes]:
        """Files the student must not change: all but the learner files and the texts (READMEs, interview questions)."""
        return {
            name: data
            for name, data in self.files.items()
            if name not in self.learner_files and not name.lower().endswith(".md") and name != INTERVIEW_FILE
        }

    @property
    def tests(self) -> bytes:
        return self.files.get("test_kata.py", b"")

    @property
    def number(self) -> int:
        digits = "".join(ch for ch in self.kata.number if ch.isdigit())
        return int(digits) if digits else 0


@dataclass(frozen=True)
class PristineCourse:
    """The whole course as read at start-up, and where it came from."""

    manifest: Manifest
    manifest_text: bytes
    katas: tuple[PristineKata, ...]
    source: str  # "package", "checkout" or "path"
    unavailable: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the manifest and every file of every kata: which course graded."""
        digest = hashlib.sha256(self.manifest_text)
        for kata in self.katas:
            for name in sorted(kata.files):
                digest.update(f"\0{kata.dir}/{name}\0".encode())
                digest.update(kata.files[name])
        return digest.hexdigest()

    def select(self, names: list[str] | None) -> list[PristineKata]:
        """The katas named (id, folder, number or topic), in course order; all when ``names`` is empty."""
        if not names:
            return list(self.katas)
        chosen: list[PristineKata] = []
        for name in names:
            kata = self.manifest.find(name)
            if kata is None:
                raise PristineError(f"the course has no kata {name!r}")
            found = next((k for k in self.katas if k.dir == kata.dir), None)
            if found is None:
                raise PristineError(f"kata {kata.id} has no test_kata.py in the course, so it cannot be graded")
            if found not in chosen:
                chosen.append(found)
        return sorted(chosen, key=self.katas.index)


def locate_manifest(explicit: Path | None = None) -> tuple[Path, str]:
    """The pristine manifest: an explicit course folder, else the packaged course, else the checkout."""
    if explicit is not None:
        found = find_manifest(explicit)
        if found is None:
            raise PristineError(f"{explicit} holds no katas/{MANIFEST_NAME}")
        return found, "path"
    if PACKAGED.is_file():
        return PACKAGED, "package"
    if CHECKOUT.is_file():
        return CHECKOUT, "checkout"
    raise PristineError("this grader ships no course: install it from the teacher's pinned source")


def load_course(explicit: Path | None = None) -> PristineCourse:
    """Read the pristine course into memory, every kata that has tests."""
    path, source = locate_manifest(explicit)
    try:
        manifest = load_manifest(path)
        manifest_text = path.read_bytes()
    except (ManifestError, OSError) as exc:
        raise PristineError(str(exc)) from None
    katas: list[PristineKata] = []
    unavailable: list[str] = []
    for kata in manifest.katas:
        files = read_folder(kata.path)
        if "test_kata.py" not in files:
            unavailable.append(kata.id)
            continue
        katas.append(PristineKata(kata=kata, files=files))
    return PristineCourse(manifest, manifest_text, tuple(katas), source, tuple(unavailable))


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (caches skipped) as ``{posix relative path: bytes}``."""
    files: dict[str, bytes] = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.is_symlink() or _skipped(relative):
            continue
        if path.stat().st_size > MAX_COURSE_FILE:
            raise PristineError(f"{path} is larger than {MAX_COURSE_FILE // 1024 // 1024} MB")
        files[relative.as_posix()] = path.read_bytes()
    return files


def _skipped(relative: Path) -> bool:
    return (
        bool(SKIPPED_PARTS.intersection(relative.parts))
        or relative.suffix in SKIPPED_SUFFIXES
        or relative.name in SKIPPED_NAMES
    )


def body_of_test(tests: bytes, function: str) -> str:
    """The body of one test function, dedented: what exercism calls ``test_code``."""
    try:
        text = tests.decode("utf-8")
        tree = ast.parse(text)
    except (UnicodeDecodeError, SyntaxError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                body = body[1:]  # the docstring is the behaviour's name, not its code
            if not body:
                return ""
            lines = text.splitlines()
            start, end = body[0].lineno, body[-1].end_lineno or body[-1].lineno
            return textwrap.dedent("\n".join(lines[start - 1 : end])).strip()
    return ""
