"""Kata 11 reference solution: tests for library.py that catch what breaks, through HTTP and overrides."""

import pytest
from fastapi.testclient import TestClient

from library import BookStore, User, app, get_current_user, get_db

ALICE = User(username="alice", role="librarian", password_hash="hash-a")
BOB = User(username="bob", role="member", password_hash="hash-b")


def book(number: int) -> dict:
    return {"id": number, "title": f"Book {number}", "author": f"Author {number}", "year": 2000 + number}


class FakeStore:
    """Stands in for BookStore: the same methods, data kept in lists the tests can look at."""

    def __init__(self, count: int = 12) -> None:
        self.books = [book(i) for i in range(1, count + 1)]
        self.loans: list[dict] = []

    def list_books(self, skip: int, limit: int) -> list[dict]:
        return self.books[skip : skip + limit]

    def get_book(self, book_id: int) -> dict | None:
        return next((book for book in self.books if book["id"] == book_id), None)

    def add_book(self, title: str, author: str, year: int) -> dict:
        book = {"id": len(self.books) + 1, "title": title, "author": author, "year": year}
        self.books.append(book)
        return book

    def delete_book(self, book_id: int) -> bool:
        before = len(self.books)
        self.books = [book for book in self.books if book["id"] != book_id]
        return len(self.books) < before

    def add_loan(self, book_id: int, borrower: str) -> dict:
        loan = {"id": len(self.loans) + 1, "book_id": book_id, "borrower": borrower}
        self.loans.append(loan)
        return loan

    def list_loans(self, borrower: str | None = None) -> list[dict]:
        return [loan for loan in self.loans if borrower is None or loan["borrower"] == borrower]


@pytest.fixture
def store():
    # Key idea: the app asks FastAPI for its dependencies, so the test decides what they are.
    fake = FakeStore()
    app.dependency_overrides[get_db] = lambda: fake
    yield fake
    app.dependency_overrides.clear()


@pytest.fixture
def client(store):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def sign_in():
    def as_user(user: User) -> None:
        app.dependency_overrides[get_current_user] = lambda: user

    yield as_user
    app.dependency_overrides.pop(get_current_user, None)


def test_books_are_listed_ten_at_a_time_from_the_store(client):
    response = client.get("/books")
    assert response.status_code == 200
    assert response.json() == {"skip": 0, "limit": 10, "items": [book(i) for i in range(1, 11)]}


def test_skip_and_limit_choose_the_page(client):
    response = client.get("/books", params={"skip": 3, "limit": 2})
    assert [book["id"] for book in response.json()["items"]] == [4, 5]


@pytest.mark.parametrize("query", ["skip=-1", "limit=0", "limit=51"])
def test_page_bounds_are_checked(client, query):
    assert client.get(f"/books?{query}").status_code == 422


def test_a_book_or_404(client):
    assert client.get("/books/2").json() == book(2)
    response = client.get("/books/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Book not found"}


def test_a_librarian_adds_a_book(client, store, sign_in):
    sign_in(ALICE)
    response = client.post("/books", json={"title": "New", "author": "Someone", "year": 2020})
    assert response.status_code == 201
    assert response.json() == {"id": 13, "title": "New", "author": "Someone", "year": 2020}
    assert store.books[-1]["title"] == "New"


@pytest.mark.parametrize("year", [1449, 2101])
def test_a_book_from_an_impossible_year_is_refused(client, sign_in, year):
    sign_in(ALICE)
    assert client.post("/books", json={"title": "T", "author": "A", "year": year}).status_code == 422


@pytest.mark.parametrize("method, path", [("POST", "/books"), ("DELETE", "/books/1")])
def test_librarian_routes_refuse_strangers_and_members(client, sign_in, method, path):
    body = {"title": "T", "author": "A", "year": 2000}
    assert client.request(method, path, json=body).status_code == 401
    sign_in(BOB)
    assert client.request(method, path, json=body).status_code == 403


def test_a_librarian_deletes_a_book(client, store, sign_in):
    sign_in(ALICE)
    assert client.delete("/books/1").status_code == 204
    assert store.get_book(1) is None
    assert client.delete("/books/1").status_code == 404


def test_me_shows_the_user_without_the_password_hash(client, sign_in):
    sign_in(BOB)
    assert client.get("/users/me").json() == {"username": "bob", "role": "member"}


def test_each_user_sees_only_their_own_loans(client, sign_in):
    sign_in(BOB)
    assert client.post("/loans", json={"book_id": 3}).json() == {"id": 1, "book_id": 3, "borrower": "bob"}
    sign_in(ALICE)
    client.post("/loans", json={"book_id": 4})
    assert client.get("/loans").json() == [{"id": 2, "book_id": 4, "borrower": "alice"}]


def test_a_loan_is_saved_in_the_real_database(tmp_path, monkeypatch, sign_in):
    monkeypatch.setenv("LIBRARY_DB", str(tmp_path / "library.db"))
    sign_in(BOB)
    with TestClient(app) as client:
        assert client.post("/loans", json={"book_id": 1}).status_code == 201
        assert client.get("/loans").json() == [{"id": 1, "book_id": 1, "borrower": "bob"}]
    store = BookStore(str(tmp_path / "library.db"))
    assert store.list_loans() == [{"id": 1, "book_id": 1, "borrower": "bob"}]
    store.close()
