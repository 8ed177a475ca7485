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


def pristine_stub(kata: Kata, project_root: Path) -> bytes:
    """The pristine stub's bytes, found in git history by the manifest's hash."""
    if not kata.stub_sha256:
        raise PristineNotFound(f"katas.toml records no stub_sha256 for {kata.id}")
    try:
        top = _git(project_root, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.TimeoutExpired):
        raise PristineNotFound("git is not available to look up the original stub") from None
    if top.returncode != 0:
        raise PristineNotFound(f"{project_root} is not a git checkout, so the original stub cannot be found")
    relative = kata.stub.resolve().relative_to(Path(top.stdout.decode().strip()).resolve()).as_posix()
    revisions = _git(project_root, "rev-list", "--all", "--", relative).stdout.decode().split()
    for revision in revisions:
        shown = _git(project_root, "show", f"{revision}:{relative}")
        if shown.returncode == 0 and hashlib.sha256(shown.stdout).hexdigest() == kata.stub_sha256:
            return shown.stdout
    raise PristineNotFound(f"no version of {relative} in git history matches the manifest's hash")


def back_up(kata: Kata, project_root: Path) -> Path:
    """Copy the learner's stub to ``.kata/backups/<kata>-<time>.py`` and return that path."""
    folder = project_root / PROGRESS_DIR / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = folder / f"{kata.id}-{stamp}.py"
    counter = 1
    while backup.exists():
        backup = folder / f"{kata.id}-{stamp}-{counter}.py"
        counter += 1
    backup.write_bytes(kata.stub.read_bytes())
    return backup
