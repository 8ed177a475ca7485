"""The learner's progress: ``.kata/progress.json`` at the project root.

Written atomically (a temporary file renamed over the old one, under a lock),
so an interrupted run never leaves half a file. A file that cannot be read is
moved aside, never deleted, and a fresh one is started. Free of pytest and
FastAPI imports: ``kata progress`` reads it and must answer instantly.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRESS_DIR = ".kata"
PROGRESS_FILE = "progress.json"
FORMAT_VERSION = 1

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, writes stay atomic
    fcntl = None  # type: ignore[assignment]


@dataclass
class KataRecord:
    """The last full grading of one kata's stub."""

    score: int
    max_score: int
    passed: list[str]
    failed: list[str]
    stub_sha256: str
    graded_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max": self.max_score,
            "passed": self.passed,
            "failed": self.failed,
            "stub_sha256": self.stub_sha256,
            "graded_at": self.graded_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KataRecord:
        return cls(
            score=int(data["score"]),
            max_score=int(data["max"]),
            passed=[str(x) for x in data.get("passed", [])],
            failed=[str(x) for x in data.get("failed", [])],
            stub_sha256=str(data.get("stub_sha256", "")),
            graded_at=str(data.get("graded_at", "")),
        )

    @property
    def done(self) -> bool:
        return self.max_score > 0 and self.score == self.max_score


@dataclass
class Progress:
    """Everything remembered about a learner, kata by kata."""

    katas: dict[str, KataRecord] = field(default_factory=dict)
    hints_shown: dict[str, int] = field(default_factory=dict)
    current: str = ""
    welcomed: bool = False
    solved: set[str] = field(default_factory=set)  # every kata ever done with its original tests: unlocked for good
    problem: str = ""  # one line when the file on disk was unreadable and set aside

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "current": self.current,
            "welcomed": self.welcomed,
            "katas": {kata: record.to_json() for kata, record in sorted(self.katas.items())},
            "hints_shown": dict(sorted(self.hints_shown.items())),
            "solved": sorted(self.solved),
        }


def progress_path(project_root: Path) -> Path:
    return project_root / PROGRESS_DIR / PROGRESS_FILE


def now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_progress(text: str) -> Progress:
    """Parse the file's text; raises ``ValueError`` on anything unexpected."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise ValueError("not a progress file of this version")
    katas = data.get("katas", {})
    hints = data.get("hints_shown", {})
    solved = data.get("solved", [])
    if not isinstance(katas, dict) or not isinstance(hints, dict) or not isinstance(solved, list):
        raise ValueError("katas and hints_shown must be objects, solved a list")
    try:
        return Progress(
            katas={str(k): KataRecord.from_json(v) for k, v in katas.items()},
            hints_shown={str(k): int(v) for k, v in hints.items()},
            current=str(data.get("current", "")),
            welcomed=bool(data.get("welcomed", False)),
            solved={str(k) for k in solved},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"an entry is malformed ({exc})") from None


def read_progress(project_root: Path) -> Progress:
    """Read progress without changing anything; an unreadable file reads as empty with a problem."""
    path = progress_path(project_root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Progress()
    except OSError as exc:
        return Progress(problem=f"{path}: cannot be read ({exc.strerror})")
    try:
        return parse_progress(raw.decode("utf-8"))
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        return Progress(problem=f"{path} is corrupt ({exc}); it will be rebuilt")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(folder / "progress.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update_progress(project_root: Path, change: Any) -> Progress:
    """Read, let ``change(progress)`` edit, and write back atomically.

    A corrupt file is kept as ``progress.json.corrupt-<time>`` and the learner
    starts from what can be rebuilt; ``Progress.problem`` says so in one line.
    """
    path = progress_path(project_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent):
        progress = read_progress(project_root)
        if progress.problem and path.exists():
            backup = path.with_name(f"{PROGRESS_FILE}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, backup)
            progress.problem += f" (the old file is kept as {backup.name})"
        change(progress)
        _note_solved(project_root, progress)
        write_atomically(path, json.dumps(progress.to_json(), indent=2) + "\n")
    return progress


def _note_solved(project_root: Path, progress: Progress) -> None:
    """Remember each kata done with its original tests, so a later failing run does not lock it again."""
    new = [kata_id for kata_id, record in progress.katas.items() if record.done and kata_id not in progress.solved]
    if not new:
        return
    from graders.manifest import ManifestError, find_manifest, load_manifest

    path = find_manifest(project_root)
    try:
        manifest = load_manifest(path) if path else None
    except ManifestError:
        manifest = None
    for kata_id in new:
        kata = manifest.find(kata_id) if manifest else None
        if kata is not None and not kata.tests_changed():
            progress.solved.add(kata_id)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    import tempfile  # not needed by readers such as `kata progress`

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
