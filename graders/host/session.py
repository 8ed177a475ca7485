"""What a kata's tests may do to the learner's code: a small set of operations, JSON in and JSON out.

A test never touches the learner's module directly. It asks for a value, calls a function
with JSON arguments, puts an entry into a module-level dict, installs a fake from the
course's own ``probes.py`` as a dependency override, runs one of those probes, moves the
clock, or sends an HTTP request to the app. The same ``LearnerSession`` answers in both
modes: in the test process for a learner's ``pytest`` (``graders.judge.learner``), and in
a separate host process inside the sandbox for ``kata grade`` (``graders.host.server``),
where the test process sees nothing but the JSON it sends back.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from graders.host.loader import describe_exception, display_path, exception_location, import_graded_file
from graders.host.sockets import AppSocket, Sockets

PROBES_FILE = "probes.py"
JSON_DEPTH = 64


class LearnerError(Exception):
    """The learner's code could not answer an operation; ``str()`` says why in one line."""


class ProbeError(Exception):
    """A test asked for something the course does not declare (a course bug, not the learner's)."""


def to_json(value: Any, what: str, depth: int = 0) -> Any:
    """``value`` as plain JSON data, or a ``LearnerError`` naming what could not be read."""
    if depth > JSON_DEPTH:
        raise LearnerError(f"{what} nests deeper than the tests read")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LearnerError(f"{what} is {value!r}, which is not a JSON number")
        return float(value)
    if isinstance(value, list | tuple):
        return [to_json(item, f"{what}[{index}]", depth + 1) for index, item in enumerate(value)]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise LearnerError(f"{what} has a key {key!r} that is not text")
            result[key] = to_json(item, f"{what}[{key!r}]", depth + 1)
        return result
    raise LearnerError(f"{what} is a {type(value).__name__}, not plain data (text, numbers, lists, dicts)")


def kind_of(value: Any) -> str:
    """A learner-facing word for what a module-level name holds."""
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "function"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


@dataclass
class ProbeContext:
    """What a probe in the course's ``probes.py`` may use: the learner's module, its app, the client."""

    module: ModuleType
    kata_file: Path
    client: Any = None
    state: dict[str, Any] = field(default_factory=dict)  # what fakes record, read back by probes

    @property
    def app(self) -> Any:
        return getattr(self.module, "app", None)

    def location(self, exc: BaseException) -> str:
        """``stub.py:12: `` where ``exc`` passed through the learner's file, or nothing."""
        return exception_location(exc, self.kata_file)


