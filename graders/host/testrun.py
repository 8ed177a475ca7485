"""Run a learner's test module against versions of an app: the inner run of a tests kata.

This process imports pytest and FastAPI once, then forks a child per version: the child
imports the version's source as module NAME (the name the learner's tests import), runs
pytest on the learner's file with no plugin but a recorder, stops at the first failure, and
reports what happened to each test. Each version gets a fresh folder as its working folder,
``$TMPDIR`` and ``$HOME``. Two ways to hand it the versions:

- ``--tests FILE --module NAME`` with every version in ``$KATA_APP_VERSIONS`` (base64 of
  zlib-compressed JSON, ``{key: source}``): one line per version on stdout,
  ``KATA-TESTRUN {"version": key, "tests": [...], "error": "..."}``. Learner mode.
- ``--serve PORT`` as well: an HTTP server on 127.0.0.1. Each connection is handed, unread,
  to a new child, which reads the one version in the request (``POST /`` with
  ``{"source": ...}``) and answers its result. This process never reads a version, so no
  child holds any version but its own. Classroom mode, inside the host's sandbox.

Like the host, this runs where the learner's code runs and decides nothing: the judge
reads the results as data and gives the verdicts (``graders.judge.testkata``).
"""

from __future__ import annotations

import argparse
import base64
import gc
import importlib.abc
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import types
import zlib
from pathlib import Path
from typing import Any

ENV_VERSIONS = "KATA_APP_VERSIONS"
MARKER = "KATA-TESTRUN "
TEST_TIMEOUT = 10.0  # seconds one phase of one learner test may take
VERSION_TIMEOUT = 60.0  # seconds one version's whole run may take
MAX_RESULT = 1024 * 1024
MESSAGE = 300  # characters kept of a failure's first line


def encode_versions(versions: dict[str, str]) -> str:
    """``{key: source}`` as the value of ``$KATA_APP_VERSIONS``."""
    return base64.b64encode(zlib.compress(json.dumps(versions).encode("utf-8"), 9)).decode("ascii")


def decode_versions(text: str) -> dict[str, str]:
    data = json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))
    return {str(key): str(value) for key, value in data.items()}


# -- inside a child: one version ------------------------------------------------------


class Recorder:
    """A pytest plugin that notes each test's outcome, the way the judge reads it."""

    def __init__(self) -> None:
        self.tests: list[dict[str, Any]] = []
        self.error = ""

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed and not self.error:
            self.error = f"your test module does not load: {_first_line(str(report.longrepr))}"

    def pytest_runtest_protocol(self, item: Any) -> None:
        self.tests.append({"nodeid": item.nodeid, "outcome": "passed", "message": ""})

    def pytest_runtest_makereport(self, item: Any, call: Any) -> None:
        if call.excinfo is None or not self.tests or self.tests[-1]["outcome"] != "passed":
            return
        import pytest

        entry, error = self.tests[-1], call.excinfo.value
        if isinstance(error, pytest.skip.Exception):
            entry["outcome"] = "skipped"
            return
        # A test marked xfail that fails is a failing test here: xfail cannot turn a check upside down.
        entry["outcome"] = "failed" if call.when == "call" else "error"
        kind = "" if isinstance(error, AssertionError | pytest.fail.Exception) else f"{type(error).__name__}: "
        where = "" if call.when == "call" else f"in {call.when}: "
        entry["message"] = (where + kind + _first_line(str(error)))[:MESSAGE]


def _timed() -> Any:
    """A plugin that stops a learner test after ``TEST_TIMEOUT`` seconds in any phase."""
    import pytest

    from graders.judge.timelimit import time_limit

    class Timed:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_setup(self, item: Any) -> Any:
            with time_limit(TEST_TIMEOUT, "setting up the test"):
                return (yield)

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_call(self, item: Any) -> Any:
            with time_limit(TEST_TIMEOUT, "the test"):
                return (yield)

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_teardown(self, item: Any) -> Any:
            with time_limit(TEST_TIMEOUT, "cleaning up after the test"):
                return (yield)

    return Timed()


class SourceInMemory(importlib.abc.Loader):
    """Loads the app from its source text: no file to read, and ``importlib.reload`` still works."""

    def __init__(self, source: str) -> None:
        self.source = source

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(compile(self.source, "<the app under test>", "exec"), module.__dict__)  # noqa: S102 - the course's source


