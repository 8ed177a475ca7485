"""Kata 05 · Dependency injection: Depends(), yield, caching and overrides.

The task is in README.md next to this file. Grade it with:  pytest katas/05_dependencies
"""

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query

# ---------------------------------------------------------------------------
# Given: a pretend database. Leave this part as it is; the tests rely on it.
# ---------------------------------------------------------------------------

BOOKS = [
    {"id": 1, "title": "Structure and Interpretation of Computer Programs"},
    {"id": 2, "title": "The Pragmatic Programmer"},
    {"id": 3, "title": "Designing Data-Intensive Applications"},
    {"id": 4, "title": "Clean Code"},
    {"id": 5, "title": "Refactoring"},
    {"id": 6, "title": "Code Complete"},
    {"id": 7, "title": "The Mythical Man-Month"},
    {"id": 8, "title": "Fluent Python"},
    {"id": 9, "title": "Introduction to Algorithms"},
    {"id": 10, "title": "Domain-Driven Design"},
    {"id": 11, "title": "Working Effectively with Legacy Code"},
    {"id": 12, "title": "Release It!"},
]

USERS = {
    "alice-token": {"username": "alice", "role": "librarian"},
    "bob-token": {"username": "bob", "role": "member"},
    "carol-token": {"username": "carol", "role": "member"},
}


class Connection:
    """One open connection. Every method refuses to work once it is closed."""

    def __init__(self, pool: "Pool", number: int) -> None:
        self.pool = pool
        self.number = number
        self.is_open = True

    def _check_open(self) -> None:
        if not self.is_open:
            raise RuntimeError(f"connection {self.number} is already closed")

    def list_books(self, skip: int, limit: int) -> list[dict]:
        self._check_open()
        return [dict(book) for book in BOOKS[skip : skip + limit]]

    def get_book(self, book_id: int) -> dict | None:
        self._check_open()
        return next((dict(book) for book in BOOKS if book["id"] == book_id), None)

    def list_members(self, skip: int, limit: int) -> list[str]:
        self._check_open()
        return sorted(user["username"] for user in USERS.values())[skip : skip + limit]

    def user_for_token(self, token: str) -> dict | None:
        self._check_open()
        user = USERS.get(token)
        return dict(user) if user else None

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            self.pool.closed += 1


class Pool:
    """Hands out connections and counts how many were opened and closed."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0

    def connect(self) -> Connection:
        self.opened += 1
        return Connection(self, self.opened)


pool = Pool()

app = FastAPI(title="Kata Library")


@app.get("/debug/connections")
def debug_connections() -> dict[str, int]:
    """How many connections were opened and closed since the app started (uses no connection itself)."""
    return {"opened": pool.opened, "closed": pool.closed}


# ---------------------------------------------------------------------------
# Your part.
# ---------------------------------------------------------------------------


def get_db():
    # TODO: open a connection with pool.connect(), hand it out with `yield`,
    #       and close it afterwards, even when the route raises an exception.
    raise NotImplementedError


class Pagination:
    # TODO: a class dependency: skip (a query parameter, 0 or more, default 0) and
    #       limit (a query parameter, 1 to 50, default 10) stored as self.skip and self.limit.
    pass


def get_current_user():
    # TODO: depend on get_db, read the X-Token header, and answer 401
    #       {"detail": "Invalid or missing token"} unless conn.user_for_token(token) finds a user.
    raise NotImplementedError


# TODO: GET /books → {"skip": ..., "limit": ..., "items": [...]}, paginated, through get_db.

# TODO: GET /books/{book_id} → the book, or 404 {"detail": "Book not found"}.

# TODO: an APIRouter with prefix "/members" that requires get_current_user for every route:
#   GET /members/    → {"skip": ..., "limit": ..., "items": [usernames]}, paginated, through get_db;
#   GET /members/me  → the current user.
# Then include it in app.
