"""The judge's end of the line to the host process: JSON requests out, size- and depth-checked JSON answers in.

Everything that arrives here was written by a process that runs the learner's code, so it
is read as data only: one line of at most ``MAX_ANSWER`` bytes, JSON no deeper than
``MAX_DEPTH``, and errors mapped to the same exceptions learner mode raises.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx

from graders.host.loader import KataImportError
from graders.host.servers import ServerError
from graders.host.session import LearnerError, ProbeError

MAX_ANSWER = 64 * 1024 * 1024
MAX_DEPTH = 200
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class HostGone(Exception):
    """The host process stopped answering: the learner's code ended it (os._exit, a crash) or it was killed."""


def _depth_ok(text: bytes) -> bool:
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def _value_of(answer: dict[str, Any]) -> Any:
    if "ok" in answer:
        return answer["ok"]
    error = answer.get("error")
    kind = str(error.get("kind", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else "an unreadable error"
    if kind == "import":
        raise KataImportError(message)
    if kind == "course":
        raise ProbeError(message)
    if kind == "server":
        raise ServerError(message)
    if kind == "transport":
        found = getattr(httpx, str(error.get("type", "")), None) if isinstance(error, dict) else None
        if isinstance(found, type) and issubclass(found, httpx.TransportError):
            raise found(message)
        raise httpx.ConnectError(message)
    raise LearnerError(message)


def _answer_in(line: bytes, wanted: int) -> dict[str, Any] | None:
    """The answer to request ``wanted`` if ``line`` is one; None for anything else on the line.

    The learner's code shares the host process and may write into its sockets (say, to
    every file descriptor it can find); such bytes only ever delay the real answer.
    """
    stripped = line.strip()
    if not stripped or not _depth_ok(stripped):
        return None
    try:
        answer = json.loads(stripped)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and answer.get("id") == wanted else None


def receive(readline: Callable[[int], bytes], wanted: int) -> Any:
    """Read lines until the answer to request ``wanted`` arrives; at most ``MAX_ANSWER`` bytes in all."""
    budget = MAX_ANSWER
    while True:
        line = readline(MAX_ANSWER + 1)
        if not line:
            raise HostGone("the learner's app process ended (did the code exit or crash?)")
        budget -= len(line)
        if budget < 0:
            raise LearnerError("the learner's process sent far more than any real answer")
        answer = _answer_in(line, wanted)
        if answer is not None:
            return _value_of(answer)


class HostChannel:
    """Requests to the host over its Unix socket: one lasting connection, more for concurrent HTTP."""

    def __init__(self, path: str, wait: float = 30.0) -> None:
        self.path = path
        self.wait = wait
        self._main: socket.socket | None = None
        self._reader: Any = None
        self.gone = False  # it never started or it ended: later requests fail at once
        self._sent = 0

    def connect(self) -> socket.socket:
        """A new connection, waiting up to ``wait`` seconds for the host to start listening."""
        if self.gone:
            raise HostGone("the learner's app process is not running (it never started, or it ended)")
        deadline = time.monotonic() + self.wait
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    self.gone = True
                    raise HostGone("the learner's app process did not start") from None
                time.sleep(0.02)

    def call(self, op: str, **args: Any) -> Any:
        """Send one request on the lasting connection and return its answer."""
        if self._main is None:
            self._main = self.connect()
            self._reader = self._main.makefile("rb")
        self._sent += 1
        try:
            self._main.sendall(json.dumps({"op": op, "args": args, "id": self._sent}).encode() + b"\n")
            return receive(self._reader.readline, self._sent)
        except HostGone:
            self.reset()
            self.gone = True  # it answered before and now it is gone: no request waits for it again
            raise
        except BaseException:
            self.reset()  # a timeout mid-answer leaves the line unusable
            raise

    def reset(self) -> None:
        if self._main is not None:
            try:
                self._main.close()
            except OSError:
                pass
        self._main = self._reader = None

    def close(self) -> None:
        self.reset()


def encode_headers(headers: httpx.Headers) -> list[list[str]]:
    return [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers.raw if k.decode("latin-1").lower() not in HOP_HEADERS]


def decode_response(answer: Any, request: httpx.Request) -> httpx.Response:
    if not isinstance(answer, dict) or not isinstance(answer.get("status"), int):
        raise LearnerError("the learner's process sent a response of the wrong shape")
    try:
        body = base64.b64decode(str(answer.get("body", "")), validate=True)
        headers = [(str(k), str(v)) for k, v in answer.get("headers", [])]
    except (ValueError, TypeError):
        raise LearnerError("the learner's process sent a response of the wrong shape") from None
    return httpx.Response(answer["status"], headers=headers, content=body, request=request)


class AppTransport(httpx.BaseTransport):
    """The ``client`` fixture's transport: each request is run by the host's TestClient for the app."""

    def __init__(self, channel: HostChannel) -> None:
        self.channel = channel

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = base64.b64encode(request.read()).decode("ascii")
        target = request.url.raw_path.decode("ascii")
        answer = self.channel.call(
            "http", method=request.method, url=target, headers=encode_headers(request.headers), body=body
        )
        return decode_response(answer, request)


def _request_line(request: httpx.Request, port: int, timeout: float, body: str | None) -> bytes:
    args = {
        "port": port, "method": request.method, "path": request.url.raw_path.decode("ascii"),
        "headers": encode_headers(request.headers), "body": body, "timeout": timeout,
    }  # fmt: skip
    return json.dumps({"op": "server_request", "args": args, "id": 1}).encode() + b"\n"


def _is_buffered(request: httpx.Request) -> bool:
    return isinstance(request.stream, httpx.ByteStream)


class ServerTransport(httpx.BaseTransport):
    """Requests to a server the host started: forwarded on a connection of their own, body at the test's pace."""

    def __init__(self, channel: HostChannel, port: int, timeout: float = 30.0) -> None:
        self.channel, self.port, self.timeout = channel, port, timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sock = self.channel.connect()
        try:
            if _is_buffered(request):
                sock.sendall(_request_line(request, self.port, self.timeout, base64.b64encode(request.read()).decode()))
            else:
                sock.sendall(_request_line(request, self.port, self.timeout, None))
                for chunk in request.stream:  # type: ignore[union-attr]
                    sock.sendall(json.dumps({"chunk": base64.b64encode(chunk).decode()}).encode() + b"\n")
                sock.sendall(b'{"end": true}\n')
            with sock.makefile("rb") as reader:
                return decode_response(receive(reader.readline, 1), request)
        finally:
            sock.close()


class AsyncServerTransport(httpx.AsyncBaseTransport):
    """``ServerTransport`` for ``httpx.AsyncClient``: concurrent requests stay concurrent."""

    def __init__(self, channel: HostChannel, port: int, timeout: float = 30.0) -> None:
        self.channel, self.port, self.timeout = channel, port, timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        reader, writer = await asyncio.open_unix_connection(self.channel.path, limit=MAX_ANSWER + 1)
        try:
            if _is_buffered(request):
                body = base64.b64encode(await request.aread()).decode()
                writer.write(_request_line(request, self.port, self.timeout, body))
            else:
                writer.write(_request_line(request, self.port, self.timeout, None))
                async for chunk in request.stream:  # type: ignore[union-attr]
                    writer.write(json.dumps({"chunk": base64.b64encode(chunk).decode()}).encode() + b"\n")
                    await writer.drain()
                writer.write(b'{"end": true}\n')
            await writer.drain()
            budget = MAX_ANSWER
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # a line longer than any answer
                    raise LearnerError("the learner's process sent far more than any real answer") from None
                if not line:
                    raise HostGone("the learner's app process ended (did the code exit or crash?)")
                budget -= len(line)
                if budget < 0:
                    raise LearnerError("the learner's process sent far more than any real answer")
                answer = _answer_in(line, 1)
                if answer is not None:
                    return decode_response(_value_of(answer), request)
        finally:
            writer.close()
