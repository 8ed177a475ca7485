"""The learner's view of the course: which kata is current and where each one stands.

Reads only the manifest, the stubs and ``.kata/progress.json``: no pytest or
FastAPI import, so every ``kata`` command that only reads answers instantly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graders.manifest import Kata, Manifest, find_manifest, load_manifest, file_sha256
from graders.judge.model import Status
from graders.progress import KataRecord, Progress, read_progress, update_progress

ENV_COURSE = "KATA_COURSE"
ANSWER_MARKER = "<!-- answer -->"


class CourseError(Exception):
    """Something the learner can fix; the message is one sentence with a suggestion."""


@dataclass(frozen=True)
class KataState:
    """One kata's status, score and the record it came from."""

    kata: Kata
    status: Status
    record: KataRecord | None

    @property
    def score_text(self) -> str:
        if self.record is None:
            return "–"
        return f"{self.record.score}/{self.record.max_score}"


def locate_course(start: Path | None = None) -> Manifest:
    """The course that holds ``start`` (default: the working folder), or ``$KATA_COURSE``."""
    configured = os.environ.get(ENV_COURSE)
    if configured:
        path = find_manifest(Path(configured))
        if path is None:
            raise CourseError(f"{ENV_COURSE}={configured} holds no katas/katas.toml; point it at the course folder.")
    else:
        path = find_manifest(start or Path.cwd())
        if path is None:
            raise CourseError(
                "No course found here: run kata inside the fastapi-katas folder (or set KATA_COURSE to it)."
            )
    return load_manifest(path)


def find_kata(manifest: Manifest, name: str) -> Kata:
    """A kata by id, number or topic, or a ``CourseError`` that suggests the closest name."""
    kata = manifest.find(name)
    if kata is not None:
        return kata
    import difflib

    names = [k.id for k in manifest.katas] + [k.id.split("_", 1)[-1] for k in manifest.katas]
    close = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.5)
    suggestion = ""
    if close:
        match = manifest.find(close[0])
        suggestion = f" Did you mean {match.id if match else close[0]}?"
    raise CourseError(f"There is no kata {name!r}.{suggestion} `kata list` shows them all.")


def state_of(kata: Kata, progress: Progress) -> KataState:
    """Done, in progress, not started, or changed since it was last graded."""
    record = progress.katas.get(kata.id)
    try:
        current = file_sha256(kata.stub)
    except OSError:
        current = ""
    pristine = bool(kata.stub_sha256) and current == kata.stub_sha256
    if record is None:
        return KataState(kata, Status.NOT_STARTED if pristine else Status.IN_PROGRESS, None)
    if record.stub_sha256 != current:
        return KataState(kata, Status.CHANGED, record)
    if record.done:
        return KataState(kata, Status.DONE, record)
    if pristine and record.score == 0:
        return KataState(kata, Status.NOT_STARTED, record)
    return KataState(kata, Status.IN_PROGRESS, record)


def states(manifest: Manifest, progress: Progress) -> list[KataState]:
    return [state_of(kata, progress) for kata in manifest.katas]


def is_done(kata: Kata, progress: Progress) -> bool:
    record = progress.katas.get(kata.id)
    return record is not None and record.done


def current_kata(manifest: Manifest, progress: Progress) -> Kata | None:
    """The kata ``kata next`` moved to (done or not), else the first not done; None when all are done."""
    chosen = manifest.find(progress.current) if progress.current else None
    if chosen is not None:
        return chosen
    return next((k for k in manifest.katas if not is_done(k, progress)), None)


def task_text(kata: Kata) -> str:
    """The README up to the in-depth answer, which is kept for after the kata is solved."""
    text = kata.readme.read_text(encoding="utf-8")
    return text.split(ANSWER_MARKER, 1)[0].rstrip()


def answer_text(kata: Kata) -> str:
    text = kata.readme.read_text(encoding="utf-8")
    return text.split(ANSWER_MARKER, 1)[1].strip() if ANSWER_MARKER in text else ""


def read_course_progress(manifest: Manifest) -> Progress:
    return read_progress(manifest.project_root)


def reveal_next_hint(manifest: Manifest, kata: Kata) -> list[str]:
    """Reveal one more hint of ``kata`` (remembered in the progress file); every hint shown so far."""
    levels: list[int] = []

    def reveal(progress: Progress) -> None:
        level = min(progress.hints_shown.get(kata.id, 0) + 1, len(kata.hints))
        progress.hints_shown[kata.id] = level
        levels.append(level)

    update_progress(manifest.project_root, reveal)
    return list(kata.hints[: levels[0]])
