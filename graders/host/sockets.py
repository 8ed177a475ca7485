"""Websockets a kata's tests hold open to the learner's app, every wait capped, every answer plain data.

Two kinds, one vocabulary:

- ``AppSocket``: a websocket to the app itself, spoken in ASGI on the event loop of the
  test's ``TestClient`` (the scope is the one ``TestClient.websocket_connect`` builds, the
  lifespan state included). Starlette's own session waits forever for an app that never
  answers; here every wait has a limit, and once the client has gone the app's sends fail
  as they do under a real server.
- ``ServerSocket``: a websocket to a real server on 127.0.0.1, with the ``websockets`` client.

Both answer with events, plain dicts: ``{"type": "accept"}``, ``{"type": "text", "data": …}``,
``{"type": "bytes", "data": <base64>}``, ``{"type": "close", "code": …, "reason": …}``,
``{"type": "refused", "status": …}`` (the handshake was answered with HTTP),
``{"type": "returned", "error": …}`` (the app returned without closing; what it raised, or
"") and ``{"type": "timeout"}``. ``Sockets`` keeps a test's open ones by number, for the
declared operations of ``graders.host.session`` and ``graders.host.server``;
``WebSocketClient`` is what a test holds, whichever side performs the operations.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any, Protocol

from graders.host.loader import describe_exception


class ClientGone(OSError):
    """Raised into the app when it sends to a client that has disconnected (Uvicorn raises an OSError too)."""


class Socket(Protocol):
    def open(self, timeout: float) -> dict[str, Any]: ...
    def send_text(self, text: str) -> dict[str, Any]: ...
    def receive(self, timeout: float) -> dict[str, Any]: ...
    def close(self, code: int, timeout: float) -> None: ...
    def drop(self) -> None: ...


def _event(message: dict[str, Any]) -> dict[str, Any]:
    """An ASGI message from the app as an event."""
    kind = message.get("type")
    if kind == "websocket.accept":
        return {"type": "accept"}
    if kind == "websocket.send":
        if message.get("text") is not None:
            return {"type": "text", "data": str(message["text"])}
        return {"type": "bytes", "data": base64.b64encode(bytes(message.get("bytes") or b"")).decode("ascii")}
    if kind == "websocket.close":
        return {"type": "close", "code": int(message.get("code", 1000)), "reason": str(message.get("reason") or "")}
    if kind == "websocket.http.response.start":
        return {"type": "refused", "status": int(message.get("status", 0))}
    return {"type": "unexpected", "message": repr(message)[:300]}


class AppSocket:
    """One websocket to the app, on the TestClient's event loop."""

    def __init__(self, client: Any, path: str, headers: dict[str, str]) -> None:
        import anyio

        self.client = client
        self.app = client.app
        self.scope = client.websocket_connect(path, headers=dict(headers)).scope  # TestClient's own scope
        self.to_app, self._inbox = anyio.create_memory_object_stream(math.inf)
        self._outbox, self.from_app = anyio.create_memory_object_stream(math.inf)
        self.gone = False  # the client has disconnected: the app's sends now fail
        self.crash: list[BaseException] = []
        self.task: Future[Any] | None = None

    async def _run_app(self) -> None:
        try:
            await self.app(self.scope, self._inbox.receive, self._send)
        except Exception as exc:  # reported as what happened
            self.crash.append(exc)
        finally:
            self._outbox.close()

    async def _send(self, message: dict[str, Any]) -> None:
        if self.gone:
            raise ClientGone("the client has disconnected")
        await self._outbox.send(message)

    async def _next(self, timeout: float) -> dict[str, Any]:
        import anyio

        try:
            with anyio.fail_after(timeout):
                message = await self.from_app.receive()
        except anyio.EndOfStream:
            return {"type": "returned", "error": describe_exception(self.crash[0]) if self.crash else ""}
        except TimeoutError:
            return {"type": "timeout"}
        event = _event(message)
        if event["type"] == "refused":  # the rest of the denial response: its body
            with anyio.move_on_after(timeout):
                while message.get("type") != "websocket.http.response.body" or message.get("more_body"):
                    message = await self.from_app.receive()
        return event

    def open(self, timeout: float) -> dict[str, Any]:
        self.task = self.client.portal.start_task_soon(self._run_app)
        self.client.portal.call(self.to_app.send, {"type": "websocket.connect"})
        return self.client.portal.call(self._next, timeout)

    def send_text(self, text: str) -> dict[str, Any]:
        if self.gone:
            return {"type": "close", "code": 1006, "reason": "the test closed this websocket"}
        self.client.portal.call(self.to_app.send, {"type": "websocket.receive", "text": text})
        return {}

    def receive(self, timeout: float) -> dict[str, Any]:
        return self.client.portal.call(self._next, timeout)

    def close(self, code: int, timeout: float) -> None:
        """The client goes away and the app is told (``code`` 1006: the connection was lost); it gets ``timeout`` to finish."""
        self.gone = True
        try:
            self.client.portal.call(self.to_app.send, {"type": "websocket.disconnect", "code": code, "reason": ""})
        except Exception:  # noqa: BLE001 - the app already returned: nothing reads its inbox any more
            pass
        if self.task is not None and not wait([self.task], timeout).done:
            self.task.cancel()

    def drop(self) -> None:
        """The connection is dead but the app's handler has not heard yet: its next send to it fails.

        A server knows a connection is gone a moment before the handler reads the disconnect
        it queued; a broadcast from another handler can fall into that moment. Here the moment
        lasts until the test closes this socket (or the test ends).
        """
        self.gone = True


