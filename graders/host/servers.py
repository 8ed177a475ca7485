"""Start a real server process (Uvicorn, Gunicorn) on 127.0.0.1 for a kata, and always stop it.

Each server runs in its own process group, so stopping it also stops the
workers it forked. A process that dies before answering is reported with
the last lines it printed, which is where a learner's traceback is.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.host.launcher import LAUNCHER, LaunchedProcess

Process = subprocess.Popen[bytes] | LaunchedProcess
_RUNNING: set[Process] = set()


class ServerError(Exception):
    """The server did not start, or did not answer in time; the message says what it printed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def uvicorn_command(graded_file: Path, port: int, *extra: str) -> list[str]:
    """``python -m uvicorn`` serving ``app`` from the graded file, whatever its name or folder."""
    return [
        sys.executable, "-m", "uvicorn",
        "--app-dir", str(graded_file.parent),
        f"{graded_file.stem}:app",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning",
        *extra,
    ]  # fmt: skip


@dataclass
class ServerProcess:
    """A running server: its address, its process, and what it has printed so far."""

    port: int
    process: Process
    log_path: Path
    stopped: bool = field(default=False)
    sockets: Any = field(default=None)  # the websockets a test opened to it (graders.host.sockets.Sockets)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def last_lines(self, count: int = 6) -> str:
        lines = [line for line in self.output().splitlines() if line.strip()]
        return "\n".join(lines[-count:]) or "(it printed nothing)"

    def wait_ready(self, path: str = "/", timeout: float = 15.0) -> None:
        """Poll ``path`` until the server answers with any HTTP status."""
        import urllib.error  # imported here: the plugin loads this module in every pytest run
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ServerError(
                    f"the server exited with code {code} before answering"
                    f" (last line: {self.last_lines(1)})\n{self.last_lines(20)}"
                )
            try:
                urllib.request.urlopen(self.url + path, timeout=1.0).close()
                return
            except urllib.error.HTTPError:
                return  # it answered, even if not with 200
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        raise ServerError(
            f"the server did not answer {path} within {timeout:g} s"
            f" (last line: {self.last_lines(1)})\n{self.last_lines(20)}"
        )

    def client(self, **kwargs: Any) -> Any:
        """An ``httpx.Client`` with ``base_url`` set to this server (tests use this, not the URL)."""
        import httpx

        return httpx.Client(base_url=self.url, **kwargs)

    def async_client(self, **kwargs: Any) -> Any:
        import httpx

        return httpx.AsyncClient(base_url=self.url, **kwargs)

    # -- websockets to it: the declared operations (the host performs them for classroom mode) --

    def ws_open(self, path: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
        from graders.host.sockets import ServerSocket, Sockets

        if not path.startswith("/"):
            raise ServerError(f"a websocket path starts with /, got {path!r}")
        if self.sockets is None:
            self.sockets = Sockets()
        return self.sockets.add(ServerSocket(self.port, path, headers), timeout)

    def _socket(self, number: int) -> Any:
        if self.sockets is None:
            raise ServerError(f"no websocket {number} is open")
        return self.sockets.get(number)

    def ws_send(self, socket: int, text: str) -> dict[str, Any]:
        return self._socket(socket).send_text(text)

    def ws_receive(self, socket: int, timeout: float) -> dict[str, Any]:
        return self._socket(socket).receive(timeout)

    def ws_close(self, socket: int, code: int, timeout: float) -> None:
        if self.sockets is not None:
            self.sockets.close(socket, code, timeout)

    def ws_drop(self, socket: int) -> None:
        self._socket(socket).drop()

    def websocket(self, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> Any:
        """A websocket to ``path`` on this server (a ``graders.host.sockets.WebSocketClient``)."""
        from graders.host.session import round_trip
        from graders.host.sockets import WebSocketClient

        def perform(op: str, **args: Any) -> Any:  # answers as they would cross the wire
            return round_trip(getattr(self, f"ws_{op}")(**round_trip(args)))

        return WebSocketClient(perform, path, headers, timeout)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        """Send ``sig`` to the whole process group, wait, then kill what is left."""
        if self.stopped:
            return self.process.returncode
        self.stopped = True
        if self.sockets is not None:
            self.sockets.close_all()
        _signal_group(self.process, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=5)
        # Workers that outlived their parent still belong to the group.
        _signal_group(self.process, signal.SIGKILL)
        _RUNNING.discard(self.process)
        return self.process.returncode


def start_server(
    command: list[str],
    port: int,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ready_path: str | None = "/",
    timeout: float = 15.0,
) -> ServerProcess:
    """Start ``command`` in a new process group and wait until it answers on ``port``."""
    log = tempfile.NamedTemporaryFile(prefix="kata-server-", suffix=".log", delete=False)
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    process: Process | None = LAUNCHER.spawn(command, full_env, str(cwd or os.getcwd()), log.name)
    if process is None:  # not a command a warm fork runs the same: a fresh process
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    log.close()
    _RUNNING.add(process)
    server = ServerProcess(port=port, process=process, log_path=Path(log.name))
    if ready_path is not None:
        try:
            server.wait_ready(ready_path, timeout)
        except BaseException:
            server.stop(signal.SIGKILL, timeout=5)
            raise
    return server


def prepare_launcher() -> None:
    """Warm up the server launcher in the background: a run whose tests start servers calls this early."""
    LAUNCHER.prepare()


def kill_servers() -> None:
    """Kill every server this process started and has not stopped (the launcher stays)."""
    for process in list(_RUNNING):
        _signal_group(process, signal.SIGKILL)
        _RUNNING.discard(process)


def stop_all() -> None:
    """Kill every server still running, and the launcher: the last line of defence against leftovers."""
    kill_servers()
    LAUNCHER.close()


def _signal_group(process: Process, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


atexit.register(stop_all)
