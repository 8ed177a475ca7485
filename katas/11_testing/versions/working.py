"""Kata 11 · the library app written a second way: library.py's behaviour, other code.

A learner's tests must pass against this version too, so they check what the app does, not
how library.py happens to be written. Every broken version is this file with one change
(bugs.toml). Never handed to the learner's tests whole in classroom mode: see test_kata.py.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, status
from pydantic import BaseModel, Field

SEED_BOOKS = [
    ("Fluent Python", "Luciano Ramalho", 2015),
    ("Release It!", "Michael Nygard", 2007),
    ("Domain-Driven Design", "Eric Evans", 2003),
]
SCHEMA = """
CREATE TABLE IF NOT EXISTS books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, author TEXT, year INTEGER);
CREATE TABLE IF NOT EXISTS loans (id INTEGER PRIMARY KEY AUTOINCREMENT, book_id INTEGER, borrower TEXT);
PRAGMA user_version = 1;
"""
NOT_FOUND = "Book not found"


def database_path() -> str:
    configured = os.environ.get("LIBRARY_DB", "")
    return configured if configured else os.path.join(tempfile.gettempdir(), "kata-library.db")


class BookStore:
    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, check_same_thread=False)
        self.connection.row_factory = lambda cursor, row: {c[0]: v for c, v in zip(cursor.description, row)}
        (version,) = self.connection.execute("PRAGMA user_version").fetchone().values()
        if not version:
            self.connection.executescript(SCHEMA)
            self._write("INSERT INTO books (title, author, year) VALUES (?, ?, ?)", *SEED_BOOKS)

    def _write(self, sql: str, *rows: tuple) -> sqlite3.Cursor:
        cursor = self.connection.cursor()
        for row in rows:
            cursor.execute(sql, row)
        self.connection.commit()
        return cursor

    def _read(self, sql: str, *args: object) -> list[dict]:
        return self.connection.execute(sql, args).fetchall()

    def list_books(self, skip: int, limit: int) -> list[dict]:
        return self._read("SELECT id, title, author, year FROM books ORDER BY id LIMIT ? OFFSET ?", limit, skip)

    def get_book(self, book_id: int) -> dict | None:
        found = self._read("SELECT id, title, author, year FROM books WHERE id = ?", book_id)
        return found[0] if found else None

    def add_book(self, title: str, author: str, year: int) -> dict:
        cursor = self._write("INSERT INTO books (title, author, year) VALUES (?, ?, ?)", (title, author, year))
        return dict(id=cursor.lastrowid, title=title, author=author, year=year)

    def delete_book(self, book_id: int) -> bool:
        return self._write("DELETE FROM books WHERE id = ?", (book_id,)).rowcount == 1

    def add_loan(self, book_id: int, borrower: str) -> dict:
        cursor = self._write("INSERT INTO loans (book_id, borrower) VALUES (?, ?)", (book_id, borrower))
        return dict(id=cursor.lastrowid, book_id=book_id, borrower=borrower)

    def list_loans(self, borrower: str | None = None) -> list[dict]:
        if borrower is not None:
            return self._read("SELECT id, book_id, borrower FROM loans WHERE borrower = ? ORDER BY id", borrower)
        return self._read("SELECT id, book_id, borrower FROM loans ORDER BY id")

    def close(self) -> None:
        self.connection.close()


def get_db():
    with closing(BookStore(database_path())) as store:
        yield store


class User(BaseModel):
    username: str
    role: Literal["member", "librarian"]
    password_hash: str


TOKENS = {
    "alice-token": User(username="alice", role="librarian", password_hash="scrypt$9f2c$alice-secret"),
    "bob-token": User(username="bob", role="member", password_hash="scrypt$41d7$bob-secret"),
}


def get_current_user(authorization: str | None = Header(default=None)) -> User:
    parts = (authorization or "").split(" ", 1)
    if len(parts) == 2 and parts[0].lower() == "bearer" and parts[1] in TOKENS:
        return TOKENS[parts[1]]
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not signed in", {"WWW-Authenticate": "Bearer"})


def require_librarian(user: User = Depends(get_current_user)) -> User:
    if user.role == "librarian":
        return user
    raise HTTPException(status.HTTP_403_FORBIDDEN, "Librarians only")


class BookIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    author: Annotated[str, Field(min_length=1, max_length=100)]
    year: Annotated[int, Field(ge=1450, le=2100)]


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


books = APIRouter(prefix="/books")
people = APIRouter()


@books.get("", response_model=Page)
def list_books(
    skip: int = Query(default=0, ge=0), limit: int = Query(default=10, ge=1, le=50), store: BookStore = Depends(get_db)
):
    return Page(skip=skip, limit=limit, items=store.list_books(skip, limit))


@books.get("/{book_id}", response_model=Book)
def read_book(book_id: int, store: BookStore = Depends(get_db)):
    if (book := store.get_book(book_id)) is not None:
        return book
    raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


@books.post("", status_code=status.HTTP_201_CREATED, response_model=Book)
def add_book(book: BookIn, store: BookStore = Depends(get_db), librarian: User = Depends(require_librarian)):
    return store.add_book(**book.model_dump())


@books.delete("/{book_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_librarian)])
def delete_book(book_id: int, store: BookStore = Depends(get_db)) -> None:
    if store.delete_book(book_id):
        return None
    raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


@people.get("/users/me", response_model=UserOut)
def read_me(user: User = Depends(get_current_user)):
    return user


@people.post("/loans", status_code=status.HTTP_201_CREATED, response_model=Loan)
def borrow(loan: LoanIn, store: BookStore = Depends(get_db), user: User = Depends(get_current_user)):
    if store.get_book(loan.book_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return store.add_loan(book_id=loan.book_id, borrower=user.username)


@people.get("/loans", response_model=list[Loan])
def my_loans(store: BookStore = Depends(get_db), user: User = Depends(get_current_user)):
    return store.list_loans(borrower=user.username)


app = FastAPI(title="Kata Library")
app.include_router(books)
app.include_router(people)
