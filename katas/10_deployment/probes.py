"""Kata 10 · what the tests do beside the learner's app: requests around its lifespan.

Readiness is about *when* a request arrives: before start-up has run, while the app runs,
after shutdown. Only code running beside the app can hold a client whose lifespan has not
started, or keep one after it ended, so this probe does it and reports each answer as plain
data; the tests decide.
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.testclient import TestClient

from graders.host.loader import describe_exception, display_path

# Recomputed by the test's own httpx.Response; an encoded body arrives here already decoded.
DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


def _answer(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    return {
        "path": path,
        "status": response.status_code,
        "headers": [
            [k.decode("latin-1"), v.decode("latin-1")]
            for k, v in response.headers.raw
            if k.decode("latin-1").lower() not in DROPPED_HEADERS
        ],
        "body": base64.b64encode(response.content).decode("ascii"),
    }


def requests_around_lifespan(
    context: Any, before: list[str], during: list[str], after: list[str]
) -> dict[str, Any]:
    """GET each path of ``before`` through a TestClient of the app whose lifespan has not run; then,
    when ``during`` or ``after`` is given, start the lifespan on another TestClient (``with``), GET
    each path of ``during``, leave the block (shutdown runs) and GET each path of ``after`` on it.

    {"before": [answer…], "during": […], "after": […]} with each answer {"path", "status",
    "headers", "body" (base64)}, or {"problem": "…"} naming the step that raised.
    """
    app = context.app
    if app is None:
        return {"problem": f"{display_path(context.kata_file)} defines no `app`"}
    if not callable(app):
        return {"problem": f"`app` in {display_path(context.kata_file)} is not an ASGI app"}
    answers: dict[str, list[dict[str, Any]]] = {"before": [], "during": [], "after": []}
    step = "before start-up"
    path = ""
    try:
        not_started = TestClient(app)  # not entered: the lifespan has not run
        for path in before:
            answers["before"].append(_answer(not_started, path))
        if during or after:
            path = ""
            step = "at start-up (the lifespan)"
            with TestClient(app) as running:
                step = "after start-up"
                for path in during:
                    answers["during"].append(_answer(running, path))
                path = ""
                step = "at shutdown (the lifespan)"
            step = "after shutdown"
            for path in after:
                answers["after"].append(_answer(running, path))
    except Exception as exc:  # noqa: BLE001 - the learner's app raised: report it, the test fails
        sent = f"GET {path} {step}" if path else step
        return {"problem": f"{context.location(exc)}{sent} raised {describe_exception(exc)}"}
    return answers
