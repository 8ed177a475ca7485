"""What a graded run could leave behind for later runs where the sandbox cannot make it read-only.

A ``.pth`` file in site-packages runs code at every interpreter start, and a ``.pyc`` in a
``__pycache__`` folder is loaded instead of its source (``-B`` stops writing them, not
reading them). Under ``bwrap`` or Landlock a run cannot write either; with a weaker
protection the grader takes a snapshot of both before each run and compares it after.
A file's change time (ctime) cannot be set by a process, so even a write that restores
the old contents' size and modification time shows.
"""

from __future__ import annotations

import os
import site
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import graders

Snapshot = dict[str, tuple[int, int, int, int]]


def watched_roots() -> list[Path]:
    """site-packages (every one this Python reads) and the grader's own folder."""
    roots = {Path(graders.__file__).resolve().parent}
    for name in ("purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[name]).resolve())
    for folder in site.getsitepackages():
        roots.add(Path(folder).resolve())
    return sorted(root for root in roots if root.is_dir())


def _watched(path: str, name: str) -> bool:
    return name.endswith((".pth", ".pyc")) or os.sep + "__pycache__" in path


def take(roots: list[Path] | None = None) -> Snapshot:
    """Size, modification time, change time and inode of every ``.pth`` and bytecode file."""
    found: Snapshot = {}
    for root in roots if roots is not None else watched_roots():
        for folder, dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                if not _watched(path, name):
                    continue
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                found[path] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            dirs[:] = [d for d in dirs if not d.endswith((".dist-info", ".egg-info"))]
    return found


@dataclass
class StartupFiles:
    """The snapshot a run is compared with."""

    before: Snapshot

    @classmethod
    def now(cls) -> StartupFiles:
        return cls(take())

    def changed(self) -> list[str]:
        """``.pth`` and bytecode files added, changed or removed since the snapshot."""
        after = take()
        return sorted(path for path in set(after) | set(self.before) if after.get(path) != self.before.get(path))
