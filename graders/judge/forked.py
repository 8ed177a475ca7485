"""One test in a fork of the test process, which imported the learner's file once for all its tests.

Every test must see the learner's module as it is right after import: a test that fills
``fake_users_db`` or overrides a dependency must not change the next one. Importing the
file again for each test gave that, but a slow import was paid once per test (07's scrypt
hashes at import: about 0.15-0.3 s, 22 times). Here the test process imports it once and
forks a child per test; the child runs the test's setup, call and teardown with the module
as it was after import (the fork's copy), sends its reports back, and ends. The parent logs
them as if the test had run in it, so the card, ``-x``, ``--lf`` and JUnit see no difference.

Only where a fork is safe and changes nothing a learner sees: a POSIX system, a test process
with no other thread, no debugger asked for (``--pdb``, ``--trace``), and
``KATA_NO_FORK`` unset. Anywhere else every test imports the file itself, as before.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import select
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol
from _pytest.warnings import catch_warnings_for_item

from graders.host.launcher import comparable_env, in_libraries
from graders.host.servers import kill_servers

DISABLE = "KATA_NO_FORK"
_EXIT = os._exit  # taken now: while a test runs, ExitGuard replaces os._exit with one that raises
FORK_WORTH = 0.03  # seconds: a fresh import slower than this is worth a fork per test (about 0.01 s each)
GRADER_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@dataclass
class WarmImport:
    """The learner's module imported once, and what it was imported under (a test that differs imports again)."""

    module: ModuleType
    env: dict[str, str]
    cwd: str
    warnings: list[dict[str, Any]] = field(default_factory=list)  # what importing it warned, told per test

    def fits(self) -> bool:
        """Would a fresh import now see what this one saw (the same environment and folder)?"""
        return comparable_env(self.env) == comparable_env(os.environ) and self.cwd == os.getcwd()


@dataclass
class ForkOutcome:
    """What came back from a test's fork: its reports, and what the plugin learned while it ran."""

    reports: list[TestReport]
    extras: dict[str, Any] = field(default_factory=dict)


def fork_allowed(config: pytest.Config) -> bool:
    """Can tests fork here at all (checked once a run); threads are checked before each fork."""
    if not hasattr(os, "fork") or sys.platform == "win32" or os.environ.get(DISABLE):
        return False
    return not (config.getoption("usepdb", False) or config.getoption("trace", False))


def no_other_threads() -> bool:
    return threading.active_count() == 1


def run_in_fork(
    item: pytest.Item, limit: float, in_child: Callable[[], None], extras: Callable[[], dict[str, Any]]
) -> ForkOutcome:
    """Run ``item``'s protocol in a fork: ``in_child`` first thing there, ``extras`` sent back with the reports.

    A child that dies without answering, or outlives ``limit`` seconds, gives one failed report.
    """
    config = item.config
    read_end, write_end = os.pipe()
    gc.freeze()  # the child's collections then leave the parent's objects (and their pages) alone
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        raise
    if pid != 0:
        gc.unfreeze()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(item, write_end, in_child, extras)
    os.close(write_end)
    try:
        data, timed_out = _read_all(read_end, limit)
    except BaseException:  # a Ctrl-C reached this process too
        _stop(pid)
        raise
    finally:
        os.close(read_end)
    if timed_out:
        _stop(pid)
        return ForkOutcome([_failed(item, f"the test did not end within {limit:g} s; its process was stopped")])
    _, status = os.waitpid(pid, 0)
    try:
        payload = pickle.loads(data) if data else None
    except Exception:  # noqa: BLE001 - a half-written answer is a crash like any other
        payload = None
    if not isinstance(payload, dict) or "reports" not in payload:
        why = payload.get("error") if isinstance(payload, dict) else None
        return ForkOutcome([_failed(item, why or _ended(status))])
    reports = [config.hook.pytest_report_from_serializable(config=config, data=entry) for entry in payload["reports"]]
    _import_here(payload.get("imported", []))
    return ForkOutcome(reports, dict(payload.get("extras", {})))


