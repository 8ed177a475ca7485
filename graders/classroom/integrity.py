"""What a submission may change, what it did change, and whether the grader itself is intact.

A submission contributes only its learner files (``stub.py``, or what ``learner_files``
in katas.toml lists); they are read into memory before any student code runs. Every
other file is the teacher's: a changed, added or missing one is reported and the
pristine version is used. The grader hashes its own files at start-up and checks them
again after each graded run, so a run that rewrote the installed grader is caught.
Names found in a submission are cleaned before they are stored (a name that is not UTF-8
is surrogate-escaped by pathlib), and its katas.toml is parsed with size and depth limits.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import graders
from graders.classroom.pristine import PristineCourse, PristineKata, _skipped
from graders.classroom.safety import (
    TOML_MAX_BYTES,
    UnsafeDocument,
    clean_name,
    clean_text,
    load_toml,
)

DISTRIBUTION = "fastapi-katas"
MAX_LEARNER_FILE = 2 * 1024 * 1024
# Files that change how pytest or Python run, wherever a submission adds them.
RUN_CHANGING = {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "sitecustomize.py", "usercustomize.py"}
ADDED_SUFFIXES = {".py", ".pth", ".ini", ".cfg", ".toml", ".so", ".pyd"}


@dataclass
class IntegrityReport:
    """Protected files a submission changed, added or removed (paths relative to the submission)."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def tampered(self) -> bool:
        """A changed or added file would have changed the grade had it been used; a removed one cannot."""
        return bool(self.changed or self.added)

    def lines(self) -> list[str]:
        """One sentence per changed or added file, as the result shows it."""
        return [f"{p} was changed; the original was used." for p in self.changed] + [
            f"{p} was added; it was ignored." for p in self.added
        ]

    def missing_lines(self) -> list[str]:
        return [f"{p} was removed; the original was used." for p in self.missing]


@dataclass
class Submission:
    """One student's work: their learner files per kata, read once, and the integrity findings."""

    name: str
    root: Path
    learner: dict[str, dict[str, bytes | None]]
    integrity: IntegrityReport
    kata_notes: dict[str, list[str]] = field(default_factory=dict)


def kata_folder(root: Path, kata: PristineKata, single: bool) -> tuple[Path, str]:
    """Where the student's copy of a kata lives: ``katas/NN_topic``, ``NN_topic``, or the root itself."""
    for folder, shown in ((root / "katas" / kata.dir, f"katas/{kata.dir}"), (root / kata.dir, kata.dir)):
        if folder.is_dir():
            return folder, shown
    if single:
        return root, "."
    return root / "katas" / kata.dir, f"katas/{kata.dir}"


def load_submission(root: Path, course: PristineCourse, katas: list[PristineKata], name: str = "") -> Submission:
    """Read the learner files of ``katas`` from ``root`` and compare every protected file."""
    root = root.resolve()
    report = IntegrityReport()
    learner: dict[str, dict[str, bytes | None]] = {}
    notes: dict[str, list[str]] = {}
    for kata in katas:
        folder, shown = kata_folder(root, kata, single=len(katas) == 1)
        files: dict[str, bytes | None] = {}
        linked = _linked_part(root, folder)
        if linked:
            notes.setdefault(kata.dir, []).append(f"{linked} is a symbolic link; it was not followed, so {shown} was not graded.")
            learner[kata.dir] = dict.fromkeys(kata.learner_files)
            continue
        for relative in kata.learner_files:
            files[relative] = _read_learner(folder / relative, notes.setdefault(kata.dir, []), f"{shown}/{relative}")
        learner[kata.dir] = files
        if shown != ".":
            _compare_kata(folder, shown, kata, report)
    _compare_root(root, course, katas, report)
    return Submission(clean_text(name) if name else clean_name(root.name), root, learner, report, notes)


def _linked_part(root: Path, folder: Path) -> str:
    """The first part of ``folder`` below ``root`` that is a symbolic link ("" when none is).

    A kata folder that links elsewhere would grade someone else's work (another student's
    folder in a batch) as this student's, or walk folders outside the submission.
    """
    try:
        relative = folder.relative_to(root)
    except ValueError:
        return str(folder)
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current.relative_to(root).as_posix()
    return ""


def _read_learner(path: Path, notes: list[str], shown: str) -> bytes | None:
    try:
        if path.is_symlink():
            notes.append(f"{shown} is a symbolic link; it was not followed.")
            return None
        data = read_regular_file(path, MAX_LEARNER_FILE)
        if data is None:
            notes.append(f"{shown} is not a regular file (a pipe, a device?); it was not graded.")
        elif len(data) > MAX_LEARNER_FILE:
            notes.append(f"{shown} is larger than {MAX_LEARNER_FILE // 1024 // 1024} MB; it was not graded.")
            return None
        return data
    except FileNotFoundError:
        return None
    except OSError as exc:
        notes.append(f"{shown} cannot be read ({exc.strerror}).")
        return None


