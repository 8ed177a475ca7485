"""Kata 09 probes: the course's own code that runs beside the learner's app (never a learner file).

Each one touches the app from the inside, where the app lives (the test's process for a
learner's pytest, the host process for `kata grade`): a client whose lifespan has not run,
a lifespan started and stopped on the test's say-so, the registered middleware, and raw ASGI
conversations (lifespan, websocket) with every wait capped. They report what happened as
plain data; the tests decide and word the messages.
"""

from __future__ import annotations

import base64
import builtins
import io
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio

from graders.host.loader import describe_exception, display_path
from graders.host.session import LearnerError, ProbeError

LIFESPAN = "started_lifespan"


def _app(context: Any) -> Any:
    app = context.app
    if app is None:
        raise LearnerError(f"{display_path(context.kata_file)} defines no `app`")
    if not callable(app):
        raise LearnerError(f"`app` in {display_path(context.kata_file)} is not an ASGI app")
    return app


def _failure(context: Any, exc: BaseException) -> str:
    return f"{context.location(exc)}{describe_exception(exc)}"


def _response(response: Any) -> dict[str, Any]:
    """An HTTP response as plain data (the test rebuilds an httpx.Response from it)."""
    return {
        "status": response.status_code,
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.headers.raw],
        "body": base64.b64encode(response.content).decode("ascii"),
    }


def _request(context: Any, client: Any, method: str, path: str, json: Any) -> dict[str, Any]:
    try:
        return {"response": _response(client.request(method, path, json=json))}
    except Exception as exc:  # noqa: BLE001 - what the app raised is reported, the test decides
        return {"error": _failure(context, exc)}


