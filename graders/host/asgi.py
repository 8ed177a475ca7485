"""One HTTP request spoken in ASGI, for probes that must see what happens around the response start.

A TestClient hands back the response only once the app has returned, background tasks and
teardowns included; a probe that needs to know what had happened *when the response
started* (a commit, an email sent) sends the request itself and is called back at that moment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graders.host.loader import describe_exception


async def http_request(
    app: Any, state: dict[str, Any], method: str, path: str, body: Any = None,
    on_start: Callable[[int], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Send one request with a JSON ``body`` (or none); {"status", "headers", "body" (text), "error"?}.

    ``on_start(status)`` is called when the app sends ``http.response.start``; ``state`` is
    the lifespan state (``TestClient.app_state``) each request gets a copy of.
    """
    content = b"" if body is None else json.dumps(body).encode()
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": raw_path, "raw_path": raw_path.encode(), "root_path": "", "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode())],
        "client": ("testclient", 50000), "server": ("testserver", 80), "state": dict(state),
    }  # fmt: skip
    delivered = False
    answer: dict[str, Any] = {"status": None, "headers": [], "body": ""}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = int(message["status"])
            answer["headers"] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
            if on_start is not None:
                on_start(answer["status"])
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    try:
        await app(scope, receive, send)
    except Exception as exc:  # noqa: BLE001 - what the app raised is reported, the test decides
        answer["error"] = describe_exception(exc)
    answer["body"] = b"".join(chunks).decode("utf-8", "replace")
    return answer
