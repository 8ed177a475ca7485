"""The learner's view of the course: which kata is current and where each one stands.

Reads only the manifest, the stubs and ``.kata/progress.json``: no pytest or
FastAPI import, so every ``kata`` command that only reads answers instantly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graders.judge.model import Status
from graders.manifest import Kata, Manifest, file_sha256, find_manifest, load_manifest
from graders.progress import KataRecord, Progress, read_progress, update_progress

ENV_COURSE = "KATA_COURSE"
ANSWER_MARKER = "<!-- answer -->"  # courses written before answers moved to solutions/NN_topic/answer.md
SOLUTION_FILE = "SOLUTION.md"


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
    if record.done and not kata.tests_changed():
        return KataState(kata, Status.DONE, record)
    if pristine and record.score == 0:
        return KataState(kata, Status.NOT_STARTED, record)
    return KataState(kata, Status.IN_PROGRESS, record)


def states(manifest: Manifest, progress: Progress) -> list[KataState]:
    return [state_of(kata, progress) for kata in manifest.katas]


def is_done(kata: Kata, progress: Progress) -> bool:
    """Did the last full grading pass every behaviour, with the kata's original tests?"""
    record = progress.katas.get(kata.id)
    return record is not None and record.done and not kata.tests_changed()


def is_solved(kata: Kata, progress: Progress) -> bool:
    """Was the kata ever done? Its solution stays open after a later failing experiment."""
    return kata.id in progress.solved or is_done(kata, progress)


def choose(manifest: Manifest, kata: Kata) -> None:
    """Make ``kata`` the one to work on: ``kata``, ``kata run`` and ``kata watch`` follow it."""
    update_progress(manifest.project_root, lambda p: setattr(p, "current", kata.id))


def following(manifest: Manifest, kata: Kata, progress: Progress) -> Kata | None:
    """The first kata after ``kata`` that is not done, else the first not done before it."""
    index = manifest.katas.index(kata)
    later = [k for k in (*manifest.katas[index + 1 :], *manifest.katas[:index]) if not is_done(k, progress)]
    return later[0] if later else None


def current_kata(manifest: Manifest, progress: Progress) -> Kata | None:
    """The kata ``kata next`` moved to (done or not), else the first not done; None when all are done."""
    chosen = manifest.find(progress.current) if progress.current else None
    if chosen is not None:
        return chosen
    return next((k for k in manifest.katas if not is_done(k, progress)), None)


def task_text(kata: Kata) -> str:
    """The kata's README (up to an old-style answer marker, if it still has one)."""
    text = kata.readme.read_text(encoding="utf-8")
    return text.split(ANSWER_MARKER, 1)[0].rstrip()


def answer_text(kata: Kata) -> str:
    """The in-depth answer: ``solutions/NN_topic/answer.md`` (or an old README's tail)."""
    if kata.answer.is_file():
        return kata.answer.read_text(encoding="utf-8").strip()
    if not kata.readme.is_file():
        return ""
    text = kata.readme.read_text(encoding="utf-8")
    return text.split(ANSWER_MARKER, 1)[1].strip() if ANSWER_MARKER in text else ""


def solution_files(kata: Kata) -> dict[str, str]:
    """The reference solution's files by name (solution.py first), as text."""
    folder = kata.solution.parent
    files = {kata.solution.name: kata.solution.read_text(encoding="utf-8")}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and path.name not in files and path.name != kata.answer.name and path.suffix != ".pyc":
            files[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return files


def write_solution_file(kata: Kata) -> tuple[Path | None, bool]:
    """``katas/NN_topic/SOLUTION.md``: the reference solution and the answer, written once and kept.

    Returns the path (None when the course ships no solutions) and whether it was written now
    (an existing file, perhaps annotated by the learner, is never overwritten).
    """
    path = kata.path / SOLUTION_FILE
    if path.exists():
        return path, False
    if not kata.solution.is_file():
        return None, False
    parts = [f"# {kata.id} · {kata.title}: the reference solution\n"]
    parts.append("Yours may differ and be just as right: the tests are the specification.\n")
    for name, text in solution_files(kata).items():
        language = "python" if name.endswith(".py") else "dockerfile" if name == "Dockerfile" else ""
        parts.append(f"## {name}\n\n```{language}\n{text.rstrip()}\n```\n")
    answer = answer_text(kata)
    if answer:
        parts.append(answer.replace(f"# {kata.id}: the answer in depth", "## The answer in depth", 1) + "\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path, True


def read_course_progress(manifest: Manifest) -> Progress:
    return read_progress(manifest.project_root)


def reveal_next_hint(manifest: Manifest, kata: Kata) -> tuple[int, str]:
    """Reveal one more hint of ``kata`` (remembered in the progress file): its number and text.

    Every failing grade card shows the furthest hint revealed so far (hint 1 before any), so a
    reveal is the one after it; once all are shown, the last one is given again.
    """
    levels: list[int] = []

    def reveal(progress: Progress) -> None:
        level = min(max(progress.hints_shown.get(kata.id, 0), 1) + 1, len(kata.hints))
        progress.hints_shown[kata.id] = level
        levels.append(level)

    if not kata.hints:
        return 0, ""
    update_progress(manifest.project_root, reveal)
    return levels[0], kata.hints[levels[0] - 1]