def _plain(value: Any) -> Any:
    """An ASGI message as plain data: bytes as text, tuples as lists."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


# -- HTTP without the test's client --------------------------------------------------------------


def request_without_startup(context: Any, method: str, path: str, json: Any = None) -> dict[str, Any]:
    """One request through a new TestClient used without `with`: the lifespan never runs."""
    from starlette.testclient import TestClient

    not_started = TestClient(_app(context), raise_server_exceptions=False)
    return _request(context, not_started, method, path, json)


def start_lifespan(context: Any) -> dict[str, Any]:
    """Enter a new TestClient (the lifespan's startup runs); {"error": …} when the startup raised."""
    from starlette.testclient import TestClient

    stop_lifespan(context)
    client = TestClient(_app(context))
    try:
        client.__enter__()
    except Exception as exc:  # noqa: BLE001
        return {"error": _failure(context, exc)}
    context.state[LIFESPAN] = client
    return {}


def request_in_lifespan(context: Any, method: str, path: str, json: Any = None) -> dict[str, Any]:
    """One request through the client `start_lifespan` entered (server exceptions raise, as TestClient's do)."""
    client = context.state.get(LIFESPAN)
    if client is None:
        return {"error": "no lifespan was started"}
    return _request(context, client, method, path, json)


def stop_lifespan(context: Any) -> dict[str, Any]:
    """Leave the client `start_lifespan` entered: the lifespan's shutdown runs. {} when nothing was started."""
    client = context.state.pop(LIFESPAN, None)
    if client is None:
        return {}
    try:
        client.__exit__(None, None, None)
    except Exception as exc:  # noqa: BLE001
        return {"error": _failure(context, exc)}
    return {}


# -- the middleware stack ------------------------------------------------------------------------


# -- files written around the lifespan ------------------------------------------------------------

WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _graded_frame(graded_file: Path) -> str:
    """``stub.py:42`` for the deepest frame of the graded file on the stack, or ""."""
    wanted = os.path.realpath(graded_file)
    frame = sys._getframe(2)
    while frame is not None:
        if os.path.realpath(frame.f_code.co_filename) == wanted:
            return f"{display_path(graded_file)}:{frame.f_lineno}"
        frame = frame.f_back
    return ""


@contextmanager
def _spying_on_writes(graded_file: Path) -> Iterator[list[dict[str, str]]]:
    """Every file opened for writing while the block runs (builtins.open, io.open, Path.open, os.open)."""
    seen: list[dict[str, str]] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        where = _graded_frame(graded_file) if isinstance(mode, str) and any(flag in mode for flag in "wax+") else ""
        if where:  # opened by the app's code (the framework's own files are not the app's)
            seen.append({"path": str(file), "mode": mode, "where": where})
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        where = _graded_frame(graded_file) if flags & WRITING_FLAGS else ""
        if where:
            seen.append({"path": str(path), "mode": f"os.open flags {flags:#o}", "where": where})
        return real_os_open(path, flags, *args, **kwargs)

    patched: list[tuple[Any, str, Callable[..., Any]]] = [(builtins, "open", spy_open), (io, "open", spy_open), (os, "open", spy_os_open)]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    for owner, name, spy in patched:
        setattr(owner, name, spy)
    try:
        yield seen
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def writes_around_lifespan(context: Any, texts: list[str]) -> dict[str, Any]:
    """Start the app (a TestClient entered), POST /predict each text, stop it, and list every file
    the app opened for writing meanwhile (startup, requests and shutdown).

    {"statuses": [status per text], "writes": [{"path", "mode", "where"}]}, or {"error": "…"}
    naming the step that raised.
    """
    from starlette.testclient import TestClient

    app = _app(context)
    statuses: list[int] = []
    with _spying_on_writes(context.kata_file) as writes:
        step = "starting the app (its lifespan startup)"
        try:
            with TestClient(app) as running:
                step = "POST /predict"
                for text in texts:
                    statuses.append(running.post("/predict", json={"text": text}).status_code)
                step = "stopping the app (its lifespan shutdown)"
        except Exception as exc:  # noqa: BLE001 - reported, the test decides
            return {"error": f"{step} failed: {_failure(context, exc)}", "writes": writes}
    return {"statuses": statuses, "writes": writes}


# -- what the raw app is made of -----------------------------------------------------------------


def _mounted_at(app: Any, prefix: str) -> Any:
    """The ASGI app mounted at ``prefix`` in the app's routes, or None."""
    from starlette.routing import Mount

    for route in getattr(app, "routes", None) or []:
        if isinstance(route, Mount) and route.path.rstrip("/") == prefix:
            return route.app
    return None


@contextmanager
def _spying_on_framework() -> Iterator[set[str]]:
    """The Starlette request and response classes used while the block runs."""
    from starlette import requests, responses

    used: set[str] = set()
    patched: list[tuple[type, str, Callable[..., Any]]] = []

    def recording(cls: type, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
            used.add(type(self).__name__)
            return original(self, *args, **kwargs)

        return spy

    patched.append((requests.HTTPConnection, "__init__", requests.HTTPConnection.__init__))
    for value in vars(responses).values():
        if isinstance(value, type) and issubclass(value, responses.Response) and "__call__" in vars(value):
            patched.append((value, "__call__", vars(value)["__call__"]))
    for cls, name, original in patched:
        setattr(cls, name, recording(cls, name, original))
    try:
        yield used
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)


async def _http_conversation(app: Any, scope: dict[str, Any], chunks: list[bytes], timeout: float) -> dict[str, Any]:
    talk = _Conversation(app, scope)
    report: dict[str, Any] = {"messages": []}
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(talk.run_app)
        for index, chunk in enumerate(chunks):
            await talk.to_app.send({"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1})
        while True:
            try:
                with anyio.fail_after(timeout):
                    message = await talk.from_app.receive()
            except anyio.EndOfStream:
                if talk.crash:
                    report["returned"] = talk.returned()
                break
            except TimeoutError:
                report["timed_out"] = True
                break
            report["messages"].append(_plain(message))
            if message.get("type") == "http.response.body" and not message.get("more_body", False):
                break
        tasks.cancel_scope.cancel()
    return report


def raw_app_conversation(context: Any, method: str, path: str, chunks: list[str], timeout: float = 3.0) -> dict[str, Any]:
    """Send one HTTP request straight to the app mounted at /raw, as Starlette's Mount hands it on
    (``root_path`` "/raw", the full path), the body in ``chunks``; no server or framework in between.

    {"messages": [what the app sent], "framework": [Starlette request/response classes it used],
    and "returned" (what it raised) or "timed_out" when it stopped short}, or {"problem": "…"}.
    """
    mounted = _mounted_at(_app(context), "/raw")
    if mounted is None:
        return {"problem": "no app is mounted at /raw (app.mount('/raw', raw_echo))"}
    body = b"".join(chunk.encode() for chunk in chunks)
    full_path = "/raw" + path
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": method, "scheme": "http", "server": ("testserver", 80), "client": ("testclient", 50000),
        "root_path": "/raw", "path": full_path, "raw_path": full_path.encode(), "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())], "state": {},
    }  # fmt: skip
    with _spying_on_framework() as used:
        report = anyio.run(_http_conversation, mounted, scope, [c.encode() for c in chunks] or [b""], timeout)
    return {**report, "framework": sorted(used)}


def describe_middleware(context: Any) -> dict[str, Any]:
    """What `app.user_middleware` lists: each entry shown, and whether its class is a BaseHTTPMiddleware."""
    from starlette.middleware.base import BaseHTTPMiddleware

    app = _app(context)
    registered = list(getattr(app, "user_middleware", None) or [])
    entries = []
    for middleware in registered:
        cls = getattr(middleware, "cls", None)
        entries.append({
            "shown": repr(middleware),
            "base_http": isinstance(cls, type) and issubclass(cls, BaseHTTPMiddleware),
        })  # fmt: skip
    return {"middleware": entries}


# -- raw ASGI conversations ------------------------------------------------------------------------


class _Conversation:
    """Streams to and from an ASGI app run as a task, and what it raised: a server's side of one scope."""

    def __init__(self, app: Any, scope: dict[str, Any]) -> None:
        self.app, self.scope = app, scope
        self.to_app, self._inbox = anyio.create_memory_object_stream(math.inf)
        self._outbox, self.from_app = anyio.create_memory_object_stream(math.inf)
        self.crash: list[BaseException] = []

    async def run_app(self) -> None:
        try:
            await self.app(self.scope, self._inbox.receive, self._outbox.send)
        except Exception as exc:  # reported as what happened
            self.crash.append(exc)
        finally:
            self._outbox.close()

    def returned(self) -> str:
        """What the app raised before it returned, or "" when it just returned."""
        return describe_exception(self.crash[0]) if self.crash else ""


async def _lifespan_conversation(app: Any, timeout: float) -> list[dict[str, Any]]:
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    talk = _Conversation(app, scope)
    steps: list[dict[str, Any]] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(talk.run_app)
        for event in ("lifespan.startup", "lifespan.shutdown"):
            await talk.to_app.send({"type": event})
            step: dict[str, Any] = {"sent": event}
            steps.append(step)
            try:
                with anyio.fail_after(timeout):
                    step["answer"] = _plain(await talk.from_app.receive())
            except anyio.EndOfStream:
                step["returned"] = talk.returned()
                break
            except TimeoutError:
                step["timed_out"] = True
                break
            if step["answer"].get("type") != f"{event}.complete":
                break
        tasks.cancel_scope.cancel()
    return steps


def lifespan_conversation(context: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Run the app's lifespan as a server would: each event sent and what came back.

    One step per event sent ("lifespan.startup", then "lifespan.shutdown" if the startup
    completed): {"sent", and "answer" (the message) or "returned" (the app returned without
    answering; what it raised, if anything) or "timed_out"}.
    """
    app = _app(context)
    return anyio.run(_lifespan_conversation, app, timeout)


async def _websocket_conversation(app: Any, state: dict, texts: list[str], timeout: float) -> dict[str, Any]:
    scope = {
        "type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "scheme": "ws", "server": ("testserver", 80), "client": ("testclient", 50000), "root_path": "",
        "path": "/ws", "raw_path": b"/ws", "query_string": b"", "subprotocols": [], "state": dict(state),
        "headers": [(b"host", b"testserver"), (b"connection", b"upgrade"), (b"upgrade", b"websocket"),
                    (b"sec-websocket-version", b"13"), (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ==")],
    }  # fmt: skip
    talk = _Conversation(app, scope)
    to_app, from_app = talk.to_app, talk.from_app

    async def next_message() -> dict[str, Any]:
        try:
            with anyio.fail_after(timeout):
                return {"message": _plain(await from_app.receive())}
        except anyio.EndOfStream:
            return {"returned": talk.returned()}
        except TimeoutError:
            return {"timed_out": True}

    report: dict[str, Any] = {"replies": []}
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(talk.run_app)
        await to_app.send({"type": "websocket.connect"})
        report["accept"] = await next_message()
        accepted = report["accept"].get("message", {}).get("type") == "websocket.accept"
        for text in texts if accepted else []:
            await to_app.send({"type": "websocket.receive", "text": text})
            reply = {"sent": text, **await next_message()}
            report["replies"].append(reply)
            if reply.get("message", {}).get("type") != "websocket.send":
                break
        await to_app.send({"type": "websocket.disconnect", "code": 1000})
        with anyio.move_on_after(timeout):
            while True:
                try:
                    await from_app.receive()
                except anyio.EndOfStream:
                    break
        tasks.cancel_scope.cancel()
    return report


def websocket_conversation(context: Any, texts: list[str], timeout: float = 3.0) -> dict[str, Any]:
    """Talk ASGI to the app as a server would on a websocket to /ws, on the test client's event loop.

    Done by hand rather than with TestClient.websocket_connect, which waits forever when the
    app never answers (a middleware that swallows websocket scopes); here each wait is capped.
    Answers {"accept": outcome, "replies": [{"sent": text, **outcome}]}, where an outcome is
    {"message": …}, {"returned": what it raised or ""} or {"timed_out": true}; replies stop at
    the first that is not a websocket.send.
    """
    app, client = _app(context), context.client
    if client is None:
        raise ProbeError("websocket_conversation needs the test's `client` fixture (its lifespan started)")
    return client.portal.call(_websocket_conversation, app, client.app_state, texts, timeout)