def _compare_kata(folder: Path, shown: str, kata: PristineKata, report: IntegrityReport) -> None:
    present = [name for name in kata.protected if (folder / name).is_file()]
    for relative, data in sorted(kata.protected.items()):
        path = folder / relative
        if not path.is_file():
            if present:  # a folder of learner files only is a complete submission, not a removal
                report.missing.append(f"{shown}/{relative}")
        elif path.is_symlink() or _digest_or_none(path) != hashlib.sha256(data).hexdigest():
            report.changed.append(f"{shown}/{relative}")
    if not folder.is_dir():
        return
    for found in sorted(folder.rglob("*")):
        inside = found.relative_to(folder)
        posix = inside.as_posix()
        if _skipped(inside) or posix in kata.files or posix in kata.learner_files or not found.is_file():
            continue
        if found.name in RUN_CHANGING or found.suffix in ADDED_SUFFIXES:
            report.added.append(f"{shown}/{clean_name(posix)}")


def _compare_root(root: Path, course: PristineCourse, katas: list[PristineKata], report: IntegrityReport) -> None:
    """The manifest's entries for the graded katas, and files that change how Python or pytest run."""
    manifest = root / "katas" / "katas.toml"
    if manifest.is_file() and not _same_entries(manifest, course, katas):
        report.changed.append("katas/katas.toml")
    for folder, shown in ((root, ""), (root / "katas", "katas/")):
        for name in sorted(RUN_CHANGING):
            if (folder / name).is_file():
                report.added.append(f"{shown}{name}")
        if folder.is_dir():
            report.added.extend(f"{shown}{clean_name(p.name)}" for p in sorted(folder.glob("*.pth")))
    if (root / "graders").is_dir():
        report.added.append("graders/ (a copy of the grader)")


def _same_entries(path: Path, course: PristineCourse, katas: list[PristineKata]) -> bool:
    """Whether the submission's katas.toml lists the graded katas as the course does; unreadable means changed."""
    try:
        with path.open("rb") as stream:
            data = stream.read(TOML_MAX_BYTES + 1)
        if len(data) > TOML_MAX_BYTES:
            return False
        theirs = load_toml(data.decode("utf-8"))
        ours = tomllib.loads(course.manifest_text.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, UnsafeDocument):
        return False
    wanted = {k.kata.id for k in katas}

    def entries(data: dict[str, object]) -> dict[str, object]:
        found = data.get("kata")
        listed = found if isinstance(found, list) else []
        return {e["id"]: e for e in listed if isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"] in wanted}

    return entries(theirs) == entries(ours)


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """Up to ``limit`` + 1 bytes of ``path``, or None when it is not a regular file.

    Opened without following a link and without blocking, then checked: reading a named
    pipe or a device a submission planted would otherwise wait, or read, forever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _digest(path: Path) -> str:
    data = read_regular_file(path, MAX_LEARNER_FILE * 4)
    if data is None:
        raise OSError(f"{path} is not a regular file")
    return hashlib.sha256(data).hexdigest()


def _digest_or_none(path: Path) -> str | None:
    """A submission's file that cannot be read (no permission, vanished) counts as changed."""
    try:
        return _digest(path)
    except OSError:
        return None


@dataclass
class GraderFingerprint:
    """The grader's own files as they were at start-up, before any student code ran."""

    root: Path
    hashes: dict[str, str]
    problems: list[str]
    editable: bool

    def changed(self) -> list[str]:
        """Files of the grader that differ now from start-up (added, changed or removed)."""
        now = _hash_tree(self.root)
        return sorted(name for name in set(now) | set(self.hashes) if now.get(name) != self.hashes.get(name))


def fingerprint_grader() -> GraderFingerprint:
    """Hash the installed grader now, and check it against the wheel's RECORD when there is one."""
    root = Path(graders.__file__).resolve().parent
    hashes = _hash_tree(root)
    problems: list[str] = []
    editable = True
    try:
        distribution = metadata.distribution(DISTRIBUTION)
        files = [f for f in (distribution.files or []) if str(f).startswith("graders/") and f.hash]
    except metadata.PackageNotFoundError:
        files = []
    for record in files:
        path = Path(str(record.locate())).resolve()
        if path.parent != root and root not in path.parents:
            continue  # another copy of the package than the one running
        editable = False
        expected = record.hash.value if record.hash else ""
        try:
            actual = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        except OSError:
            problems.append(f"{record} is missing from the installed grader")
            continue
        if actual != expected:
            problems.append(f"{record} differs from the grader package that was installed")
    return GraderFingerprint(root, hashes, problems, editable)


def _hash_tree(root: Path) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not _skipped(relative):
            try:
                hashes[relative.as_posix()] = _digest(path)
            except OSError:
                continue
    return hashes
