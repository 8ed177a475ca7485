"""Fixtures a kata's tests receive instead of importing the stub by name.

``--kata-target`` decides which file these load, so the same tests grade the learner's
stub, the reference solution or any other file. Tests reach the learner's code only
through ``learner``, ``client``, ``clock``, ``serve``, ``run_command`` and
``shared_tmp_path``: in a learner's run they act in this process; when ``kata grade``
passes ``--kata-host``, they act through the host process in the sandbox, and this
process never imports the learner's file.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from graders.host.commands import run_to_end
from graders.host.loader import KataImportError, display_path
from graders.host.servers import free_port, start_server, uvicorn_command
from graders.host.session import PROBES_FILE, LearnerError, LearnerSession, ProbeError
from graders.judge.access import (
    Clock,
    Learner,
    LocalLearner,
    RemoteClock,
    RemoteLearner,
    app_client,
    environment_changes,
    start_remote_server,
)
from graders.judge.channel import HostGone
from graders.judge.exits import ExitGuard, ProcessExit
from graders.judge.testkata import AppVersions, LearnerTests, VersionRun, VersionsError, runner_for
from graders.judge.timelimit import KataTimeout
from graders.manifest import TESTS_KIND, Kata

if TYPE_CHECKING:
    from graders.judge.plugin import KataGrader

REMOTE_ONLY = "{name} is not available when the app runs in its own process (kata grade): use the `learner` fixture"


@dataclass(frozen=True)
class CommandResult:
    """What ``run_command`` gives back: the exit code (None when it ran out of time) and the output."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


class KataFixtures:
    """Registered as a plugin only when a run collects a kata, so other projects never see these names."""

    def __init__(self, grader: KataGrader) -> None:
        self.grader = grader
        self.test_runs: dict[tuple[str, str], VersionRun] = {}  # a tests kata's runs, shared by its tests

    @pytest.fixture
    def kata(self, request: pytest.FixtureRequest) -> Kata:
        """The manifest entry of the kata this test belongs to."""
        kata = self.grader.kata_of(request.node)
        if kata is None:
            pytest.fail(f"{request.node.nodeid} is not inside a kata listed in katas.toml", pytrace=False)
        return kata

    @pytest.fixture
    def kata_file(self, kata: Kata) -> Path:
        """The file being graded: the stub, the solution or the ``--kata-target`` path (data only in classroom mode)."""
        return self.grader.target.file_for(kata)

    # -- the learner's code ----------------------------------------------------------

    @pytest.fixture
    def learner(self, request: pytest.FixtureRequest, kata: Kata, kata_file: Path) -> Iterator[Learner]:
        """The learner's file, freshly imported for this test; tests ask it things through this object."""
        known, kind = self.grader.known_crash(kata_file)
        if known:
            self._fail_import(request, known, kind)
        host = self.grader.host
        if host is not None:
            changed, unset = environment_changes(self.grader.start_env)
            try:
                host.channel.call("begin", env={k: host.translate(v) for k, v in changed.items()}, unset=unset)
            except KataImportError as exc:
                self._remember_and_fail(request, kata_file, str(exc))
            except HostGone as exc:
                self._remember_and_fail(request, kata_file, str(exc), "crashed")
            except KataTimeout as exc:
                line = f"{display_path(kata_file)}: importing it took longer than {exc.seconds:g} s (an endless loop at import?)"
                self._remember_and_fail(request, kata_file, line)
            yield RemoteLearner(host.channel)
            if kata.dir not in self.grader.hung:
                try:
                    host.channel.call("end")
                except (HostGone, LearnerError, OSError):
                    pass
            return
        # The app runs in this process: an os._exit() in its shutdown must not end the run.
        with ExitGuard(kata_file) as guard:
            try:
                warm = self.grader.warm_module(kata_file)
                started = time.perf_counter()
                session = LearnerSession(kata_file, kata.path / PROBES_FILE, warm)
                if warm is None:
                    self.grader.import_seconds[str(kata_file)] = time.perf_counter() - started
            except KataImportError as exc:
                self._remember_and_fail(request, kata_file, str(exc))
            except KataTimeout as exc:
                line = f"{display_path(kata_file)}: importing it took longer than {exc.seconds:g} s (an endless loop at import?)"
                self._remember_and_fail(request, kata_file, line)
            yield LocalLearner(session)
            if kata.dir not in self.grader.hung:
                session.close()
        if guard.calls:  # even when the app caught the ProcessExit, a server would have died there
            pytest.fail(guard.calls[0], pytrace=False)

    @pytest.fixture
    def kata_module(self, learner: Learner) -> ModuleType:
        """The graded file's module, the one ``learner`` and ``client`` use (learner mode only)."""
        if not isinstance(learner, LocalLearner):
            pytest.fail(REMOTE_ONLY.format(name="kata_module"), pytrace=False)
        return learner.session.module

    @pytest.fixture
    def app(self, kata_module: ModuleType, kata_file: Path) -> Iterator[Any]:
        """The graded file's ``app`` (learner mode only); dependency overrides made by a test are undone after it."""
        app = getattr(kata_module, "app", None)
        if app is None:
            pytest.fail(f"{display_path(kata_file)} defines no `app`", pytrace=False)
        if not callable(app):
            pytest.fail(f"`app` in {display_path(kata_file)} is not an ASGI app", pytrace=False)
        yield app
        overrides = getattr(app, "dependency_overrides", None)
        if isinstance(overrides, dict):
            overrides.clear()

    @pytest.fixture
    def client(self, learner: Learner, kata: Kata) -> Iterator[Any]:
        """An HTTP client for the learner's ``app``, its lifespan started before the test and stopped after.

        A Starlette TestClient in learner mode; in classroom mode an ``httpx.Client`` whose
        requests the host's TestClient runs, so both see the same app the same way.
        """
        host = self.grader.host
        try:
            learner._perform("open_client")
        except LearnerError as exc:
            pytest.fail(str(exc), pytrace=False)
        if host is not None:
            with app_client(host.channel) as remote_client:
                yield remote_client
            closing: Callable[[], Any] = lambda: learner._perform("close_client")  # noqa: E731
        else:
            assert isinstance(learner, LocalLearner)
            yield learner.session.context.client
            closing = learner.session.op_close_client
        if kata.dir in self.grader.hung:
            # The client's event-loop thread is stuck in the learner's endless loop;
            # closing it would wait for that loop forever. It is abandoned instead.
            return
        try:
            closing()
        except (HostGone, LearnerError, OSError):
            pass
        except ProcessExit:
            pass  # the learner fixture fails the test with the line its ExitGuard recorded

    @pytest.fixture
    def clock(self) -> Clock:
        """``with clock.travel(when) as c: … c.move_to(later)``: time stopped for the test and the app alike."""
        host = self.grader.host
        return RemoteClock(host.channel) if host is not None else Clock()

    @pytest.fixture
    def shared_tmp_path(self, tmp_path: Path) -> Path:
        """A folder the test reads and the learner's app writes (its own process may be elsewhere)."""
        host = self.grader.host
        if host is None:
            return tmp_path
        return Path(str(host.channel.call("scratch")))

    @pytest.fixture
    def learner_tests(self, kata: Kata, kata_file: Path) -> LearnerTests:
        """A tests kata's learner module and how it does against each version of the app (graders.judge.testkata).

        Its tests run in processes of their own, against every version the first time one is
        needed: all in one process in learner mode; in classroom mode inside the host's sandbox,
        each version in a process of its own that sees no other, handed in as source, in an
        order no run can predict.
        """
        if kata.kind != TESTS_KIND:
            pytest.fail(f'{kata.id} is not a tests kata (kind = "tests" in katas.toml)', pytrace=False)
        try:
            versions = AppVersions.of(kata)
        except VersionsError as exc:
            pytest.fail(str(exc), pytrace=False)
        host = self.grader.host
        return LearnerTests(kata_file, versions, runner_for(host, kata), cache=self.test_runs)

    # -- processes beside the learner's code ------------------------------------------

    @pytest.fixture
    def serve(self, kata_file: Path) -> Iterator[Callable[..., Any]]:
        """Start real servers on 127.0.0.1; every one is stopped after the test, whatever happened.

        ``serve()`` runs the graded ``app`` under Uvicorn; ``serve(command=[...{port}...])``
        runs any command with ``{port}`` replaced by a free port. Talk to one through
        ``server.client()`` or ``server.async_client()``, never its URL.
        """
        started: list[Any] = []
        host = self.grader.host

        def start(
            command: list[str] | None = None,
            *,
            env: dict[str, str] | None = None,
            cwd: Path | None = None,
            ready_path: str | None = "/",
            timeout: float = 15.0,
        ) -> Any:
            if host is not None:
                merged, unset = self._host_environment(env)
                argv = [host.translate(part) for part in command] if command is not None else None
                where = host.translate(str(cwd)) if cwd is not None else None
                server = start_remote_server(host.channel, argv, merged, where, None, timeout, unset)
                started.append(server)
            else:
                port = free_port()
                argv = (
                    uvicorn_command(kata_file, port)
                    if command is None
                    else [part.replace("{port}", str(port)) for part in command]
                )
                server = start_server(argv, port, cwd=cwd, env=env, ready_path=None)
                started.append(server)
            if ready_path is not None:
                server.wait_ready(ready_path, timeout)
            return server

        yield start
        for server in started:
            try:
                # Killed, not asked to stop: a test that checks shutdown stops its server itself, and a
                # graceful stop here costs 0.15 s (Uvicorn) to 0.4 s (Gunicorn) per server for nothing.
                server.stop(signal.SIGKILL, timeout=5.0)
            except (HostGone, LearnerError, ProbeError, OSError):
                pass  # the host stops its servers at the end of a test too
            log_path = getattr(server, "log_path", None)
            if log_path is not None:
                log_path.unlink(missing_ok=True)

    @pytest.fixture
    def run_command(self) -> Callable[..., CommandResult]:
        """Run a command beside the learner's code (it may read the learner's files): exit code and output."""
        host = self.grader.host

        def run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 30.0) -> CommandResult:
            if host is not None:
                merged, unset = self._host_environment(env)
                answer = host.channel.call(
                    "run", command=[host.translate(p) for p in command], env=merged,
                    cwd=host.translate(str(cwd)) if cwd is not None else None, timeout=timeout, unset=unset,
                )  # fmt: skip
                code = answer.get("code") if isinstance(answer, dict) else None
                return CommandResult(
                    code if isinstance(code, int) else None, str(answer.get("stdout", "")), str(answer.get("stderr", "")),
                    bool(answer.get("timed_out")),
                )  # fmt: skip
            done = run_to_end(command, {**os.environ, **(env or {})}, str(cwd) if cwd is not None else None, timeout)
            return CommandResult(done["code"], done["stdout"], done["stderr"], done["timed_out"])

        return run

    def _host_environment(self, env: dict[str, str] | None) -> tuple[dict[str, str], list[str]]:
        """What the test changed in its environment plus ``env``, as the host must set it, and what it removed."""
        host = self.grader.host
        assert host is not None
        changed, unset = environment_changes(self.grader.start_env)
        return {k: host.translate(v) for k, v in {**changed, **(env or {})}.items()}, unset

    # -- import crashes ------------------------------------------------------------------

    def _remember_and_fail(self, request: pytest.FixtureRequest, kata_file: Path, line: str, kind: str = "import") -> NoReturn:
        self.grader.remember_crash(kata_file, line, kind)
        self._fail_import(request, line, kind)

    def _fail_import(self, request: pytest.FixtureRequest, line: str, kind: str = "import") -> NoReturn:
        request.node.user_properties.append(("kata_crash", line))
        request.node.user_properties.append(("kata_crash_kind", kind))
        pytest.fail(line, pytrace=False)
