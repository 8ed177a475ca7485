"""Kata 04 · what the tests do beside the learner's app: routes of their own, added to `app`.

Both probes add a route to the learner's main app (README: "the tests add a route of their own
to `app` with `app.add_api_route`"), which only code running beside the app can do. They report
what they did or what they found as plain data; the tests decide.
"""

from typing import Annotated, Any

from fastapi import Query
from starlette.testclient import TestClient

TAGGED_PATH = "/kata-test/tagged"
RAISES_PATH = "/kata-test/raises-item-not-found"


def _add_route(context: Any, path: str, endpoint: Any) -> str:
    """Add ``endpoint`` at ``path`` to the learner's app; what went wrong in one line, or ""."""
    app = context.app
    add_api_route = getattr(app, "add_api_route", None)
    if not callable(add_api_route):
        return f"`app` is a {type(app).__name__}, not a FastAPI app: the tests cannot add a route to it"
    try:
        add_api_route(path, endpoint)
    except Exception as exc:  # noqa: BLE001 - the learner's app refused it: say so, the test fails
        return f"{context.location(exc)}app.add_api_route({path!r}, …) raised {type(exc).__name__}: {exc}"
    return ""


def add_tagged_route(context: Any) -> dict[str, str]:
    """GET /kata-test/tagged?tags=…, tags: list[int] from the query: a loc deeper than one field.

    The test then calls it through its own `client`: {"path": …} or {"problem": "…"}.
    """

    def tagged(tags: Annotated[list[int], Query()]) -> list[int]:
        return tags

    problem = _add_route(context, TAGGED_PATH, tagged)
    return {"problem": problem} if problem else {"path": TAGGED_PATH}


def request_route_raising_item_not_found(context: Any, item_id: int) -> dict[str, Any]:
    """Add a route that raises the learner's ``ItemNotFound(item_id)``, call it, and report the answer.

    The request goes through a TestClient of the app that turns an unhandled exception into the
    500 a real server sends (as the test did before it ran apart from the app):
    {"status": …, "text": …, "json": … or None, "is_json": bool}, or {"problem": "…"}.
    """
    item_not_found = getattr(context.module, "ItemNotFound", None)
    if not (isinstance(item_not_found, type) and issubclass(item_not_found, Exception)):
        return {"problem": "the kata defines no exception class `ItemNotFound`"}

    def raises_item_not_found() -> None:
        raise item_not_found(item_id)

    problem = _add_route(context, RAISES_PATH, raises_item_not_found)
    if problem:
        return {"problem": problem}
    with TestClient(context.app, raise_server_exceptions=False) as client:
        response = client.get(RAISES_PATH)
    try:
        body, is_json = response.json(), True
    except ValueError:
        body, is_json = None, False
    return {"status": response.status_code, "text": response.text, "json": body, "is_json": is_json}