def run_version(key: str, source: str, tests: Path, module_name: str, folder: Path) -> dict[str, Any]:
    """Import ``source`` as ``module_name`` and run the learner's tests against it (in a child)."""
    import pytest

    for name in ("tmp", "home"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    os.environ.update(TMPDIR=str(folder / "tmp"), HOME=str(folder / "home"))
    tempfile.tempdir = None
    spec = importlib.util.spec_from_loader(module_name, SourceInMemory(source))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # Pydantic resolves annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - a course bug, reported as one line
        return {"version": key, "tests": [], "error": f"the app itself does not import: {type(exc).__name__}: {exc}"}
    ini = folder / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    recorder = Recorder()
    arguments = [
        str(tests), "-q", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "--noconftest",
        "--import-mode=importlib", "--maxfail=1",
        f"--rootdir={tests.parent}", "-c", str(ini), "-o", "xfail_strict=false", "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    if importlib.util.find_spec("anyio") is not None:
        arguments += ["-p", "anyio.pytest_plugin"]  # async tests (@pytest.mark.anyio), as in the learner's own runs
    pytest.main(arguments, plugins=[recorder, _timed()])
    return {"version": key, "tests": recorder.tests, "error": recorder.error}


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


# -- the parent: a child per version --------------------------------------------------


def _child(key: str, source: str, tests: Path, module_name: str, folder: Path, write_end: int) -> None:
    """The forked child's whole life: its output to a log, its result to the pipe, then exit."""
    try:
        _on_its_own()
        _log_to(folder)
        result = run_version(key, source, tests, module_name, folder)
        os.write(write_end, json.dumps(result).encode("utf-8")[:MAX_RESULT])
    except BaseException:  # noqa: BLE001 - the parent reports a child without a result
        pass
    finally:
        os._exit(0)


def _on_its_own() -> None:
    """A child's first step: a process group of its own, and memory no other process of its uid can read.

    The group lets the parent end whatever the learner's tests started. Not dumpable
    (``PR_SET_DUMPABLE`` 0), its memory, which holds its version, cannot be read through
    ``/proc/<pid>/mem`` or ptrace by another child running another version at the same time.
    """
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
        except (OSError, AttributeError):
            pass


def _log_to(folder: Path) -> None:
    """This process's stdout and stderr (pytest's, the learner's prints) go to ``<folder>.log``."""
    log = os.open(folder.parent / f"{folder.name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


class Running:
    """One child: its pid, the pipe it answers through, what it sent so far, its deadline."""

    def __init__(self, key: str, pid: int, read_end: int, folder: Path, timeout: float) -> None:
        self.key = key
        self.pid = pid
        self.read_end = read_end
        self.folder = folder
        self.data = b""
        self.deadline = time.monotonic() + timeout

    def result(self, timed_out: bool) -> dict[str, Any]:
        if timed_out:
            return {"version": self.key, "tests": [], "error": f"your tests did not finish within {VERSION_TIMEOUT:g} s"}
        try:
            found = json.loads(self.data)
            if isinstance(found, dict):
                return found
        except ValueError:
            pass
        log = self.folder.parent / f"{self.folder.name}.log"
        tail = _last_line(log)
        return {"version": self.key, "tests": [], "error": f"the test run ended without a result{': ' + tail if tail else ''}"}


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:MESSAGE] if lines else ""


def run_all(versions: dict[str, str], tests: Path, module_name: str, jobs: int, scratch: Path) -> list[dict[str, Any]]:
    """Every version in a forked child, ``jobs`` at a time; results in the order given."""
    waiting = list(versions.items())
    running: list[Running] = []
    results: dict[str, dict[str, Any]] = {}
    while waiting or running:
        while waiting and len(running) < max(1, jobs):
            index = len(versions) - len(waiting)
            key, source = waiting.pop(0)
            folder = scratch / f"v{index}"
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                _child(key, source, tests, module_name, folder, write_end)
            os.close(write_end)
            running.append(Running(key, pid, read_end, folder, VERSION_TIMEOUT))
        ready, _, _ = select.select([r.read_end for r in running], [], [], 0.2)
        now = time.monotonic()
        for child in list(running):
            finished = timed_out = False
            if child.read_end in ready:
                chunk = os.read(child.read_end, 65536)
                child.data += chunk
                finished = not chunk or len(child.data) > MAX_RESULT
            if not finished and now > child.deadline:
                finished = timed_out = True
            if finished:
                _end(child.pid)
                os.close(child.read_end)
                running.remove(child)
                results[child.key] = child.result(timed_out)
    return [results[key] for key in versions]


def _end(pid: int) -> None:
    """Kill the child with its process group (whatever its tests started) and reap it."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- serving: one version per connection ------------------------------------------------

MAX_REQUEST = 4 * 1024 * 1024


def serve(port: int, tests: Path, module_name: str, scratch: Path) -> None:
    """Answer each connection in a new child, forked before a byte of it is read; never return."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    children: dict[int, float] = {}

    def stop(signum: int, frame: Any) -> None:
        for pid in children:
            _end(pid)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    count = 0
    while True:
        ready, _, _ = select.select([listener], [], [], 0.5)
        for pid, started in list(children.items()):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done or time.monotonic() - started > VERSION_TIMEOUT:
                _end(pid)  # what its tests left running goes with it
                del children[pid]
        if not ready:
            continue
        connection, _ = listener.accept()
        count += 1
        pid = os.fork()
        if pid == 0:
            listener.close()  # a child must never accept the connection that carries another version
            try:
                _on_its_own()
                _answer(connection, tests, module_name, scratch / f"c{count}")
            finally:
                os._exit(0)
        connection.close()
        children[pid] = time.monotonic()


def _answer(connection: socket.socket, tests: Path, module_name: str, folder: Path) -> None:
    """In a child: read one request; ``GET`` says it is ready, ``POST {"source": ...}`` runs that version."""
    reader = connection.makefile("rb")
    request_line = reader.readline(8192).split()
    headers: dict[str, str] = {}
    while (line := reader.readline(8192)) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if request_line[:1] != [b"POST"]:
        _respond(connection, {"ready": True})
        return
    length = int(headers.get("content-length", "0") or 0)
    try:
        source = str(json.loads(reader.read(min(length, MAX_REQUEST)))["source"])
    except (ValueError, KeyError, TypeError):
        _respond(connection, {"error": "the request carried no version"}, status="400 Bad Request")
        return
    _log_to(folder)
    _respond(connection, run_version("app", source, tests, module_name, folder))


def _respond(connection: socket.socket, document: dict[str, Any], status: str = "200 OK") -> None:
    body = json.dumps(document).encode("utf-8")[:MAX_RESULT]
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    connection.sendall(head.encode("ascii") + body)
    connection.close()


WARM_TESTS = """
from fastapi.testclient import TestClient

def test_warm():
    import {module} as app_module

    with TestClient(app_module.app) as client:
        assert client.get("/openapi.json").status_code < 600
"""


def _warm_up(source: str, module_name: str, scratch: Path) -> None:
    """Do once what every child would do, so the children fork with it done.

    ``source`` (an app the learner may see: one of the versions in learner mode, the given app
    when serving) goes through a whole run of a small test here: every lazy import of FastAPI,
    Pydantic, pytest and the TestClient then happens once.
    """
    import fastapi.testclient  # noqa: F401
    import pytest  # noqa: F401

    import graders.judge.timelimit  # noqa: F401

    if not source:
        return
    folder = scratch / "warm"
    folder.mkdir()
    tests = folder / "test_warm.py"
    tests.write_text(WARM_TESTS.format(module=module_name), encoding="utf-8")
    saved = os.getcwd(), dict(os.environ), set(sys.modules)
    descriptors = os.dup(1), os.dup(2)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
        run_version("warm", source, tests, module_name, folder)
    except BaseException:  # noqa: BLE001 - warming only saves time; the children run regardless
        pass
    finally:
        os.dup2(descriptors[0], 1)
        os.dup2(descriptors[1], 2)
        os.chdir(saved[0])
        os.environ.clear()
        os.environ.update(saved[1])
        tempfile.tempdir = None
        for name in set(sys.modules) - saved[2]:
            if name == module_name or name.startswith("test_warm"):
                del sys.modules[name]
        sys.modules.pop(module_name, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graders.host.testrun")
    parser.add_argument("--tests", required=True, type=Path, help="The learner's test module.")
    parser.add_argument("--module", required=True, help="The name the learner's tests import the app by.")
    parser.add_argument("--jobs", type=int, default=1, help="Versions run at a time ($KATA_APP_VERSIONS).")
    parser.add_argument("--serve", type=int, default=None, metavar="PORT", help="Serve versions one per connection.")
    parser.add_argument("--warm-app", type=Path, default=None, help="With --serve: an app file to warm up with.")
    args = parser.parse_args(argv)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no plugin of the environment, the grader's included
    scratch = Path(tempfile.mkdtemp(prefix="kata-testrun-"))
    # Bytecode only in this run's folder: the learner's module is rewritten for pytest once, not per version.
    sys.pycache_prefix = str(scratch / "pycache")
    sys.dont_write_bytecode = False
    try:
        if args.serve is not None:
            warm = args.warm_app.read_text(encoding="utf-8") if args.warm_app else ""
            _warm_up(warm, args.module, scratch)
            gc.freeze()  # what the children share stays shared, and their collections skip it
            serve(args.serve, args.tests.resolve(), args.module, scratch)
        versions = decode_versions(os.environ.pop(ENV_VERSIONS, "") or encode_versions({}))
        if len(versions) > 1:
            _warm_up(next(iter(versions.values())), args.module, scratch)
        gc.freeze()
        results = run_all(versions, args.tests.resolve(), args.module, args.jobs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = sys.stdout
    for result in results:
        out.write(MARKER + json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
