"""Find the pristine stub of a kata, so ``kata reset`` can restore it.

The manifest records the pristine stub's SHA-256; the course arrives as a git
clone, so the pristine text is the version in git history with that hash,
however many commits the learner has made since.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

from graders.manifest import Kata
from graders.progress import PROGRESS_DIR


class PristineNotFound(Exception):
    """No version with the manifest's hash is reachable."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=30)


def pristine_files(kata: Kata, project_root: Path) -> dict[str, bytes]:
    """Every learner file of ``kata`` as it was in the commit whose stub has the manifest's hash."""
    revision, top = _pristine_revision(kata, project_root)
    files = {}
    for name in kata.learner_files:
        relative = (kata.path / name).resolve().relative_to(top).as_posix()
        shown = _git(project_root, "show", f"{revision}:{relative}")
        if shown.returncode == 0:
            files[name] = shown.stdout
    return files


def pristine_stub(kata: Kata, project_root: Path) -> bytes:
    """The pristine stub's bytes, found in git history by the manifest's hash."""
    return pristine_files(kata, project_root)["stub.py"]


def _pristine_revision(kata: Kata, project_root: Path) -> tuple[str, Path]:
    """The newest commit whose stub hashes to the manifest's ``stub_sha256``, and the checkout's top."""
    if not kata.stub_sha256:
        raise PristineNotFound(f"katas.toml records no stub_sha256 for {kata.id}")
    try:
        top = _git(project_root, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.TimeoutExpired):
        raise PristineNotFound("git is not available to look up the original stub") from None
    if top.returncode != 0:
        raise PristineNotFound(f"{project_root} is not a git checkout, so the original stub cannot be found")
    top_path = Path(top.stdout.decode().strip()).resolve()
    relative = kata.stub.resolve().relative_to(top_path).as_posix()
    revisions = _git(project_root, "rev-list", "--all", "--", relative).stdout.decode().split()
    for revision in revisions:
        shown = _git(project_root, "show", f"{revision}:{relative}")
        if shown.returncode == 0 and hashlib.sha256(shown.stdout).hexdigest() == kata.stub_sha256:
            return revision, top_path
    raise PristineNotFound(f"no version of {relative} in git history matches the manifest's hash")


def back_up(kata: Kata, project_root: Path, name: str = "stub.py") -> Path:
    """Copy one learner file to ``.kata/backups/<kata>-<time>-<name>`` and return that path."""
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
