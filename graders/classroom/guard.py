"""A pytest plugin loaded into every graded run before any learner code: limits and an audit hook.

The graded process may write only inside its own sandbox folder: the audit hook
(PEP 578) refuses ``open()`` for writing, and removing or renaming files, anywhere
else. That stops a learner's file from writing a fake results file, appending to the
CI's step outputs or rewriting the installed grader by ordinary Python calls. It is a
guard rail, not a wall: code run in the same process can reach the OS by other means
(a subprocess, ctypes, ``dir_fd``). The wall is the OS sandbox around the whole run
(``graders.classroom.isolation``); this hook matters only where none is available.

Resource limits: no core files, files no larger than 256 MB, and an address-space
limit (``KATA_SANDBOX_MEMORY_MB``, set by the grader) so a memory bomb fails inside
the run instead of taking the machine down.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

MEMORY_ENV = "KATA_SANDBOX_MEMORY_MB"
MAX_FILE = 256 * 1024 * 1024
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _make_hook() -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook, with its allow-list held in a closure rather than a module global a stub could rebind."""
    root = os.path.realpath(os.getcwd())
    allowed = (root + os.sep, "/dev/")
    path_events = {
        "os.remove": (0,), "os.rename": (0, 1), "os.rmdir": (0,), "os.truncate": (0,), "os.chmod": (0,),
        "os.chown": (0,), "os.link": (0, 1), "os.symlink": (1,), "os.utime": (0,), "shutil.rmtree": (0,),
        "shutil.copyfile": (1,), "shutil.move": (1,), "os.mkdir": (0,),
    }  # fmt: skip

    def inside(path: Any) -> bool:
        if isinstance(path, int) or path is None:
            return True  # an already open file descriptor
        try:
            text = os.fsdecode(os.fspath(path))
        except TypeError:
            return True
        real = os.path.realpath(text)
        return real == root or real.startswith(allowed)

    def writes(mode: Any, flags: Any) -> bool:
        if isinstance(mode, str) and any(ch in mode for ch in "wax+"):
            return True
        return isinstance(flags, int) and bool(flags & WRITE_FLAGS)

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if writes(mode, flags) and not inside(path):
                raise PermissionError(f"kata grade: writing outside the grading folder is not allowed: {path}")
        elif event in path_events:
            for index in path_events[event]:
                if index < len(args) and not inside(args[index]):
                    raise PermissionError(f"kata grade: changing files outside the grading folder is not allowed: {args[index]}")

    return audit


def _limit() -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: no limits
        return
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, MAX_FILE)]
    megabytes = int(os.environ.get(MEMORY_ENV, "0") or 0)
    if megabytes > 0:
        limits.append((resource.RLIMIT_AS, megabytes * 1024 * 1024))
    for which, value in limits:
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            continue


_limit()
sys.addaudithook(_make_hook())
