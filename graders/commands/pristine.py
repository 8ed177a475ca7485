"""Find a kata's original files, so ``kata reset`` can restore them.

Two places hold them. The installed package carries the pristine course
(``graders/_course/katas``, written at install time), which works for a course
downloaded as a zip; git history holds it for a clone, however many commits the
learner has made since. Either copy counts only when its stub and its tests have
the hashes the manifest records, so a stale or edited copy is never restored.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

from graders.manifest import MANIFEST_NAME, Kata
from graders.progress import PROGRESS_DIR

SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}


class PristineNotFound(Exception):
    """No copy with the manifest's hash is reachable."""


def packaged_katas_dir() -> Path | None:
    """``graders/_course/katas`` of the installed package (a wheel, or an editable install's copy)."""
    import graders

    beside = Path(graders.__file__).resolve().parent / "_course" / "katas"
    if (beside / MANIFEST_NAME).is_file():
        return beside
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        files = distribution("fastapi-katas").files or []
    except PackageNotFoundError:
        return None
    for file in files:
        if file.as_posix().endswith(f"graders/_course/katas/{MANIFEST_NAME}"):
            located = Path(str(file.locate())).parent
            return located if located.is_dir() else None
    return None


def pristine_files(kata: Kata, project_root: Path) -> dict[str, bytes]:
    """Every file of ``kata``'s folder as shipped: from the installed package, else from git history."""
    packaged = packaged_katas_dir()
    folder = packaged / kata.dir if packaged else None
    if folder is not None and _is_pristine(kata, _sha256(folder / kata.stub.name), _sha256(folder / "test_kata.py")):
        return {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not SKIPPED_PARTS.intersection(path.parts) and path.suffix != ".pyc"
        }
    try:
        revision, top = _pristine_revision(kata, project_root)
    except PristineNotFound as exc:
        where = (
            "the installed package's copy differs" if folder is not None and folder.is_dir() else "no installed copy"
        )
        raise PristineNotFound(f"{exc}, and {where}") from None
    prefix = kata.path.resolve().relative_to(top).as_posix()
    listed = _git(project_root, "ls-tree", "-r", "--name-only", revision, "--", prefix).stdout.decode().split("\n")
    files = {}
    for relative in filter(None, listed):
        shown = _git(project_root, "show", f"{revision}:{relative}")
        if shown.returncode == 0:
            files[relative.removeprefix(prefix + "/")] = shown.stdout
    return files


def pristine_stub(kata: Kata, project_root: Path) -> bytes:
    """The pristine stub's bytes."""
    return pristine_files(kata, project_root)[kata.stub.name]


def _is_pristine(kata: Kata, stub_sha256: str, tests_sha256: str) -> bool:
    return (
        bool(kata.stub_sha256)
        and stub_sha256 == kata.stub_sha256
        and tests_sha256 == (kata.tests_sha256 or tests_sha256)
    )


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=30)


def _pristine_revision(kata: Kata, project_root: Path) -> tuple[str, Path]:
    """The newest commit whose stub and tests have the manifest's hashes, and the checkout's top."""
    if not kata.stub_sha256:
        raise PristineNotFound(f"katas.toml records no stub_sha256 for {kata.id}")
    try:
        top = _git(project_root, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.TimeoutExpired):
        raise PristineNotFound("git is not available to look up the original files") from None
    if top.returncode != 0:
        raise PristineNotFound(f"{project_root} is not a git checkout")
    top_path = Path(top.stdout.decode().strip()).resolve()
    folder = kata.path.resolve().relative_to(top_path).as_posix()
    revisions = _git(project_root, "rev-list", "--all", "--", folder).stdout.decode().split()
    for revision in revisions:
        stub = _git(project_root, "show", f"{revision}:{folder}/{kata.stub.name}")
        tests = _git(project_root, "show", f"{revision}:{folder}/test_kata.py")
        digests = [hashlib.sha256(shown.stdout).hexdigest() if shown.returncode == 0 else "" for shown in (stub, tests)]
        if _is_pristine(kata, *digests):
            return revision, top_path
    raise PristineNotFound(f"no version of {folder} in git history matches the manifest's hashes")


def back_up(kata: Kata, project_root: Path, name: str | None = None) -> Path:
    """Copy one file of the kata (its main learner file by default) to ``.kata/backups/<kata>-<time>-<name>``."""
    name = name or kata.stub.name
    folder = project_root / PROGRESS_DIR / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    flat = name.replace("/", "_")
    backup = folder / f"{kata.id}-{stamp}-{flat}"
    counter = 1
    while backup.exists():
        backup = folder / f"{kata.id}-{stamp}-{counter}-{flat}"
        counter += 1
    backup.write_bytes((kata.path / name).read_bytes())
    return backup