class ServerSocket:
    """One websocket to a server on 127.0.0.1, with the ``websockets`` client (the server's side is real)."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.url = f"ws://127.0.0.1:{port}{path}"
        self.headers = dict(headers)
        self.connection: Any = None
        self.dropped = False  # set by drop(): from then on this side knows the connection is gone

    def open(self, timeout: float) -> dict[str, Any]:
        from websockets.exceptions import InvalidHandshake, InvalidStatus
        from websockets.sync.client import connect

        try:
            self.connection = connect(  # held across operations, so not as a context manager: legacy=True
                self.url, additional_headers=self.headers, open_timeout=timeout, close_timeout=2, proxy=None, legacy=True
            )
        except InvalidStatus as exc:
            return {"type": "refused", "status": int(exc.response.status_code)}
        except TimeoutError:
            return {"type": "timeout"}
        except (InvalidHandshake, OSError) as exc:
            return {"type": "close", "code": 1006, "reason": describe_exception(exc)}
        return {"type": "accept"}

    def _closed(self) -> dict[str, Any]:
        received = getattr(self.connection, "close_rcvd", None)
        if received is None or self.dropped:
            return {"type": "close", "code": 1006, "reason": "the connection dropped without a close frame"}
        return {"type": "close", "code": int(received.code), "reason": str(received.reason)}

    def send_text(self, text: str) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        if self.dropped:
            return self._closed()
        try:
            self.connection.send(text)
        except ConnectionClosed:
            return self._closed()
        return {}

    def receive(self, timeout: float) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        if self.dropped:  # not left to the client's reader thread, which may not have seen the cut yet
            return self._closed()
        try:
            message = self.connection.recv(timeout=timeout)
        except TimeoutError:
            return {"type": "timeout"}
        except ConnectionClosed:
            return self._closed()
        if isinstance(message, str):
            return {"type": "text", "data": message}
        return {"type": "bytes", "data": base64.b64encode(message).decode("ascii")}

    def close(self, code: int, timeout: float) -> None:
        """A close handshake with ``code`` (1006: the connection cut with no close frame, as ``drop``)."""
        if self.connection is None:
            return
        if code == 1006:
            self.drop()
        else:
            self.connection.close(code)

    def drop(self) -> None:
        """Cut the TCP connection with no close frame, as a client whose network went away."""
        import socket

        if self.connection is None:
            return
        self.dropped = True
        try:
            self.connection.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.socket.close()


class Sockets:
    """A test's open websockets by number; the declared operations address them by it."""

    def __init__(self) -> None:
        self.open: dict[int, Socket] = {}
        self.count = 0

    def add(self, socket: Socket, timeout: float) -> dict[str, Any]:
        self.count += 1
        self.open[self.count] = socket
        return {"socket": self.count, "event": socket.open(timeout)}

    def get(self, number: int) -> Socket:
        if number not in self.open:
            from graders.host.session import ProbeError

            raise ProbeError(f"no websocket {number} is open")
        return self.open[number]

    def close(self, number: int, code: int, timeout: float) -> None:
        socket = self.open.pop(number, None)
        if socket is not None:
            socket.close(code, timeout)

    def drop(self, number: int) -> None:
        self.get(number).drop()  # kept: closing it later (or at the test's end) tells the app

    def close_all(self, timeout: float = 1.0) -> None:
        for number in list(self.open):
            try:
                self.close(number, 1000, timeout)
            except Exception:  # noqa: BLE001 - the end of a test: nothing left to report to
                pass


