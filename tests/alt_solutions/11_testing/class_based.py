"""Kata 11 sample: test classes, a dict-backed fake store, and a real SQLite file for persistence."""

import pytest
from fastapi.testclient import TestClient

from library import User, app, get_current_user, get_db

LIBRARIAN = User(username="lena", role="librarian", password_hash="$secret-1")
MEMBER = User(username="mo", role="member", password_hash="$secret-2")


class MemoryStore:
    def __init__(self):
        self.books = {}
        self.loans = []
        for n in range(1, 16):
            self.add_book(f"Title {n}", f"Writer {n}", 1900 + n)

    def list_books(self, skip, limit):
        return [self.books[key] for key in sorted(self.books)][skip : skip + limit]

    def get_book(self, book_id):
        return self.books.get(book_id)

    def add_book(self, title, author, year):
        new_id = max(self.books, default=0) + 1
        self.books[new_id] = {"id": new_id, "title": title, "author": author, "year": year}
        return self.books[new_id]

    def delete_book(self, book_id):
        return self.books.pop(book_id, None) is not None

    def add_loan(self, book_id, borrower):
        loan = {"id": len(self.loans) + 1, "book_id": book_id, "borrower": borrower}
        self.loans.append(loan)
        return loan

    def list_loans(self, borrower=None):
        return [loan for loan in self.loans if borrower in (None, loan["borrower"])]


class AppTest:
    user = None

    @pytest.fixture(autouse=True)
    def _setup(self):
        self.store = MemoryStore()
        app.dependency_overrides[get_db] = lambda: self.store
        if self.user is not None:
            app.dependency_overrides[get_current_user] = lambda: self.user
        with TestClient(app) as client:
            self.client = client
            yield
        app.dependency_overrides.clear()


class TestBookList(AppTest):
    def test_first_page_by_default(self):
        response = self.client.get("/books")
        assert response.status_code == 200
        body = response.json()
        assert body["skip"] == 0 and body["limit"] == 10
        assert body["items"] == self.store.list_books(0, 10)
        assert len(body["items"]) == 10

    def test_skip_and_limit(self):
        body = self.client.get("/books?skip=5&limit=3").json()
        assert (body["skip"], body["limit"]) == (5, 3)
        assert [b["id"] for b in body["items"]] == [6, 7, 8]

    def test_limit_of_fifty_is_allowed(self):
        assert len(self.client.get("/books?limit=50").json()["items"]) == 15

    def test_bounds(self):
        for query in ("skip=-1", "limit=0", "limit=51"):
            assert self.client.get("/books?" + query).status_code == 422, query


class TestOneBook(AppTest):
    def test_found(self):
        response = self.client.get("/books/4")
        assert response.status_code == 200
        assert response.json() == {"id": 4, "title": "Title 4", "author": "Writer 4", "year": 1904}

    def test_not_found(self):
        response = self.client.get("/books/400")
        assert response.status_code == 404
        assert response.json() == {"detail": "Book not found"}


class TestAnonymous(AppTest):
    def test_protected_routes_need_a_user(self):
        book = {"title": "T", "author": "A", "year": 2000}
        for response in (
            self.client.post("/books", json=book),
            self.client.delete("/books/1"),
            self.client.get("/users/me"),
            self.client.get("/loans"),
            self.client.post("/loans", json={"book_id": 1}),
        ):
            assert response.status_code == 401
            assert response.json() == {"detail": "Not signed in"}
            assert response.headers["www-authenticate"] == "Bearer"
        assert 1 in self.store.books


class TestMember(AppTest):
    user = MEMBER

    def test_cannot_add_or_delete(self):
        assert self.client.post("/books", json={"title": "T", "author": "A", "year": 2000}).status_code == 403
        response = self.client.delete("/books/2")
        assert response.status_code == 403
        assert response.json() == {"detail": "Librarians only"}
        assert 2 in self.store.books and len(self.store.books) == 15

    def test_me_is_only_name_and_role(self):
        assert self.client.get("/users/me").json() == {"username": "mo", "role": "member"}

    def test_borrowing(self):
        response = self.client.post("/loans", json={"book_id": 7})
        assert response.status_code == 201
        assert response.json() == {"id": 1, "book_id": 7, "borrower": "mo"}
        assert self.client.post("/loans", json={"book_id": 70}).status_code == 404
        assert self.client.get("/loans").json() == [{"id": 1, "book_id": 7, "borrower": "mo"}]

    def test_only_own_loans(self):
        self.store.add_loan(3, "someone-else")
        self.client.post("/loans", json={"book_id": 9})
        assert self.client.get("/loans").json() == [{"id": 2, "book_id": 9, "borrower": "mo"}]


class TestLibrarian(AppTest):
    user = LIBRARIAN

    def test_add(self):
        response = self.client.post("/books", json={"title": "Dune", "author": "Frank Herbert", "year": 1965})
        assert response.status_code == 201
        assert response.json() == {"id": 16, "title": "Dune", "author": "Frank Herbert", "year": 1965}
        assert self.store.get_book(16)["title"] == "Dune"

    def test_add_validation(self):
        for book in (
            {"title": "", "author": "A", "year": 2000},
            {"title": "T", "author": "", "year": 2000},
            {"title": "T", "author": "A", "year": 1449},
            {"title": "T", "author": "A", "year": 2101},
            {"title": "x" * 201, "author": "A", "year": 2000},
        ):
            assert self.client.post("/books", json=book).status_code == 422, book
        assert len(self.store.books) == 15

    def test_delete(self):
        response = self.client.delete("/books/3")
        assert response.status_code == 204
        assert response.content == b""
        assert self.store.get_book(3) is None
        assert self.client.delete("/books/3").status_code == 404


class TestRealDatabase:
    def test_a_loan_survives_to_the_next_request(self, tmp_path, monkeypatch):
        monkeypatch.setenv("LIBRARY_DB", str(tmp_path / "real.db"))
        app.dependency_overrides[get_current_user] = lambda: MEMBER
        try:
            with TestClient(app) as client:
                assert client.get("/books").json()["items"][0]["id"] == 1
                assert client.post("/loans", json={"book_id": 2}).status_code == 201
                assert client.get("/loans").json() == [{"id": 1, "book_id": 2, "borrower": "mo"}]
        finally:
            app.dependency_overrides.clear()
