"""The host process of ``kata grade``: the learner's code lives here, inside the sandbox, and nowhere else.

Run as ``python -m graders.host --socket PATH --kata-file FILE [--probes FILE]``. It listens
on a Unix socket for the judge (the pytest process that runs the tests, in a sandbox of
its own) and answers each request, one JSON document per line, with one JSON line. It
imports the learner's file afresh for every test (``begin``), performs the declared
operations of ``graders.host.session``, and starts the kata's servers (Uvicorn, Gunicorn)
on its own loopback, forwarding the judge's HTTP requests to them.

Nothing here is trusted: the learner's code shares this process and may change any of
it. It only ever answers; every verdict is made on the other side of the socket.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from graders.host.commands import run_to_end
from graders.host.loader import KataImportError, describe_exception
from graders.host.servers import ServerError, ServerProcess, free_port, prepare_launcher, start_server, uvicorn_command
from graders.host.session import LearnerError, LearnerSession, ProbeError

MAX_LINE = 64 * 1024 * 1024


class ForwardError(Exception):
    """A request to a server on this loopback failed on the way (refused, reset, timed out)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # the httpx exception's name, raised again on the judge's side


class Host:
    """The learner's side of one graded kata: a session per test, and the servers it started."""

    def __init__(self, kata_file: Path, probes_file: Path | None, exchange: Path | None = None) -> None:
        self.kata_file = kata_file
        self.probes_file = probes_file
        self.exchange = exchange
        self.scratches = 0
        self.base_env = dict(os.environ)
        self.session: LearnerSession | None = None
        self.servers: dict[int, ServerProcess] = {}
        self.lock = threading.RLock()

    def answer(self, request: dict[str, Any], reader: BinaryIO) -> dict[str, Any]:
        op = str(request.get("op", ""))
        args = request.get("args") or {}
        try:
            if op == "server_request":
                return {"ok": self.server_request(reader=reader, **args)}
            if op == "run":  # a command of its own, several at once (a tests kata's versions)
                return {"ok": self.run(**args)}
            with self.lock:
                return {"ok": self.perform(op, args)}
        except KataImportError as exc:
            return {"error": {"kind": "import", "message": str(exc)}}
        except LearnerError as exc:
            return {"error": {"kind": "learner", "message": str(exc)}}
        except ProbeError as exc:
            return {"error": {"kind": "course", "message": str(exc)}}
        except ServerError as exc:
            return {"error": {"kind": "server", "message": str(exc)}}
        except ForwardError as exc:
            return {"error": {"kind": "transport", "type": exc.kind, "message": str(exc)}}
        except Exception as exc:  # noqa: BLE001 - whatever the learner's code raised, the judge gets a line
            return {"error": {"kind": "host", "message": describe_exception(exc)}}

    def perform(self, op: str, args: dict[str, Any]) -> Any:
        if op == "ping":
            return "ready"
        if op == "begin":
            return self.begin(**args)
        if op == "end":
            return self.end()
        if op.startswith("serve_") or op in ("run", "scratch"):
            return getattr(self, op)(**args)
        if self.session is None:
            raise ProbeError("no test has begun")
        return self.session.perform(op, args)

    # -- one test ------------------------------------------------------------------

    def begin(self, env: dict[str, str], unset: list[str], import_module: bool = True) -> None:
        """A fresh test: the environment the test set, and a fresh import of the learner's file."""
        self.end()
        os.environ.clear()
        os.environ.update(self.base_env)
        for name in unset:
            os.environ.pop(name, None)
        os.environ.update(env)
        if import_module:
            self.session = LearnerSession(self.kata_file, self.probes_file)

    def end(self) -> None:
        session, self.session = self.session, None
        try:
            if session is not None:
                session.close()
        finally:
            os.environ.clear()
            os.environ.update(self.base_env)
            for server in list(self.servers.values()):
                server.stop(signal.SIGKILL, 5.0)  # the test is over: no graceful stop to wait for
                server.log_path.unlink(missing_ok=True)
            self.servers.clear()

    def scratch(self) -> str:
        """A new folder the judge can read and the learner's app can write (a test's shared_tmp_path)."""
        if self.exchange is None:
            raise ProbeError("this host has no folder shared with the judge")
        self.scratches += 1
        folder = self.exchange / f"test-{self.scratches}"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    # -- servers and commands --------------------------------------------------------

    def serve_prepare(self) -> None:
        prepare_launcher()

    def serve_start(
        self, command: list[str] | None, env: dict[str, str], cwd: str | None, ready_path: str | None, timeout: float,
        unset: list[str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        port = free_port()
        argv = uvicorn_command(self.kata_file, port) if command is None else [p.replace("{port}", str(port)) for p in command]
        with _without(unset or []):  # what the test removed from its environment
            server = start_server(argv, port, cwd=Path(cwd) if cwd else None, env=env, ready_path=None)
        self.servers[server.process.pid] = server
        if ready_path is not None:
            server.wait_ready(ready_path, timeout)
        return {"id": server.process.pid, "port": port, "pid": server.process.pid}

    def _server(self, id: int) -> ServerProcess:
        if id not in self.servers:
            raise ProbeError(f"no server {id}")
        return self.servers[id]

    def serve_stop(self, id: int, signal_number: int, timeout: float) -> int | None:
        return self._server(id).stop(signal.Signals(signal_number), timeout)

    def serve_poll(self, id: int) -> int | None:
        return self._server(id).process.poll()

    def serve_output(self, id: int) -> str:
        return self._server(id).output()

    def serve_wait_ready(self, id: int, path: str, timeout: float) -> None:
        self._server(id).wait_ready(path, timeout)

    def serve_ws_open(self, id: int, path: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
        """A websocket from here to a server here (the ``websockets`` client): {"socket": n, "event": …}."""
        return self._server(id).ws_open(path, headers, timeout)

    def serve_ws_send(self, id: int, socket: int, text: str) -> dict[str, Any]:
        return self._server(id).ws_send(socket, text)

    def serve_ws_receive(self, id: int, socket: int, timeout: float) -> dict[str, Any]:
        return self._server(id).ws_receive(socket, timeout)

    def serve_ws_close(self, id: int, socket: int, code: int, timeout: float) -> None:
        self._server(id).ws_close(socket, code, timeout)

    def serve_ws_drop(self, id: int, socket: int) -> None:
        self._server(id).ws_drop(socket)

    def run(
        self, command: list[str], env: dict[str, str], cwd: str | None, timeout: float, unset: list[str] | None = None
    ) -> dict[str, Any]:
        """Run a command beside the learner's code (a config check, say): its exit code and output."""
        base = {k: v for k, v in os.environ.items() if k not in set(unset or [])}
        return run_to_end(command, {**base, **env}, cwd, timeout)

    def server_request(
        self, reader: BinaryIO, port: int, method: str, path: str, headers: list[list[str]],
        body: str | None, timeout: float,
    ) -> dict[str, Any]:  # fmt: skip
        """Forward one request to a server on this loopback; a streamed body keeps the judge's pace."""
        import httpx

        content: bytes | Iterator[bytes] = base64.b64decode(body) if body is not None else _chunks(reader)
        try:
            # Plain HTTP on loopback: no certificates to load (that alone cost 0.1–0.3 s a request).
            with httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0), verify=False) as http:
                request = http.build_request(
                    method, f"http://127.0.0.1:{port}{path}", headers=[(k, v) for k, v in headers], content=content
                )
                response = http.send(request, stream=True)
                try:
                    raw = b"".join(response.iter_raw())  # as the server sent it (a gzip body stays gzip)
                finally:
                    response.close()
        except httpx.TransportError as exc:
            raise ForwardError(f"{type(exc).__name__}: {exc}", type(exc).__name__) from None
        return {
            "status": response.status_code,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.headers.raw],
            "body": base64.b64encode(raw).decode("ascii"),
        }