class WebSocketClient:
    """What a test holds: one websocket, through operations performed here or in the host.

    ``first`` is the event that answered the connection (``accepted`` when it was an
    accept); ``receive`` gives the next event, ``receive_json`` the next text as JSON (or the
    event, when it was not a text). Close it, or use it as a context manager.
    """

    def __init__(self, perform: Callable[..., Any], path: str, headers: dict[str, str] | None, timeout: float) -> None:
        self._perform = perform
        self.path = path
        opened = perform("open", path=path, headers=dict(headers or {}), timeout=timeout)
        self.number = int(opened["socket"])
        self.first: dict[str, Any] = opened["event"]
        self.closed = False

    @property
    def accepted(self) -> bool:
        return self.first.get("type") == "accept"

    def send_text(self, text: str) -> dict[str, Any]:
        """Send ``text``: {} when it went out, the close event when the connection is closed."""
        return self._perform("send", socket=self.number, text=text)

    def receive(self, timeout: float = 3.0) -> dict[str, Any]:
        return self._perform("receive", socket=self.number, timeout=timeout)

    def receive_json(self, timeout: float = 3.0) -> tuple[Any, dict[str, Any]]:
        """(the next text message as JSON, its event); (None, event) when it was no JSON text."""
        event = self.receive(timeout)
        if event.get("type") != "text":
            return None, event
        try:
            return json.loads(event["data"]), event
        except ValueError:
            return None, event

    def close(self, code: int = 1000, timeout: float = 3.0) -> None:
        """Leave (``code`` 1006: the connection was lost); the app then gets up to ``timeout`` to finish."""
        if not self.closed:
            self.closed = True
            self._perform("close", socket=self.number, code=code, timeout=timeout)

    def drop(self) -> None:
        """The connection dies without a word: to a server, the TCP connection is cut; to the app in
        the TestClient, its next send to this client fails before it has heard of the disconnect."""
        self._perform("drop", socket=self.number)

    def __enter__(self) -> WebSocketClient:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close(timeout=1.0)
        except Exception:  # noqa: BLE001 - the host may be gone; the test's own failure says more
            pass


def describe(event: dict[str, Any]) -> str:
    """An event in a few words, for a test's message."""
    kind = event.get("type")
    if kind == "accept":
        return "accepted"
    if kind == "text":
        return f"text {event['data']!r}"[:200]
    if kind == "bytes":
        return "binary data"
    if kind == "close":
        reason = f" ({event['reason']})" if event.get("reason") else ""
        return f"closed with code {event['code']}{reason}"
    if kind == "refused":
        return f"the handshake answered HTTP {event['status']}"
    if kind == "returned":
        return f"the app returned without closing{': ' + event['error'] if event.get('error') else ''}"
    if kind == "timeout":
        return "nothing in time"
    return str(event.get("message", event))
