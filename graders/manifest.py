"""The course manifest: one versioned TOML file listing every kata in order.

Kept free of pytest and FastAPI imports so that ``kata progress`` stays instant.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "katas.toml"
FORMAT_VERSION = 1
DEFAULT_LEARNER_FILES = ("stub.py",)
APP_KIND = "app"  # the learner writes the app; the course's tests grade it
TESTS_KIND = "tests"  # the learner writes tests; the bugs they catch in the course's app grade them
KINDS = (APP_KIND, TESTS_KIND)
VERSIONS_DIR = "versions"  # a tests kata's other versions of its app: the judge's alone in classroom mode


class ManifestError(Exception):
    """The manifest is missing, unreadable or does not follow the format."""


@dataclass(frozen=True)
class Kata:
    """One kata as the manifest describes it."""

    id: str
    dir: str
    title: str
    question: str
    hints: tuple[str, ...]
    stub_sha256: str
    katas_dir: Path
    # Files inside the kata folder the learner writes; every other file there is the grader's.
    learner_files: tuple[str, ...] = DEFAULT_LEARNER_FILES
    # The pristine test file's hash: a grade with changed tests does not count.
    tests_sha256: str = ""
    # "app" (the learner writes the app) or "tests" (the learner writes tests for the course's app).
    kind: str = APP_KIND
    # A tests kata's given app, in the kata folder: the learner's tests import it by its stem.
    app: str = ""

    @property
    def path(self) -> Path:
        return self.katas_dir / self.dir

    @property
    def stub(self) -> Path:
        """The learner's main file: the first learner file (``stub.py`` unless the manifest says otherwise)."""
        return self.path / self.learner_files[0]

    @property
    def tests(self) -> Path:
        return self.path / "test_kata.py"

    @property
    def readme(self) -> Path:
        return self.path / "README.md"

    @property
    def solution(self) -> Path:
        return self.katas_dir.parent / "solutions" / self.dir / "solution.py"

    def judge_only(self, relative: str) -> bool:
        """Is this file of the kata folder kept from wherever the learner's code runs in classroom mode?

        A tests kata's versions of its app (``versions/``) are handed to the learner's tests one
        at a time, as source, never as files they could read.
        """
        return self.kind == TESTS_KIND and relative.split("/", 1)[0] == VERSIONS_DIR

    @property
    def number(self) -> str:
        return self.id.split("_", 1)[0]

    @property
    def answer(self) -> Path:
        """The in-depth interview answer, kept beside the solution until the kata is solved."""
        return self.solution.parent / "answer.md"

    def tests_changed(self) -> bool:
        """Does the kata's test file differ from the one the manifest records (``tests_sha256``)?"""
        if not self.tests_sha256:
            return False
        try:
            return file_sha256(self.tests) != self.tests_sha256
        except OSError:
            return True


@dataclass(frozen=True)
class Manifest:
    """All katas of a course, in teaching order."""

    path: Path
    katas: tuple[Kata, ...]

    @property
    def katas_dir(self) -> Path:
        return self.path.parent

    @property
    def project_root(self) -> Path:
        return self.katas_dir.parent

    def by_dir(self, dir_name: str) -> Kata | None:
        return next((k for k in self.katas if k.dir == dir_name), None)

    def find(self, name: str) -> Kata | None:
        """Look a kata up by id, directory, number (``7`` or ``07``) or topic."""
        wanted = name.strip().strip("/").removeprefix("katas/").lower()
        for kata in self.katas:
            topic = kata.id.split("_", 1)[-1]
            if wanted in {kata.id.lower(), kata.dir.lower(), topic.lower()}:
                return kata
            if wanted.isdigit() and int(wanted) == int(kata.number):
                return kata
        return None


def file_sha256(path: Path) -> str:
    """The hash used to tell a pristine stub from an edited one."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_manifest(start: Path) -> Path | None:
    """Walk up from ``start`` to the nearest ``katas/katas.toml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for candidate in (folder / MANIFEST_NAME, folder / "katas" / MANIFEST_NAME):
            if candidate.is_file():
                return candidate
    return None


def load_manifest(path: Path) -> Manifest:
    """Read and check the manifest; every problem becomes one ``ManifestError`` line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from None
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ManifestError(
            f"{path}: format_version is {version!r}; this grader reads version {FORMAT_VERSION}"
        )
    entries = data.get("kata")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}: no [[kata]] entries")
    katas = tuple(_kata_from_entry(path, index, entry) for index, entry in enumerate(entries, 1))
    seen: set[str] = set()
    for kata in katas:
        if kata.id in seen:
            raise ManifestError(f"{path}: kata id {kata.id!r} appears twice")
        seen.add(kata.id)
    return Manifest(path=path.resolve(), katas=katas)


def _kata_from_entry(path: Path, index: int, entry: object) -> Kata:
    if not isinstance(entry, dict):
        raise ManifestError(f"{path}: kata entry {index} is not a table")
    missing = [key for key in ("id", "title", "question", "hints") if key not in entry]
    if missing:
        raise ManifestError(f"{path}: kata entry {index} lacks {', '.join(missing)}")
    hints = entry["hints"]
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        raise ManifestError(f"{path}: hints of kata {entry['id']!r} must be a list of strings")
    kind, app = _kind(path, entry)
    return Kata(
        id=str(entry["id"]),
        dir=str(entry.get("dir", entry["id"])),
        title=str(entry["title"]),
        question=str(entry["question"]),
        hints=tuple(hints),
        stub_sha256=str(entry.get("stub_sha256", "")),
        katas_dir=path.parent.resolve(),
        learner_files=_learner_files(path, entry),
        tests_sha256=str(entry.get("tests_sha256", "")),
        kind=kind,
        app=app,
    )


def _learner_files(path: Path, entry: dict) -> tuple[str, ...]:
    """``learner_files = [...]``: relative paths inside the kata folder; ``stub.py`` when absent."""
    value = entry.get("learner_files")
    if value is None:
        return DEFAULT_LEARNER_FILES
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ManifestError(f"{path}: learner_files of kata {entry['id']!r} must be a list of file names")
    for name in value:
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts or name.startswith("~"):
            raise ManifestError(f"{path}: learner_files of kata {entry['id']!r}: {name!r} must stay inside the kata folder")
    return tuple(Path(name).as_posix() for name in value)


def _kind(path: Path, entry: dict) -> tuple[str, str]:
    """``kind`` ("app" when absent) and, for a tests kata, its ``app`` file and its own learner file."""
    kind = entry.get("kind", APP_KIND)
    if kind not in KINDS:
        raise ManifestError(f"{path}: kind of kata {entry['id']!r} must be one of {', '.join(map(repr, KINDS))}")
    app = entry.get("app", "")
    if kind == APP_KIND:
        if app:
            raise ManifestError(f"{path}: kata {entry['id']!r} names an app, which only a kind = \"tests\" kata has")
        return kind, ""
    if not isinstance(app, str) or not app.endswith(".py") or "/" in app or not app[:-3].isidentifier():
        raise ManifestError(f"{path}: kata {entry['id']!r} (kind = \"tests\") needs app = \"<module>.py\" in its folder")
    if entry.get("learner_files") is None:
        raise ManifestError(f"{path}: kata {entry['id']!r} (kind = \"tests\") needs learner_files = [\"test_….py\"]")
    return kind, app
