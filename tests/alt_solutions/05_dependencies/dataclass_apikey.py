"""Kata 05, written from the README alone: a dataclass for pagination, an API-key security scheme
for X-Token, async routes with response models, and the router's guard given at include time."""

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query

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
# Mine.
# ---------------------------------------------------------------------------

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi.security import APIKeyHeader
from pydantic import BaseModel


def get_db() -> Iterator[Connection]:
    connection = pool.connect()
    try:
        yield connection
    finally:
        connection.close()


Db = Annotated[Connection, Depends(get_db)]


@dataclass
class Pagination:
    skip: Annotated[int, Query(ge=0)] = 0
    limit: Annotated[int, Query(ge=1, le=50)] = 10


Page = Annotated[Pagination, Depends()]

token_header = APIKeyHeader(name="X-Token", auto_error=False)


class User(BaseModel):
    username: str
    role: str


async def get_current_user(db: Db, token: Annotated[str | None, Depends(token_header)]) -> User:
    found = db.user_for_token(token) if token else None
    if not found:
        raise HTTPException(401, "Invalid or missing token")
    return User(**found)


class Book(BaseModel):
    id: int
    title: str


class BookPage(BaseModel):
    skip: int
    limit: int
    items: list[Book]


class MemberPage(BaseModel):
    skip: int
    limit: int
    items: list[str]


@app.get("/books", response_model=BookPage)
async def books(page: Page, db: Db):
    return BookPage(skip=page.skip, limit=page.limit, items=db.list_books(page.skip, page.limit))


@app.get("/books/{book_id}", response_model=Book)
async def book(book_id: int, db: Db):
    if (found := db.get_book(book_id)) is None:
        raise HTTPException(404, "Book not found")
    return found


router = APIRouter()


@router.get("/", response_model=MemberPage)
async def members(page: Page, db: Db):
    return {"skip": page.skip, "limit": page.limit, "items": db.list_members(page.skip, page.limit)}


@router.get("/me")
async def me(user: Annotated[User, Depends(get_current_user)]) -> dict:
    return user.model_dump() if isinstance(user, User) else user


app.include_router(router, prefix="/members", dependencies=[Depends(get_current_user)])
