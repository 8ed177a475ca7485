"""Kata 05 · the fakes the tests swap in for the README's contract, get_db and get_current_user.

A fake must run beside the app: FastAPI calls it in place of the learner's dependency, and the
route then calls methods on the connection it yields. The fake connection records every call
into ``context.state``; ``db_calls`` reads them back as plain data. The tests decide.
"""

import operator
from typing import Any

DB_CALLS = "db_calls"


# A book the real data has and the fake has not: a route that checks BOOKS answers it, one
# that asks its connection answers 404.
MISSING_BOOK = 4


class FakeConnection:
    """Stands in for the real Connection: same methods, different data, every call recorded.

    It knows every book id but MISSING_BOOK (each titled "Served by the override"), one member
    ("zed") and one token ("zed-token"), so an answer shows which store it came from.
    """

    def __init__(self, calls: list[list[Any]]) -> None:
        self.calls = calls

    def list_books(self, skip: int, limit: int) -> list[dict]:
        self.calls.append(["list_books", skip, limit])
        return [{"id": 900 + skip, "title": "Served by the override"}]

    def get_book(self, book_id: int) -> dict | None:
        self.calls.append(["get_book", book_id])
        return None if book_id == MISSING_BOOK else {"id": book_id, "title": "Served by the override"}

    def list_members(self, skip: int, limit: int) -> list[str]:
        self.calls.append(["list_members", skip, limit])
        return ["zed"]

    def user_for_token(self, token: str) -> dict | None:
        self.calls.append(["user_for_token", token])
        return {"username": "zed", "role": "tester"} if token == "zed-token" else None


def fake_db(context: Any) -> Any:
    """The override for get_db: a generator dependency yielding one FakeConnection for the test."""
    fake = FakeConnection(context.state.setdefault(DB_CALLS, []))

    def fake_get_db():
        yield fake

    return fake_get_db


def fake_user(context: Any, user: dict) -> Any:
    """The override for get_current_user: it answers ``user`` whatever the request carries."""

    def fake_get_current_user() -> dict:
        return user

    return fake_get_current_user


def _plain(value: Any) -> Any:
    """A recorded argument as plain data: what JSON carries as it is, anything else as its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    try:  # an integer of another type (an IntEnum, numpy's int64) compares as one
        return operator.index(value)
    except TypeError:
        return repr(value)


def db_calls(context: Any) -> list[list[Any]]:
    """Every call the fake connection received, in order: ["list_books", skip, limit], …"""
    return [[_plain(part) for part in call] for call in context.state.get(DB_CALLS, [])]
