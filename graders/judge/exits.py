"""Keep a learner's ``os._exit()`` or ``os.kill(os.getpid(), …)`` from ending the test run.

In learner mode the app runs inside the pytest process (Starlette's TestClient), so a
shutdown that calls ``os._exit(1)`` would end pytest before it prints a grade card. While a
test runs, ``ExitGuard`` replaces the few functions that end or signal this very process
with ones that raise ``ProcessExit`` instead, and remembers each call, so the test fails
with a line that says what the app did. It is a guard against a beginner's bug, not against
a hostile file (a subprocess running ``kill -9`` still ends the run): in classroom mode the
app lives in the host process, whose death the judge reports on its own.

A forked child (multiprocessing) is left alone: only the guarded process is protected.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from graders.host.loader import display_path


class ProcessExit(Exception):
    """The learner's code tried to end (or signal) the test process; ``str()`` says how."""


class ExitGuard:
    """While entered, calls that would end this process raise ``ProcessExit`` and are recorded."""

    def __init__(self, graded_file: Path) -> None:
        self.graded_file = graded_file
        self.calls: list[str] = []  # one line per refused call, where it came from included
        self.pid = 0
        self._saved: list[tuple[Any, str, Any]] = []
        self._lock = threading.Lock()

    # -- the replacements -------------------------------------------------------------

    def _refuse(self, call: str) -> ProcessExit:
        message = f"{call} was called, which ends a server's process (the test run was kept alive)"
        with self._lock:
            self.calls.append(self._caller() + message)
        return ProcessExit(message)

    def _caller(self) -> str:
        """``stub.py:42: `` for the deepest frame of the graded file on the stack, or nothing."""
        wanted = str(self.graded_file.resolve())
        frame = sys._getframe(2)
        while frame is not None:
            if os.path.realpath(frame.f_code.co_filename) == wanted:
                return f"{display_path(self.graded_file)}:{frame.f_lineno}: "
            frame = frame.f_back
        return ""

    def _targets_me(self, pid: int) -> bool:
        """Does ``kill(pid, …)`` reach this process (itself, its group, everyone)?"""
        return pid in (self.pid, 0, -1) or pid == -os.getpgid(self.pid)

    def _install(self) -> None:
        real_exit, real_kill, real_killpg = os._exit, os.kill, os.killpg
        real_abort, real_raise = os.abort, signal.raise_signal
        real_pthread_kill = signal.pthread_kill

        def _exit(code: int) -> None:
            if os.getpid() != self.pid:
                real_exit(code)
            raise self._refuse(f"os._exit({code!r})")

        def kill(pid: int, sig: int) -> None:
            if os.getpid() != self.pid or sig == 0 or not self._targets_me(pid):
                return real_kill(pid, sig)
            raise self._refuse(f"os.kill({_pid_name(pid, self.pid)}, {_signal_name(sig)})")

        def killpg(pgid: int, sig: int) -> None:
            if os.getpid() != self.pid or sig == 0 or pgid not in (0, os.getpgid(self.pid)):
                return real_killpg(pgid, sig)
            raise self._refuse(f"os.killpg(<this process group>, {_signal_name(sig)})")

        def abort() -> None:
            if os.getpid() != self.pid:
                real_abort()
            raise self._refuse("os.abort()")

        def raise_signal(sig: int) -> None:
            if os.getpid() != self.pid or sig == 0:
                return real_raise(sig)
            raise self._refuse(f"signal.raise_signal({_signal_name(sig)})")

        def pthread_kill(thread_id: int, sig: int) -> None:
            if os.getpid() != self.pid or sig == 0:
                return real_pthread_kill(thread_id, sig)
            raise self._refuse(f"signal.pthread_kill(…, {_signal_name(sig)})")

        for owner, name, replacement in (
            (os, "_exit", _exit), (os, "kill", kill), (os, "killpg", killpg), (os, "abort", abort),
            (signal, "raise_signal", raise_signal), (signal, "pthread_kill", pthread_kill),
        ):  # fmt: skip
            self._saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, replacement)

    # -- the context manager ----------------------------------------------------------

    def __enter__(self) -> ExitGuard:
        self.pid = os.getpid()
        self._install()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return str(sig)


def _pid_name(pid: int, mine: int) -> str:
    return {mine: "os.getpid()", 0: "0", -1: "-1"}.get(pid, str(pid))