class LearnerSession:
    """One fresh import of the learner's file and every operation a test may perform on it."""

    def __init__(self, kata_file: Path, probes_file: Path | None = None, module: ModuleType | None = None) -> None:
        """``module``: the file already imported, untouched since (a test's fork of a warm import)."""
        self.kata_file = kata_file
        self.module = module if module is not None else import_graded_file(kata_file)  # KataImportError: one line
        self.context = ProbeContext(self.module, kata_file)
        self.probes = load_probes(probes_file) if probes_file and probes_file.is_file() else None
        self._traveller: Any = None
        self._clock: Any = None
        self.sockets = Sockets()

    # -- the dispatcher both transports use ---------------------------------------

    def perform(self, op: str, args: dict[str, Any]) -> Any:
        """Run operation ``op`` with JSON ``args``; the answer is JSON or a ``LearnerError``."""
        handler: Callable[..., Any] | None = getattr(self, f"op_{op}", None) if op.isidentifier() else None
        if handler is None:
            raise ProbeError(f"no operation {op!r}")
        return handler(**args)

    # -- module-level values -------------------------------------------------------

    def _get(self, name: str) -> Any:
        if not name.isidentifier() or name.startswith("__"):
            raise ProbeError(f"{name!r} is not a module-level name the tests may read")
        if not hasattr(self.module, name):
            raise LearnerError(f"{display_path(self.kata_file)} defines no `{name}`")
        return getattr(self.module, name)

    def op_kind(self, name: str) -> str:
        """What ``name`` is ("function", "class", "dict", "text", …), or "missing"."""
        try:
            return kind_of(self._get(name))
        except LearnerError:
            return "missing"

    def op_value(self, name: str) -> Any:
        return to_json(self._get(name), f"`{name}`")

    def op_call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        function = self._get(name)
        if not callable(function):
            raise LearnerError(f"`{name}` in {display_path(self.kata_file)} is not a function")
        try:
            result = function(*args, **kwargs)
        except Exception as exc:
            raise LearnerError(f"{self.context.location(exc)}{name}(…) raised {describe_exception(exc)}") from None
        return to_json(result, f"what {name}() returned")

    def op_set_item(self, name: str, keys: list[Any], value: Any) -> None:
        """``name[k1][k2]… = value`` on a module-level dict (the last key may be new)."""
        target = self._get(name)
        shown = name
        for key in keys[:-1]:
            try:
                target = target[key]
            except (KeyError, IndexError, TypeError):
                raise LearnerError(f"{shown} has no entry {key!r}") from None
            shown += f"[{key!r}]"
        try:
            target[keys[-1]] = value
        except TypeError:
            raise LearnerError(f"{shown} is a {type(target).__name__}, which cannot take entries") from None

    # -- the app -------------------------------------------------------------------

    def _app(self) -> Any:
        app = getattr(self.module, "app", None)
        if app is None:
            raise LearnerError(f"{display_path(self.kata_file)} defines no `app`")
        return app

    def op_override(self, dependency: str, fake: str, args: list[Any]) -> None:
        """``app.dependency_overrides[module.<dependency>] = probes.<fake>(context, *args)``."""
        target = self._get(dependency)
        overrides = getattr(self._app(), "dependency_overrides", None)
        if not isinstance(overrides, dict):
            raise LearnerError("`app` has no dependency_overrides: is it a FastAPI app?")
        probe = self._probe(fake)
        try:
            overrides[target] = probe(self.context, *args)
        except Exception as exc:
            raise LearnerError(f"{self.context.location(exc)}setting up the fake {fake} failed: {describe_exception(exc)}") from None

    def op_clear_overrides(self) -> None:
        overrides = getattr(getattr(self.module, "app", None), "dependency_overrides", None)
        if isinstance(overrides, dict):
            overrides.clear()

    def op_probe(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run ``probes.<name>(context, *args, **kwargs)``: a check the course wrote, beside the app."""
        probe = self._probe(name)
        try:
            result = probe(self.context, *args, **kwargs)
        except (LearnerError, ProbeError):
            raise
        except Exception as exc:
            raise LearnerError(f"{self.context.location(exc)}{describe_exception(exc)}") from None
        return to_json(result, f"probe {name}")

    def _probe(self, name: str) -> Callable[..., Any]:
        found = getattr(self.probes, name, None) if self.probes and not name.startswith("_") else None
        if not callable(found):
            raise ProbeError(f"the kata's {PROBES_FILE} has no probe {name!r}")
        return found

    def op_open_client(self) -> None:
        """A TestClient for ``app`` with its lifespan started, as a test's ``client`` fixture has."""
        from starlette.testclient import TestClient

        app = self._app()
        if not callable(app):
            raise LearnerError(f"`app` in {display_path(self.kata_file)} is not an ASGI app")
        client = TestClient(app)
        try:
            client.__enter__()
        except Exception as exc:
            raise LearnerError(
                f"{self.context.location(exc)}starting the app (its lifespan startup) failed: {describe_exception(exc)}"
            ) from None
        self.context.client = client

    def op_close_client(self) -> None:
        self.sockets.close_all()
        client, self.context.client = self.context.client, None
        if client is not None:
            client.__exit__(None, None, None)

    def op_http(self, method: str, url: str, headers: list[list[str]], body: str) -> dict[str, Any]:
        """One request through the session's TestClient; the response as JSON (the body in base64)."""
        client = self.context.client
        if client is None:
            raise ProbeError("no client is open: the test asked for HTTP without the client fixture")
        client.cookies.clear()  # the test's own client keeps the cookies
        try:
            request = client.build_request(method, url, headers=[(k, v) for k, v in headers], content=base64.b64decode(body))
            response = client.send(request, stream=True, follow_redirects=False)
            try:
                raw = b"".join(response.iter_raw())  # as sent: a gzip body stays gzip, as its headers say
            finally:
                response.close()
        except Exception as exc:
            raise LearnerError(f"{self.context.location(exc)}{describe_exception(exc)}") from None
        return {
            "status": response.status_code,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.headers.raw],
            "body": base64.b64encode(raw).decode("ascii"),
        }

    # -- websockets to the app ------------------------------------------------------

    def op_ws_open(self, path: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
        """Open a websocket to ``path`` on the session's TestClient: {"socket": n, "event": how the app answered}."""
        client = self.context.client
        if client is None:
            raise ProbeError("no client is open: a websocket to the app needs the client fixture")
        if not path.startswith("/"):
            raise ProbeError(f"a websocket path starts with /, got {path!r}")
        try:
            socket = AppSocket(client, path, headers)
        except Exception as exc:
            raise LearnerError(f"{self.context.location(exc)}{describe_exception(exc)}") from None
        return self.sockets.add(socket, timeout)

    def op_ws_send(self, socket: int, text: str) -> dict[str, Any]:
        return self.sockets.get(socket).send_text(text)

    def op_ws_receive(self, socket: int, timeout: float) -> dict[str, Any]:
        return self.sockets.get(socket).receive(timeout)

    def op_ws_close(self, socket: int, code: int, timeout: float) -> None:
        self.sockets.close(socket, code, timeout)

    def op_ws_drop(self, socket: int) -> None:
        self.sockets.drop(socket)

    # -- the clock -----------------------------------------------------------------

    def op_clock(self, timestamp: float | None) -> None:
        """Stop time at ``timestamp`` (seconds since the epoch), move it there, or let it run again (None)."""
        import time_machine

        if timestamp is None:
            if self._traveller is not None:
                self._traveller.stop()
            self._traveller = self._clock = None
            return
        when = datetime.fromtimestamp(timestamp, timezone.utc)
        if self._traveller is None:
            self._traveller = time_machine.travel(when, tick=False)
            self._clock = self._traveller.start()
        else:
            self._clock.move_to(when)

    def close(self) -> None:
        """End the session: the client's lifespan, the clock, overrides."""
        try:
            self.op_close_client()
        finally:
            self.op_clear_overrides()
            self.op_clock(None)


def load_probes(path: Path) -> ModuleType:
    """The course's ``probes.py`` of a kata, imported under a name of its own."""
    name = f"kata_probes_{path.parent.name}"
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProbeError(f"{path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def round_trip(value: Any) -> Any:
    """``value`` as it would arrive over the wire: learner mode answers exactly as classroom mode."""
    return json.loads(json.dumps(value))
