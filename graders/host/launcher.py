"""Start server processes from a warm interpreter: a fork, not a fresh ``python``.

A kata's server start used to cost 0.5-0.8 s, most of it importing FastAPI, Pydantic and
Uvicorn again in a new interpreter (0.4 s on a 2-core machine). The launcher is one small
process per run that imports them once, never runs learner code itself, and forks a
child per server: the child becomes ``python -m uvicorn …`` (or ``gunicorn``) in its own
session, with its own folder, environment, output file and arguments, and runs the module
as ``python -m`` would. It is still a real Uvicorn or Gunicorn process on 127.0.0.1; only
the interpreter's start-up is shared.

Only commands whose result a fork cannot tell apart are launched this way: this very
interpreter with ``-m`` or ``-c`` (or its ``uvicorn``/``gunicorn`` scripts), and no ``PYTHON*``
variable that changes how an interpreter starts. Anything else, or ``KATA_FRESH_SERVERS=1``,
gets a fresh process (``start_server`` falls back to ``subprocess.Popen``).

The protocol is one JSON line each way over the launcher's stdin and stdout.
"""

from __future__ import annotations

import atexit
import gc
import io
import itertools
import json
import os
import runpy
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

# Imported once in the launcher, so no server pays for them again.
WARM_MODULES = (
    "fastapi", "fastapi.routing", "fastapi.security", "pydantic", "starlette.applications",
    "uvicorn", "uvicorn.main", "uvicorn.config", "uvicorn.server", "uvicorn.lifespan.on",
    "uvicorn.protocols.http.auto", "uvicorn.protocols.websockets.auto", "uvicorn.loops.auto",
    "uvicorn.loops.asyncio", "anyio._backends._asyncio", "python_multipart", "jose", "sqlalchemy",
)  # fmt: skip
# Only what a server started fresh imports too (none of them warns on import). Not Gunicorn: its
# settings take their defaults from PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS at import, which the
# tests set per server, and it imports in 0.02 s. What a warm module reads at import is noted anyway
# (warm_up), and a command whose environment differs there starts fresh.
SCRIPTS = {"uvicorn": "uvicorn", "gunicorn": "gunicorn"}  # console script → the module ``-m`` runs
EMULATED = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}  # PYTHON* variables a fork can honour
DISABLE = "KATA_FRESH_SERVERS"


# -- which commands a fork can run ------------------------------------------------------


def plan_for(argv: list[str], env: dict[str, str], launcher_env: dict[str, str]) -> tuple[str, str, list[str]] | None:
    """How a fork of a launcher started with ``launcher_env`` runs ``argv`` as a fresh interpreter
    given ``env`` would: ("module", name, args) for ``-m``, ("code", source, args) for ``-c``; or None."""
    if env.get(DISABLE) or os.environ.get(DISABLE) or not hasattr(os, "fork") or not argv:
        return None
    keys = {key for key in {*env, *launcher_env} if key.startswith("PYTHON") and key not in EMULATED}
    if any(env.get(key) != launcher_env.get(key) for key in keys):
        return None
    program = _resolve(argv[0], env)
    if program is None:
        return None
    # This interpreter by its own path: a venv's python links to the base one, which has no venv.
    same_folder = os.path.dirname(os.path.abspath(program)) == os.path.dirname(os.path.abspath(sys.executable))
    if same_folder and _real(program) == _real(sys.executable):
        if len(argv) >= 3 and argv[1] == "-m" and all(part.isidentifier() for part in argv[2].split(".")):
            return "module", argv[2], argv[3:]
        if len(argv) >= 3 and argv[1] == "-c":
            return "code", argv[2], argv[3:]
        return None
    name = Path(argv[0]).name
    script = Path(sys.executable).parent / name
    if name in SCRIPTS and script.is_file() and _real(program) == _real(str(script)):
        return "module", SCRIPTS[name], argv[1:]
    return None


def _real(path: str) -> str:
    return os.path.realpath(path)


def _resolve(program: str, env: dict[str, str]) -> str | None:
    """Where ``program`` is, as the command would find it (not following links)."""
    found = program if os.sep in program else shutil.which(program, path=env.get("PATH", os.environ.get("PATH")))
    return os.path.abspath(found) if found else None


# -- the launcher process ----------------------------------------------------------------


class _ReadsRecorded(os._Environ):  # type: ignore[name-defined,misc]
    """``os.environ`` while the launcher warms up: it notes every variable a module reads at import."""

    def __init__(self, real: Any, seen: set[str]) -> None:
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue, real.decodevalue)
        self.seen = seen

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Any:
        self.seen.add(EVERY_VARIABLE)  # a copy of the whole environment: every variable counts
        return super().__iter__()