def _child(
    item: pytest.Item, write_end: int, in_child: Callable[[], None], extras: Callable[[], dict[str, Any]]
) -> None:
    config = item.config
    # Stopped by the parent (its time limit, a Ctrl-C): leave through the finally below, servers killed.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        in_child()
        before = set(sys.modules)
        with catch_warnings_for_item(config, ihook=item.ihook, when="runtest", item=item):
            reports = runtestprotocol(item, log=False, nextitem=None)
        serial = [config.hook.pytest_report_to_serializable(config=config, report=report) for report in reports]
        imported = [name for name in sorted(set(sys.modules) - before) if _installed(sys.modules.get(name))]
        data = pickle.dumps({"reports": serial, "extras": extras(), "imported": imported})
    except BaseException:  # noqa: BLE001 - whatever happened, the parent gets one line
        last = traceback.format_exc().strip().splitlines()[-1]
        data = pickle.dumps({"error": f"the test's process failed: {last}"})
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
    finally:
        kill_servers()  # a test cut short (Ctrl-C skips teardown) leaves none running
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()  # what a test printed with -s
            except Exception:  # noqa: BLE001
                pass
        _EXIT(0)


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _installed(module: ModuleType | None) -> bool:
    """A module of the standard library or an installed package (never the learner's, the course's or a test's)."""
    where = getattr(module, "__file__", None)
    if module is None or not where:
        spec = getattr(module, "__spec__", None)
        return spec is not None and spec.origin == "built-in"
    return in_libraries(where) and not where.startswith(GRADER_FOLDER)


def _import_here(names: list[str]) -> None:
    """What a test's fork had to import, imported in the parent, so the next fork has it already (a fork
    cannot hand its imports back: without this each test paid for Starlette's TestClient and httpx again)."""
    for name in names:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - left for the forks to import, as before
                pass


def _read_all(fd: int, limit: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), True
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)


def _stop(pid: int) -> None:
    """Ask the fork to stop (it kills its servers on the way), kill it if it has not within 2 s; reap it."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _ended(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the test's process was ended by {name} while the test ran (a crash in native code, or a kill)"
    return f"the test's process ended with exit code {code} before the test finished"


def _failed(item: pytest.Item, line: str) -> TestReport:
    return TestReport(
        item.nodeid, item.location, {name: 1 for name in item.keywords}, "failed", line, "call",
        user_properties=list(item.user_properties),
    )  # fmt: skip


# -- warnings: recorded in the child, told again in the parent ------------------------------


class WarningsKept:
    """Stands in for pytest's hook caller in ``catch_warnings_for_item``: keeps each warning as a record."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.pytest_warning_recorded = self

    def call_historic(self, kwargs: dict[str, Any]) -> None:
        self.records.append(warning_record(kwargs["warning_message"]))


def import_keeping_warnings(
    item: pytest.Item, load: Callable[[], ModuleType]
) -> tuple[ModuleType, list[dict[str, Any]]]:
    """``load()`` under the run's warning filters; the module and what it warned (a fresh import warns again)."""
    kept = WarningsKept()
    with catch_warnings_for_item(item.config, ihook=kept, when="runtest", item=item):
        module = load()
    return module, kept.records


def warning_record(message: warnings.WarningMessage) -> dict[str, Any]:
    category = message.category
    return {
        "category": f"{category.__module__}:{category.__qualname__}",
        "message": str(message.message),
        "filename": message.filename,
        "lineno": message.lineno,
    }


def warning_from(record: dict[str, Any]) -> warnings.WarningMessage:
    module, _, name = str(record["category"]).partition(":")
    category: Any = UserWarning
    try:
        found = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
        if isinstance(found, type) and issubclass(found, Warning):
            category = found
    except Exception:  # noqa: BLE001 - a category that cannot be found is told as a UserWarning
        pass
    text = str(record["message"])
    try:
        instance = category(text)
    except Exception:  # noqa: BLE001
        instance = UserWarning(text)
    return warnings.WarningMessage(instance, category, str(record["filename"]), int(record["lineno"]))
