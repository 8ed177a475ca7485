"""Run one command for a graded kata: its own process, a clean environment, a deadline.

Output is drained through a pipe and capped; the report, when asked for, comes back
over a second pipe the parent opened. When the run ends or its deadline passes, every
process it started is ended.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.classroom.isolation import NONE, Isolation, choose

NEW_UID = object()  # run_child / background_child allocate the run's uid themselves
ENV_KEPT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT")


@dataclass(frozen=True)
class SandboxSettings:
    """Limits of one graded run."""

    deadline: float = 120.0  # seconds for a whole kata, pytest start-up included
    test_timeout: float | None = None  # --kata-timeout for each test; None keeps the kata's own
    output_cap: int = 64 * 1024  # bytes of the run's output kept (the last ones)
    report_cap: int = 8 * 1024 * 1024
    memory_mb: int = 4096  # address-space limit of the graded process; 0 = none
    python: str = sys.executable
    sandbox: str = "auto"  # the OS protection: auto (the strongest available) or one of isolation.MODES


@dataclass
class RunOutcome:
    """What the parent saw of one child process."""

    returncode: int | None
    report: bytes = b""
    output: bytes = b""
    output_bytes: int = 0
    timed_out: bool = False
    report_too_large: bool = False
    duration: float = 0.0
    sandbox: str = NONE  # the protection the run had
    host_output: bytes = b""  # what the host process (the learner's code) printed, the last of it
    host_output_bytes: int = 0



# -- the environment ------------------------------------------------------------


def clean_env(folder: Path, settings: SandboxSettings) -> dict[str, str]:
    """Only what Python needs: no tokens, no CI variables, no PYTHON* settings of the caller."""
    env = {key: os.environ[key] for key in ENV_KEPT if key in os.environ}
    bin_dir = str(Path(settings.python).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
    env["HOME"] = str(folder / "home")
    env["TMPDIR"] = str(folder / "tmp")
    env.setdefault("LANG", "C.UTF-8")
    env["KATA_SANDBOX_MEMORY_MB"] = str(settings.memory_mb)
    env["COLUMNS"] = "120"
    return env


def pytest_command(settings: SandboxSettings, folder: Path, *args: str) -> list[str]:
    # -I: no PYTHON* variables, no user site, the working folder not on sys.path. -B: no .pyc files.
    return [
        settings.python, "-I", "-B", "-X", "utf8", "-m", "pytest",
        "-p", "no:cacheprovider", "-p", "graders.classroom.guard",
        f"--rootdir={folder}", "-c", str(folder / "pytest.ini"), f"--confcutdir={folder}",
        *args,
    ]  # fmt: skip


# -- running -------------------------------------------------------------------


def run_child(
    command: list[str], folder: Path, settings: SandboxSettings, with_report: bool, protected: Sequence[Path] = (),
    reads: Sequence[Path] = (), uid: int | None | object = NEW_UID,
) -> RunOutcome:  # fmt: skip
    """Run ``command`` in ``folder`` inside the sandbox; read its output (capped) and its report pipe.

    ``protected`` are files in ``folder`` the run may read but never change (the course's);
    ``reads`` are folders outside it the run may read (the one it shares with a host); ``uid``
    is the run's own uid when the caller allocated it (``Isolation.run_uid``).
    """
    isolation = choose(settings.sandbox, settings.python)
    with _own_uid(isolation, uid) as run_uid:
        isolation.prepare_folder(folder, run_uid, list(protected))
        wrapped = isolation.wrap(command, folder, list(protected), settings.memory_mb, reads=reads)
        outcome = _run(wrapped, folder, settings, with_report, isolation.popen_user(run_uid))
    if outcome.returncode is not None:
        outcome.returncode = isolation.exit_code(outcome.returncode)
    outcome.sandbox = isolation.name
    return outcome


@contextmanager
def _own_uid(isolation: Isolation, uid: int | None | object) -> Iterator[int | None]:
    if uid is NEW_UID:
        with isolation.run_uid() as allocated:
            yield allocated
    else:
        yield uid  # type: ignore[misc]


@contextmanager
def background_child(
    command: list[str], folder: Path, settings: SandboxSettings, protected: Sequence[Path] = (),
    writes: Sequence[Path] = (), uid: int | None | object = NEW_UID,
) -> Iterator[BackgroundRun]:  # fmt: skip
    """Start ``command`` in the sandbox for as long as the block runs (a host process); end it all after."""
    isolation = choose(settings.sandbox, settings.python)
    with _own_uid(isolation, uid) as uid:
        isolation.prepare_folder(folder, uid, list(protected))
        wrapped = isolation.wrap(command, folder, list(protected), settings.memory_mb, writes=writes)
        run = BackgroundRun(settings.output_cap)
        try:
            run.process = subprocess.Popen(
                wrapped, cwd=folder, env=clean_env(folder, settings), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                **isolation.popen_user(uid),  # type: ignore[arg-type]
            )  # fmt: skip
        except OSError as exc:
            run.tail += f"cannot start: {exc}".encode()
            yield run
            return
        reader = threading.Thread(target=run.drain, daemon=True)
        reader.start()
        try:
            yield run
        finally:
            _kill_group(run.process)
            run.process.wait()
            reader.join(timeout=2)
            _kill_strays(folder)


class BackgroundRun:
    """A process started by ``background_child``: the last ``cap`` bytes of what it printed."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.tail = bytearray()
        self.total = 0
        self.process: subprocess.Popen[bytes] | None = None

    def drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for chunk in iter(lambda: self.process.stdout.read1(65536), b""):  # type: ignore[union-attr]
            self.tail += chunk
            self.total += len(chunk)
            if len(self.tail) > self.cap:
                del self.tail[: len(self.tail) - self.cap]


def _run(
    command: list[str], folder: Path, settings: SandboxSettings, with_report: bool, user: dict[str, Any]
) -> RunOutcome:
    report_read = report_write = -1
    if with_report:
        report_read, report_write = os.pipe()
        command = [part.replace("{report_fd}", str(report_write)) for part in command]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command, cwd=folder, env=clean_env(folder, settings), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            pass_fds=(report_write,) if with_report else (), **user,
        )  # fmt: skip
    except OSError as exc:
        for fd in (report_read, report_write):
            if fd >= 0:
                os.close(fd)
        return RunOutcome(returncode=None, output=f"cannot start the grading process: {exc}".encode())
    if with_report:
        os.close(report_write)
    assert process.stdout is not None
    outcome = RunOutcome(returncode=None)
    try:
        _drain(process, process.stdout.fileno(), report_read, started + settings.deadline, settings, outcome)
    finally:
        _kill_group(process)
        process.stdout.close()
        if report_read >= 0:
            try:
                os.close(report_read)
            except OSError:
                pass
        outcome.returncode = process.wait()
        _kill_strays(folder)
        outcome.duration = time.monotonic() - started
    return outcome