EVERY_VARIABLE = "*"


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> set[str]:
    """Import ``modules``; the environment variables they read while importing (gunicorn's settings take
    their defaults from PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS then, for one)."""
    import importlib

    real, seen = os.environ, set[str]()
    os.environ = _ReadsRecorded(real, seen)
    try:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - an optional server part that is not installed
                pass
    finally:
        os.environ = real  # a module that kept the recorder keeps a working environment: they share one
    return seen


def differs_where_read(read: set[str], warm_env: dict[str, str], env: dict[str, str]) -> bool:
    """Would a fresh interpreter given ``env`` have imported the warm modules differently?"""
    if EVERY_VARIABLE in read:
        return comparable_env(warm_env) != comparable_env(env)
    return any(warm_env.get(name) != env.get(name) for name in read)


def comparable_env(env: Any) -> dict[str, str]:
    """``env`` without what pytest sets per test phase (``PYTEST_CURRENT_TEST``): what an import could see."""
    return {key: value for key, value in env.items() if key != "PYTEST_CURRENT_TEST"}


def main() -> None:
    """Warm up, then fork one child per request until stdin closes."""
    read = warm_up()
    gc.freeze()  # what is warm now is never collected: a child's collections, and its copies of pages, stay small
    warm_env = dict(os.environ)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    exits: dict[int, int] = {}
    for line in requests:  # what came while it warmed up waits in the pipe
        _reap(exits)
        request = json.loads(line)
        if request["op"] == "spawn" and differs_where_read(read, warm_env, request["env"]):
            answer: dict[str, Any] = {"pid": None}  # the asker starts a fresh interpreter instead
        elif request["op"] == "spawn":
            answer = {"pid": _spawn(request)}
        else:  # "poll"
            pid = int(request["pid"])
            answer = {"returncode": exits.get(pid)}
        replies.write(json.dumps({**answer, "number": request.get("number")}).encode() + b"\n")
        replies.flush()


