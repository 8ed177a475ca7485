"""The one API a kata's tests use to reach the learner's code, the same in both modes.

- ``Learner``: the declared operations of ``graders.host.session`` (a value, a call, an
  entry in a dict, a dependency override with a fake from the course's ``probes.py``, a
  probe). ``LocalLearner`` performs them in this process (a learner's ``pytest``);
  ``RemoteLearner`` asks the host process (``kata grade``). Both send arguments and
  answers through JSON, so a test sees exactly the same values either way.
- ``Clock``: stops and moves time for the test and for the app alike.
- ``RemoteServer``: a Uvicorn or Gunicorn the host started, with the same methods as
  ``graders.host.servers.ServerProcess``; tests talk to either through ``server.client()``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from graders.host.servers import ServerError
from graders.host.session import LearnerSession, round_trip
from graders.host.sockets import WebSocketClient
from graders.judge.channel import AppTransport, AsyncServerTransport, HostChannel, ServerTransport


class Learner:
    """What a test may ask of the learner's module; subclasses say where the answer comes from."""

    def _perform(self, op: str, **args: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def kind(self, name: str) -> str:
        """What ``name`` is in the learner's module: "function", "class", "dict", "text", … or "missing"."""
        return str(self._perform("kind", name=name))

    def has(self, name: str) -> bool:
        return self.kind(name) != "missing"

    def value(self, name: str) -> Any:
        """A module-level value as plain data (``LearnerError`` when it is missing or not plain data)."""
        return self._perform("value", name=name)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a module-level function with plain-data arguments; its answer as plain data."""
        return self._perform("call", name=name, args=list(args), kwargs=kwargs)

    def set_item(self, name: str, *keys: Any, value: Any) -> None:
        """``name[keys[0]][keys[1]]… = value`` on a module-level dict."""
        self._perform("set_item", name=name, keys=list(keys), value=value)

    def override(self, dependency: str, fake: str, *args: Any) -> None:
        """Override the app's ``dependency`` with the fake ``probes.<fake>(context, *args)`` builds."""
        self._perform("override", dependency=dependency, fake=fake, args=list(args))

    def clear_overrides(self) -> None:
        self._perform("clear_overrides")

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``probes.<name>`` beside the app (middleware stack, a lifespan, a websocket, …)."""
        return self._perform("probe", name=name, args=list(args), kwargs=kwargs)

    def websocket(self, path: str, headers: dict[str, str] | None = None, timeout: float = 3.0) -> WebSocketClient:
        """A websocket to ``path`` on the app, through the ``client`` fixture's TestClient (request that fixture too)."""
        return WebSocketClient(lambda op, **args: self._perform(f"ws_{op}", **args), path, headers, timeout)


class LocalLearner(Learner):
    """Operations performed in this process, answers passed through JSON as they would cross the wire."""

    def __init__(self, session: LearnerSession) -> None:
        self.session = session

    def _perform(self, op: str, **args: Any) -> Any:
        return round_trip(self.session.perform(op, round_trip(args)))


class RemoteLearner(Learner):
    """Operations performed by the host process; this process sees only its JSON answers."""

    def __init__(self, channel: HostChannel) -> None:
        self.channel = channel

    def _perform(self, op: str, **args: Any) -> Any:
        return self.channel.call(op, **args)


# -- the clock ----------------------------------------------------------------------------


class Clock:
    """Time stopped and moved for the test (and, in learner mode, the app in the same process)."""

    def __init__(self) -> None:
        self._traveller: Any = None
        self._moved: Any = None

    @contextmanager
    def travel(self, when: datetime) -> Iterator[Clock]:
        """Stop time at ``when`` for the block; ``move_to`` moves it on."""
        import time_machine

        self._traveller = time_machine.travel(when, tick=False)
        self._moved = self._traveller.start()
        self._also(when)
        try:
            yield self
        finally:
            self._traveller.stop()
            self._traveller = self._moved = None
            self._also(None)

    def move_to(self, when: datetime) -> None:
        self._moved.move_to(when)
        self._also(when)

    def _also(self, when: datetime | None) -> None:
        """Where the app runs elsewhere, move its clock too."""


class RemoteClock(Clock):
    """The test's clock and the host's, moved together."""

    def __init__(self, channel: HostChannel) -> None:
        super().__init__()
        self.channel = channel

    def _also(self, when: datetime | None) -> None:
        self.channel.call("clock", timestamp=when.timestamp() if when is not None else None)


# -- servers the host started -------------------------------------------------------------


class _RemoteProcess:
    """``server.process`` of a server in the host: its pid (in the host) and whether it has exited."""

    def __init__(self, server: RemoteServer, pid: int) -> None:
        self.server, self.pid = server, pid

    def poll(self) -> int | None:
        code = self.server.channel.call("serve_poll", id=self.server.id)
        return int(code) if isinstance(code, int) else None


class RemoteServer:
    """A server running beside the learner's code, reached through the host."""

    def __init__(self, channel: HostChannel, id: int, port: int, pid: int) -> None:
        self.channel, self.id, self.port = channel, id, port
        self.process = _RemoteProcess(self, pid)
        self.stopped = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return str(self.channel.call("serve_output", id=self.id))

    def last_lines(self, count: int = 6) -> str:
        lines = [line for line in self.output().splitlines() if line.strip()]
        return "\n".join(lines[-count:]) or "(it printed nothing)"

    def wait_ready(self, path: str = "/", timeout: float = 15.0) -> None:
        self.channel.call("serve_wait_ready", id=self.id, path=path, timeout=timeout)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        if self.stopped:
            return None
        self.stopped = True
        code = self.channel.call("serve_stop", id=self.id, signal_number=int(sig), timeout=timeout)
        return int(code) if isinstance(code, int) else None

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` for this server (``base_url`` set; other arguments as httpx takes them)."""
        timeout = float(kwargs.pop("timeout", 30.0) or 30.0)
        kwargs.pop("limits", None)  # each forwarded request has a connection of its own
        return httpx.Client(base_url=self.url, transport=ServerTransport(self.channel, self.port, timeout), timeout=timeout, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        timeout = float(kwargs.pop("timeout", 30.0) or 30.0)
        kwargs.pop("limits", None)
        transport = AsyncServerTransport(self.channel, self.port, timeout)
        return httpx.AsyncClient(base_url=self.url, transport=transport, timeout=timeout, **kwargs)

    def websocket(self, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> WebSocketClient:
        """A websocket to ``path`` on this server, opened by the host with the ``websockets`` client."""
        return WebSocketClient(lambda op, **args: self.channel.call(f"serve_ws_{op}", id=self.id, **args), path, headers, timeout)


def start_remote_server(
    channel: HostChannel, command: list[str] | None, env: dict[str, str], cwd: str | None,
    ready_path: str | None, timeout: float, unset: list[str] | None = None,
) -> RemoteServer:  # fmt: skip
    answer = channel.call(
        "serve_start", command=command, env=env, cwd=cwd, ready_path=ready_path, timeout=timeout, unset=unset or []
    )
    if not isinstance(answer, dict):
        raise ServerError("the learner's process did not say which server it started")
    return RemoteServer(channel, int(answer["id"]), int(answer["port"]), int(answer["pid"]))


@dataclass
class HostAccess:
    """How this test process reaches a host: its channel, and where the host sees the grading folder."""

    channel: HostChannel
    runner_root: str  # the grading folder as this process sees it
    host_root: str  # the same files as the host sees them

    def translate(self, text: str) -> str:
        """A path (or any argument holding one) of this process, as the host must say it."""
        return text.replace(self.runner_root, self.host_root) if self.runner_root else text


def app_client(channel: HostChannel) -> httpx.Client:
    """The ``client`` fixture in classroom mode: requests run by the host's TestClient for the app."""
    return httpx.Client(base_url="http://testserver", transport=AppTransport(channel), follow_redirects=True)


def environment_changes(start: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What the test changed in ``os.environ`` since ``start`` (set, removed): the host applies the same."""
    now = dict(os.environ)
    changed = {k: v for k, v in now.items() if start.get(k) != v}
    return changed, [k for k in start if k not in now]
