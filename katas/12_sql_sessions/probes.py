"""Kata 12 probes: what the app does with its database, watched from beside it (never a learner file).

- ``traced_requests`` sends requests to the app as a server would (ASGI, on the test client's
  event loop) and records, in order, what SQLAlchemy did meanwhile: a session beginning a
  transaction (numbered, so a session seen in two requests is the same number), a commit, a
  rollback, a connection taken from the pool and given back, and the moment the response
  started. The listeners are SQLAlchemy's own events, on the classes, so they see whatever
  engine and session the learner made.
- ``fail_second_table`` / ``allow_writes`` make the database itself refuse a request halfway:
  triggers in the file that let a request write to one table, then refuse its first write to
  the other (``RAISE(ABORT)`` undoes only the refused statement, as a real constraint does;
  undoing the rest is the app's job).

They report what happened as plain data; the tests decide.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

RECORDING: dict[str, Any] = {"events": None, "sessions": []}
LOCK = threading.Lock()
INSTALLED: list[bool] = []


def _record(event: str) -> None:
    with LOCK:
        events = RECORDING["events"]
        if events is not None:
            events.append(event)


def _install_listeners() -> None:
    """SQLAlchemy's events on the classes, once per process; they record only while a probe traces."""
    if INSTALLED:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import Pool

    def began(session: Any, transaction: Any, connection: Any) -> None:
        with LOCK:
            if RECORDING["events"] is None:
                return
            known = RECORDING["sessions"]  # the sessions themselves: no id() reused by a new one
            number = next((i for i, s in enumerate(known) if s is session), None)
            if number is None:
                known.append(session)
                number = len(known) - 1
            RECORDING["events"].append(f"begin:{number + 1}")

    event.listen(Session, "after_begin", began)
    event.listen(Engine, "commit", lambda connection: _record("commit"))
    event.listen(Engine, "rollback", lambda connection: _record("rollback"))
    event.listen(Pool, "checkout", lambda dbapi, record, proxy: _record("checkout"))
    event.listen(Pool, "checkin", lambda dbapi, record: _record("checkin"))
    INSTALLED.append(True)


def traced_requests(context: Any, requests: list[list[Any]]) -> list[dict[str, Any]]:
    """Send each [method, path, json body or None]; for each, its status, body and the events during it.

    Events: "begin:N" (session N began a transaction), "commit", "rollback", "checkout",
    "checkin" (a pooled connection taken and given back), "response:STATUS" (the response started).
    """
    from graders.host.asgi import http_request
    from graders.host.session import ProbeError

    def started(status: int) -> None:
        _record(f"response:{status}")

    client = context.client
    if client is None:
        raise ProbeError("traced_requests needs the test's `client` fixture (its lifespan started)")
    _install_listeners()
    results = []
    with LOCK:
        RECORDING["sessions"] = []
    try:
        for method, path, body in requests:
            events: list[str] = []
            with LOCK:
                RECORDING["events"] = events
            answer = client.portal.call(http_request, context.app, client.app_state, method, path, body, started)
            with LOCK:
                RECORDING["events"] = None
            results.append({"status": answer["status"], "body": answer["body"][:500], "events": list(events), "error": answer.get("error")})
    finally:
        with LOCK:
            RECORDING["events"] = None
            RECORDING["sessions"] = []
    return results


# -- a database that refuses halfway ----------------------------------------------------------------

TRIGGERS = ("kata_count_accounts", "kata_count_transfers", "kata_refuse_accounts", "kata_refuse_transfers")


def fail_second_table(context: Any, database: str) -> dict[str, Any]:
    """From now on, a transaction that wrote to accounts or transfers is refused its first write to the other."""
    with sqlite3.connect(database) as db:
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS kata_writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL);
            INSERT OR REPLACE INTO kata_writes VALUES ('accounts', 0), ('transfers', 0);
            CREATE TRIGGER kata_count_accounts AFTER UPDATE ON accounts
                BEGIN UPDATE kata_writes SET n = n + 1 WHERE tbl = 'accounts'; END;
            CREATE TRIGGER kata_count_transfers AFTER INSERT ON transfers
                BEGIN UPDATE kata_writes SET n = n + 1 WHERE tbl = 'transfers'; END;
            CREATE TRIGGER kata_refuse_accounts BEFORE UPDATE ON accounts
                WHEN (SELECT n FROM kata_writes WHERE tbl = 'transfers') > 0
                BEGIN SELECT RAISE(ABORT, 'kata: the database refused this write'); END;
            CREATE TRIGGER kata_refuse_transfers BEFORE INSERT ON transfers
                WHEN (SELECT n FROM kata_writes WHERE tbl = 'accounts') > 0
                BEGIN SELECT RAISE(ABORT, 'kata: the database refused this write'); END;
            """
        )
    db.close()
    return {}


def allow_writes(context: Any, database: str) -> dict[str, Any]:
    """Remove what ``fail_second_table`` installed; {"writes": …} counts the writes it saw committed."""
    with sqlite3.connect(database) as db:
        committed = dict(db.execute("SELECT tbl, n FROM kata_writes").fetchall())
        for name in TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute("DROP TABLE kata_writes")
    db.close()
    return {"writes": committed}