def _drain(
    process: subprocess.Popen[bytes], output_fd: int, report_fd: int, deadline: float,
    settings: SandboxSettings, outcome: RunOutcome,
) -> None:  # fmt: skip
    """Read both pipes; keep the last ``output_cap`` bytes of output; stop at the deadline."""
    tail = bytearray()
    report = bytearray()
    selector = selectors.DefaultSelector()
    selector.register(output_fd, selectors.EVENT_READ)
    if report_fd >= 0:
        selector.register(report_fd, selectors.EVENT_READ)
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                outcome.timed_out = True
                return
            if exited_at is not None and now - exited_at > 1.0:
                return  # a leftover process still holds a pipe open; the run is over
            for key, _ in selector.select(timeout=min(0.25, deadline - now)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                elif key.fd == output_fd:
                    outcome.output_bytes += len(chunk)
                    tail += chunk
                    if len(tail) > settings.output_cap:
                        del tail[: len(tail) - settings.output_cap]
                elif len(report) + len(chunk) > settings.report_cap:
                    outcome.report_too_large = True
                    selector.unregister(key.fd)
                else:
                    report += chunk
            if exited_at is None and process.poll() is not None:
                exited_at = time.monotonic()
    finally:
        selector.close()
        outcome.output = bytes(tail)
        outcome.report = bytes(report)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Ask the run's first process (the confine wrapper or bwrap) to end everything, then kill its group.

    The wrapper kills every process the run started, also those that left the group;
    killing the group first would orphan them.
    """
    if process.poll() is None:
        try:
            process.terminate()
            process.wait(timeout=3)
        except (subprocess.TimeoutExpired, OSError):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _kill_strays(folder: Path) -> None:
    """End processes the run left behind in their own session (servers): any that name the folder."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = re.compile(re.escape(str(folder).encode()) + rb"(?:/|\x00|$)")
    me = os.getuid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != me:
                continue
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode()
        except OSError:
            continue
        if marker.search(cmdline) or marker.match(cwd):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass
