"""Fixtures a kata's tests receive instead of importing the stub by name.

``--kata-target`` decides which file these load, so the same tests grade the
learner's stub, the reference solution or any other file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from graders.host.loader import KataImportError, describe_exception, display_path, exception_location, import_graded_file
from graders.manifest import Kata
from graders.host.servers import ServerProcess, free_port, start_server, uvicorn_command
from graders.judge.timelimit import KataTimeout

if TYPE_CHECKING:
    from graders.judge.plugin import KataGrader


class KataFixtures:
    """Registered as a plugin only when a run collects a kata, so other projects never see these names."""

    def __init__(self, grader: KataGrader) -> None:
        self.grader = grader

    @pytest.fixture
    def kata(self, request: pytest.FixtureRequest) -> Kata:
        """The manifest entry of the kata this test belongs to."""
        kata = self.grader.kata_of(request.node)
        if kata is None:
            pytest.fail(f"{request.node.nodeid} is not inside a kata listed in katas.toml", pytrace=False)
        return kata

    @pytest.fixture
    def kata_file(self, kata: Kata) -> Path:
        """The file being graded: the stub, the solution or the ``--kata-target`` path."""
        return self.grader.target.file_for(kata)

    @pytest.fixture
    def kata_module(self, request: pytest.FixtureRequest, kata: Kata, kata_file: Path) -> ModuleType:
        """The graded file, freshly imported for this test (no state leaks between tests)."""
        known = self.grader.known_crash(kata_file)
        if known:
            self._fail_import(request, known)
        try:
            return import_graded_file(kata_file)
        except KataImportError as exc:
            self.grader.remember_crash(kata_file, str(exc))
            self._fail_import(request, str(exc))
        except KataTimeout as exc:
            line = (
                f"{display_path(kata_file)}: importing it took longer than {exc.seconds:g} s"
                " (an endless loop at import?)"
            )
            self.grader.remember_crash(kata_file, line)
            self._fail_import(request, line)

    @pytest.fixture
    def app(self, kata_module: ModuleType, kata_file: Path) -> Iterator[Any]:
        """The graded file's ``app``; dependency overrides made by a test are undone after it."""
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
    def client(self, app: Any, kata: Kata, kata_file: Path) -> Iterator[Any]:
        """A Starlette TestClient for ``app``, with its lifespan started and stopped around the test."""
        from starlette.testclient import TestClient  # imported only when a kata needs it

        test_client = TestClient(app)
        try:
            test_client.__enter__()
        except Exception as exc:  # a broken lifespan or middleware: say so in one line
            where = exception_location(exc, kata_file)
            pytest.fail(
                f"{where}starting the app (its lifespan startup) failed: {describe_exception(exc)}", pytrace=False
            )
        yield test_client
        if kata.dir in self.grader.hung:
            # The client's event-loop thread is stuck in the learner's endless loop;
            # closing it would wait for that loop forever. It is abandoned instead.
            return
        test_client.__exit__(None, None, None)

    @pytest.fixture
    def serve(self, kata_file: Path) -> Iterator[Callable[..., ServerProcess]]:
        """Start real servers on 127.0.0.1; every one is stopped after the test, whatever happened.

        ``serve()`` runs the graded ``app`` under Uvicorn; ``serve(command=[...{port}...])``
        runs any command with ``{port}`` replaced by a free port.
        """
        started: list[ServerProcess] = []

        def start(
            command: list[str] | None = None,
            *,
            env: dict[str, str] | None = None,
            cwd: Path | None = None,
            ready_path: str | None = "/",
            timeout: float = 15.0,
        ) -> ServerProcess:
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
            server.stop()
            server.log_path.unlink(missing_ok=True)

    def _fail_import(self, request: pytest.FixtureRequest, line: str) -> NoReturn:
        request.node.user_properties.append(("kata_crash", line))
        pytest.fail(line, pytrace=False)
