"""Kata 05, the reference with the token read first: a missing X-Token is refused by its own dependency before get_db opens a connection (rule 1 asks one connection per request that needs the database)."""

from typing import Annotated

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
# The dependencies.
# ---------------------------------------------------------------------------


def get_db():
    # Key idea: code after `yield` is teardown. FastAPI runs it once the request is over,
    # and `finally` makes it run even when the route (or another dependency) raised.
    conn = pool.connect()
    try:
        yield conn
    finally:
        conn.close()


class Pagination:
    def __init__(
        self,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> None:
        self.skip = skip
        self.limit = limit


def token_header(x_token: Annotated[str | None, Header()] = None) -> str:
    if not x_token:
        raise HTTPException(status_code=401, detail="Invalid or missing token")
    return x_token


def get_current_user(
    x_token: Annotated[str, Depends(token_header)],
    conn: Annotated[Connection, Depends(get_db)],
) -> dict:
    user = conn.user_for_token(x_token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid or missing token")
    return user


@app.get("/books")
def list_books(
    page: Annotated[Pagination, Depends()],
    conn: Annotated[Connection, Depends(get_db)],
) -> dict:
    return {"skip": page.skip, "limit": page.limit, "items": conn.list_books(page.skip, page.limit)}


@app.get("/books/{book_id}")
def read_book(book_id: int, conn: Annotated[Connection, Depends(get_db)]) -> dict:
    book = conn.get_book(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return book


members = APIRouter(prefix="/members", dependencies=[Depends(get_current_user)])


@members.get("/")
def list_members(
    page: Annotated[Pagination, Depends()],
    conn: Annotated[Connection, Depends(get_db)],
) -> dict:
    return {"skip": page.skip, "limit": page.limit, "items": conn.list_members(page.skip, page.limit)}


@members.get("/me")
def read_me(user: Annotated[dict, Depends(get_current_user)]) -> dict:
    return user


app.include_router(members)