@contextmanager
def _without(names: list[str]) -> Iterator[None]:
    saved = dict(os.environ)
    for name in names:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _chunks(reader: BinaryIO) -> Iterator[bytes]:
    """A request body arriving from the judge piece by piece: ``{"chunk": …}`` lines, then ``{"end": true}``."""
    while True:
        line = reader.readline(MAX_LINE)
        if not line:
            return
        message = json.loads(line)
        if message.get("end"):
            return
        yield base64.b64decode(message["chunk"])


class _Handler(socketserver.StreamRequestHandler):
    host: Host

    def handle(self) -> None:
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                return
            try:
                request = json.loads(line)
            except ValueError:
                return
            if not isinstance(request, dict):
                return
            answer = self.server.host.answer(request, self.rfile)  # type: ignore[attr-defined]
            answer["id"] = request.get("id") if isinstance(request, dict) else None
            # A line of its own, whatever the learner's code wrote into this socket before it.
            self.wfile.write(b"\n" + json.dumps(answer).encode() + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    request_queue_size = 256  # a test may open many connections at once (concurrent requests)

    def __init__(self, path: str, host: Host) -> None:
        self.host = host
        super().__init__(path, _Handler)


def _warm_up() -> None:
    """Import what every kata needs before listening, so no test's time limit pays for it."""
    import fastapi  # noqa: F401
    import httpx  # noqa: F401
    import starlette.testclient  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graders.host")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--kata-file", required=True, type=Path)
    parser.add_argument("--probes", type=Path, default=None)
    parser.add_argument("--exchange", type=Path, default=None)
    args = parser.parse_args(argv)
    _warm_up()
    host = Host(args.kata_file, args.probes, args.exchange)
    temporary = args.socket + ".tmp"
    server = _Server(temporary, host)
    os.chmod(temporary, 0o770)  # the judge may run as another uid, in this socket's group
    os.rename(temporary, args.socket)  # the judge sees the socket only once it accepts connections
    try:
        server.serve_forever()
    finally:
        host.end()
    return 0
