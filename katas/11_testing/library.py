"""Kata 11 · the app your tests check: a small library API. Leave this file as it is.

Your tests (test_library.py) import it as `library`. `pytest katas/11_testing` runs them
against this app, which works, and against broken copies of it, one hidden bug each.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, Field

# ---------------------------------------------------------------------------
# The real database: SQLite, one connection per request.
# ---------------------------------------------------------------------------

SEED_BOOKS = [
    ("Fluent Python", "Luciano Ramalho", 2015),
    ("Release It!", "Michael Nygard", 2007),
    ("Domain-Driven Design", "Eric Evans", 2003),
]


def database_path() -> str:
    """Where the real database lives: $LIBRARY_DB, else kata-library.db in the temporary folder."""
    return os.environ.get("LIBRARY_DB") or str(Path(tempfile.gettempdir()) / "kata-library.db")


class BookStore:
    """Books and loans in SQLite. A new database is created with the three SEED_BOOKS in it."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, check_same_thread=False)
        self.connection.row_factory = sqlite3.Row
        if self.connection.execute("PRAGMA user_version").fetchone()[0] == 0:
            self.connection.executescript(
                """
                CREATE TABLE IF NOT EXISTS books (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, author TEXT, year INTEGER);
                CREATE TABLE IF NOT EXISTS loans (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, book_id INTEGER, borrower TEXT);
                PRAGMA user_version = 1;
                """
            )
            self.connection.executemany("INSERT INTO books (title, author, year) VALUES (?, ?, ?)", SEED_BOOKS)
            self.connection.commit()

    def list_books(self, skip: int, limit: int) -> list[dict]:
        rows = self.connection.execute("SELECT * FROM books ORDER BY id LIMIT ? OFFSET ?", (limit, skip))
        return [dict(row) for row in rows]

    def get_book(self, book_id: int) -> dict | None:
        row = self.connection.execute("SELECT * FROM books WHERE id = ?", (book_id,)).fetchone()
        return dict(row) if row else None

    def add_book(self, title: str, author: str, year: int) -> dict:
        cursor = self.connection.execute(
            "INSERT INTO books (title, author, year) VALUES (?, ?, ?)", (title, author, year)
        )
        self.connection.commit()
        return {"id": cursor.lastrowid, "title": title, "author": author, "year": year}

    def delete_book(self, book_id: int) -> bool:
        cursor = self.connection.execute("DELETE FROM books WHERE id = ?", (book_id,))
        self.connection.commit()
        return cursor.rowcount > 0

    def add_loan(self, book_id: int, borrower: str) -> dict:
        cursor = self.connection.execute("INSERT INTO loans (book_id, borrower) VALUES (?, ?)", (book_id, borrower))
        self.connection.commit()
        return {"id": cursor.lastrowid, "book_id": book_id, "borrower": borrower}

    def list_loans(self, borrower: str | None = None) -> list[dict]:
        if borrower is None:
            rows = self.connection.execute("SELECT * FROM loans ORDER BY id")
        else:
            rows = self.connection.execute("SELECT * FROM loans WHERE borrower = ? ORDER BY id", (borrower,))
        return [dict(row) for row in rows]

    def close(self) -> None:
        self.connection.close()


def get_db() -> Iterator[BookStore]:
    """The database dependency: one BookStore per request, closed when the request is over."""
    store = BookStore(database_path())
    try:
        yield store
    finally:
        store.close()


# ---------------------------------------------------------------------------
# Who is asking: a bearer token, looked up in TOKENS.
# ---------------------------------------------------------------------------


class User(BaseModel):
    username: str
    role: Literal["member", "librarian"]
    password_hash: str


TOKENS = {
    "alice-token": User(username="alice", role="librarian", password_hash="scrypt$9f2c$alice-secret"),
    "bob-token": User(username="bob", role="member", password_hash="scrypt$41d7$bob-secret"),
}


def get_current_user(authorization: Annotated[str | None, Header()] = None) -> User:
    """The auth dependency: `Authorization: Bearer <token>` names the user, else 401."""
    scheme, _, token = (authorization or "").partition(" ")
    user = TOKENS.get(token) if scheme.lower() == "bearer" else None
    if user is None:
        raise HTTPException(status_code=401, detail="Not signed in", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_librarian(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.role != "librarian":
        raise HTTPException(status_code=403, detail="Librarians only")
    return user


# ---------------------------------------------------------------------------
# The API.
# ---------------------------------------------------------------------------


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1450, le=2100)


class Book(BookIn):
    id: int


class Page(BaseModel):
    skip: int
    limit: int
    items: list[Book]


class UserOut(BaseModel):
    username: str
    role: str


class LoanIn(BaseModel):
    book_id: int


class Loan(BaseModel):
    id: int
    book_id: int
    borrower: str


Store = Annotated[BookStore, Depends(get_db)]
CurrentUser = Annotated[User, Depends(get_current_user)]

app = FastAPI(title="Kata Library")


@app.get("/books", response_model=Page)
def list_books(
    store: Store,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:
    return {"skip": skip, "limit": limit, "items": store.list_books(skip, limit)}


@app.get("/books/{book_id}", response_model=Book)
def read_book(book_id: int, store: Store) -> dict:
    book = store.get_book(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return book


@app.post("/books", status_code=201, response_model=Book)
def add_book(book: BookIn, store: Store, librarian: Annotated[User, Depends(require_librarian)]) -> dict:
    return store.add_book(book.title, book.author, book.year)


@app.delete("/books/{book_id}", status_code=204, dependencies=[Depends(require_librarian)])
def delete_book(book_id: int, store: Store) -> None:
    if not store.delete_book(book_id):
        raise HTTPException(status_code=404, detail="Book not found")


@app.get("/users/me", response_model=UserOut)
def read_me(user: CurrentUser) -> User:
    return user


@app.post("/loans", status_code=201, response_model=Loan)
def borrow(loan: LoanIn, store: Store, user: CurrentUser) -> dict:
    if store.get_book(loan.book_id) is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return store.add_loan(loan.book_id, user.username)


@app.get("/loans", response_model=list[Loan])
def my_loans(store: Store, user: CurrentUser) -> list[dict]:
    return store.list_loans(user.username)
