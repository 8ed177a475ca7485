"""Kata 05, a second solution: async dependencies, plain defaults, a function for pagination."""

from dataclasses import dataclass

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


async def get_db():
    conn = pool.connect()
    try:
        yield conn
    finally:
        conn.close()


@dataclass
class Page:
    skip: int
    limit: int


async def pagination(skip: int = Query(0, ge=0), limit: int = Query(10, ge=1, le=50)) -> Page:
    return Page(skip=skip, limit=limit)


async def get_current_user(x_token: str | None = Header(None), conn=Depends(get_db)) -> dict:
    if not x_token or (user := conn.user_for_token(x_token)) is None:
        raise HTTPException(401, "Invalid or missing token")
    return user


@app.get("/books")
async def books(page: Page = Depends(pagination), conn=Depends(get_db)):
    return {**page.__dict__, "items": conn.list_books(page.skip, page.limit)}


@app.get("/books/{book_id}")
async def book(book_id: int, conn=Depends(get_db)):
    found = conn.get_book(book_id)
    if not found:
        raise HTTPException(404, "Book not found")
    return found


router = APIRouter()


@router.get("")
async def members(page: Page = Depends(pagination), conn=Depends(get_db)):
    return {"skip": page.skip, "limit": page.limit, "items": conn.list_members(page.skip, page.limit)}


@router.get("/me")
async def me(user: dict = Depends(get_current_user)):
    return user


app.include_router(router, prefix="/members", dependencies=[Depends(get_current_user)])