def _reap(exits: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exits[pid] = os.waitstatus_to_exitcode(status)


def _spawn(request: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The child: from here it is the interpreter the command asked for.
    warm = set(sys.modules)
    code, interrupted = 0, False
    try:
        _become(request)  # the launcher's pipes are fds 0 and 1: it puts the command's own in their place
        _run(request["kind"], request["what"], request["args"])
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException as exc:  # noqa: BLE001 - told as the interpreter tells an uncaught exception
        interrupted = isinstance(exc, KeyboardInterrupt)
        code = 1
        try:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        except BaseException:  # noqa: BLE001
            pass
    _end(code, interrupted, warm)


def _end(code: int, interrupted: bool, warm: set[str]) -> None:
    """End as an interpreter ends: wait for threads, atexit, finalize what the command imported (an
    unclosed file is flushed), and die of SIGINT after a KeyboardInterrupt. The warm modules are left
    alone: finalizing them all cost 0.2 s per command, and a fresh interpreter has nothing of them
    that the command made."""
    for step in (threading._shutdown, atexit._run_exitfuncs):  # type: ignore[attr-defined]
        try:
            step()
        except BaseException:  # noqa: BLE001 - nothing left to report it to
            pass
    made = [name for name in list(sys.modules) if name not in warm and _own_code(sys.modules.get(name))]
    for name in ["__main__", *reversed(made)]:
        module = sys.modules.get(name)
        if module is not None:
            try:
                module.__dict__.clear()
            except Exception:  # noqa: BLE001
                pass
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def _own_code(module: Any) -> bool:
    """A module of the command's own (the learner's app, a companion), not of Python or a package."""
    where = getattr(module, "__file__", None)
    return bool(where) and not in_libraries(str(where))


def in_libraries(path: str) -> bool:
    """Is ``path`` inside this Python's standard library or its installed packages?"""
    return any(path.startswith(folder) for folder in LIBRARY_FOLDERS)


LIBRARY_FOLDERS = tuple(
    {folder + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) for folder in (p, os.path.realpath(p))}
)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    try:
        print(value, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


def _become(request: dict[str, Any]) -> None:
    """Turn this fresh fork into the process ``python -m`` would have started."""
    import tempfile

    os.setsid()
    silence = os.open(os.devnull, os.O_RDONLY)
    out = os.open(request["stdout"], os.O_WRONLY | os.O_APPEND)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_APPEND)
    os.dup2(silence, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    for fd in (silence, out, err):
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - they live as long as the process
    sys.stdout = _text_stream(1, unbuffered, "strict")
    sys.stderr = _text_stream(2, True, "backslashreplace")
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    sys.path[0] = os.getcwd() if request["kind"] == "module" else ""  # what ``-m`` and ``-c`` put first
    tempfile.tempdir = None  # read TMPDIR again
    if hasattr(time, "tzset"):
        time.tzset()  # read TZ again
    ignored = set(request.get("ignored", []))  # what the asker ignores, a fresh process inherits ignored
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
        signal.signal(number, signal.SIG_IGN if int(number) in ignored else default)


def _text_stream(fd: int, unbuffered: bool, errors: str) -> io.TextIOWrapper:
    """A standard stream on ``fd`` as the interpreter makes one when it goes to a file."""
    raw = io.FileIO(fd, "w", closefd=False)
    binary: Any = raw if unbuffered else io.BufferedWriter(raw)
    return io.TextIOWrapper(binary, encoding="utf-8", errors=errors, write_through=unbuffered)


def _run(kind: str, what: str, args: list[str]) -> None:
    """Run module or source ``what`` as ``__main__`` with ``args``, as ``python -m`` or ``python -c`` would."""
    main = types.ModuleType("__main__")  # a namespace of its own, not the launcher's
    sys.modules["__main__"] = main
    if kind == "module":
        sys.argv = ["-m", *args]
        runpy._run_module_as_main(what)  # type: ignore[attr-defined]  # what ``python -m`` calls
    else:
        sys.argv = ["-c", *args]
        exec(compile(what, "<string>", "exec"), main.__dict__)  # noqa: S102 - what ``python -c`` does


# -- the side that asks ------------------------------------------------------------------


class LaunchedProcess:
    """A server the launcher forked: what ``subprocess.Popen`` offers the server code (pid, poll, wait)."""

    def __init__(self, launcher: Launcher, pid: int) -> None:
        self.launcher = launcher
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.launcher.returncode(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["launched", str(self.pid)], timeout or 0.0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode


class Launcher:
    """The launcher process of this run, started at its first use; ``None`` answers mean: start it fresh."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.env = dict(os.environ)  # what the launcher starts with (set again when it does)
        self.broken = False
        self.lock = threading.Lock()
        self.numbers = itertools.count(1)

    def spawn(
        self, argv: list[str], env: dict[str, str], cwd: str, stdout: str, stderr: str | None = None
    ) -> LaunchedProcess | None:
        """Fork ``argv`` with its output appended to the files ``stdout`` and ``stderr`` (the same one if not given)."""
        plan = plan_for(argv, env, self.env if self.process is not None else dict(os.environ))
        if plan is None:
            return None
        kind, what, args = plan
        ignorable = (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)
        ignored = [int(n) for n in ignorable if signal.getsignal(n) == signal.SIG_IGN]
        request = {"op": "spawn", "kind": kind, "what": what, "args": args, "env": env, "cwd": cwd, "ignored": ignored}
        with self.lock:
            answer = self._ask({**request, "stdout": stdout, "stderr": stderr or stdout})
        if answer is None or answer.get("pid") is None:
            return None
        return LaunchedProcess(self, int(answer["pid"]))

    def returncode(self, pid: int) -> int | None:
        with self.lock:
            answer = self._ask({"op": "poll", "pid": pid})
        if answer is None:
            return -signal.SIGKILL  # the launcher is gone, and its children's fate with it
        value = answer.get("returncode")
        return int(value) if value is not None else None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """Send ``request``, read its answer. Each carries a number: a time limit or a Ctrl-C may have cut an
        earlier ask between its request and its answer (here, or in a test's fork sharing these pipes), and
        that answer, read now, is dropped, the server it names killed, as nobody holds it."""
        if self.broken:
            return None
        number = f"{os.getpid()}-{next(self.numbers)}"
        try:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps({**request, "number": number}).encode() + b"\n")
            process.stdin.flush()
            while True:
                line = process.stdout.readline()
                if not line:
                    return self._broke()
                answer = dict(json.loads(line))
                if answer.get("number") == number:
                    return answer
                if isinstance(answer.get("pid"), int):
                    _kill_group(answer["pid"])
        except (OSError, ValueError):
            return self._broke()

    def prepare(self) -> None:
        """Start the launcher now, so its warm-up runs while the first tests do (servers are coming)."""
        if self.process is None and not self.broken and hasattr(os, "fork") and not os.environ.get(DISABLE):
            with self.lock:
                try:
                    self._start()
                except OSError:
                    self._broke()

    def _started(self) -> subprocess.Popen[bytes]:
        """The launcher, started if need be. There is no greeting to wait for: a test's fork may share
        the pipes (graders.judge.forked), and a request simply waits in the pipe while it warms up."""
        if self.process is None:
            self._start()
        assert self.process is not None
        return self.process

    def _start(self) -> None:
        if self.process is None:
            self.env = dict(os.environ)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "graders.host.launcher"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C for pytest is not for it
                cwd=Path(__file__).resolve().parents[2],
            )

    def _broke(self) -> None:
        self.broken = True
        self.close()
        return None

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


LAUNCHER = Launcher()  # this process's own, shared by its servers and commands


if __name__ == "__main__":
    main()
