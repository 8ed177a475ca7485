"""Kata 14 probes: what the outbox held when the response started (never a learner file).

A TestClient returns a response only after the background tasks have run, so it cannot tell
"sent after the response" from "sent before it". ``traced_request`` sends the request itself,
as a server would, and copies the given ``OUTBOX`` at the moment the response starts and again
once the app has returned. It reports; the tests decide.
"""

from __future__ import annotations

import copy
from typing import Any


def _outbox(context: Any) -> Any:
    from graders.host.session import LearnerError

    outbox = getattr(context.module, "OUTBOX", None)
    if not isinstance(outbox, dict):
        raise LearnerError("the graded file must keep the given `OUTBOX` dict")
    return outbox


def traced_request(context: Any, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """{"status", "headers", "body", "error"?, "outbox_at_start", "outbox_after"} for one request."""
    from graders.host.asgi import http_request
    from graders.host.session import ProbeError, to_json

    client = context.client
    if client is None:
        raise ProbeError("traced_request needs the test's `client` fixture (its lifespan started)")
    outbox = _outbox(context)
    seen: dict[str, Any] = {}

    def started(status: int) -> None:
        seen["outbox_at_start"] = copy.deepcopy(outbox)

    answer = client.portal.call(http_request, context.app, client.app_state, method, path, body, started)
    answer["outbox_at_start"] = to_json(seen.get("outbox_at_start"), "OUTBOX")
    answer["outbox_after"] = to_json(copy.deepcopy(outbox), "OUTBOX")
    return answer
