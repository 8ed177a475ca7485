"""Kata 11 sample: yield fixtures, a real SQLite file per test behind get_db, real tokens and a faked user."""

import pytest
from fastapi.testclient import TestClient

from library import BookStore, User, app, get_current_user, get_db

ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}


@pytest.fixture
def db_path(tmp_path):
    path = str(tmp_path / "test.db")
    store = BookStore(path)  # three seeded books, then twelve more
    for n in range(12):
        store.add_book(f"Extra {n}", "Anon", 1999)
    store.close()
    return path


@pytest.fixture
def client(db_path):
    def test_db():
        store = BookStore(db_path)
        try:
            yield store
        finally:
            store.close()

    app.dependency_overrides[get_db] = test_db
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


@pytest.fixture
def stored(db_path):
    def read():
        store = BookStore(db_path)
        try:
            return store.list_books(0, 1000), store.list_loans()
        finally:
            store.close()

    return read


@pytest.fixture
def as_user():
    def sign_in(username, role):
        user = User(username=username, role=role, password_hash="never-shown")
        app.dependency_overrides[get_current_user] = lambda: user
        return user

    yield sign_in
    app.dependency_overrides.pop(get_current_user, None)


def test_list_defaults(client, stored):
    response = client.get("/books")
    assert response.status_code == 200
    books, _ = stored()
    assert response.json() == {"skip": 0, "limit": 10, "items": books[:10]}


def test_list_page(client, stored):
    books, _ = stored()
    assert client.get("/books?skip=2&limit=4").json() == {"skip": 2, "limit": 4, "items": books[2:6]}
    assert client.get("/books?skip=14&limit=50").json()["items"] == books[14:]


def test_list_bounds(client):
    assert client.get("/books?skip=-1").status_code == 422
    assert client.get("/books?limit=0").status_code == 422
    assert client.get("/books?limit=51").status_code == 422
    assert client.get("/books?limit=50").status_code == 200


def test_read_book(client):
    assert client.get("/books/1").json() == {"id": 1, "title": "Fluent Python", "author": "Luciano Ramalho", "year": 2015}
    missing = client.get("/books/99")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Book not found"})


def test_overridden_database_is_the_one_used(tmp_path):
    other = BookStore(str(tmp_path / "other.db"))
    other.delete_book(1)
    other.add_book("Only here", "Me", 2020)
    app.dependency_overrides[get_db] = lambda: other
    try:
        with TestClient(app) as client:
            assert [b["title"] for b in client.get("/books").json()["items"]] == [
                "Release It!", "Domain-Driven Design", "Only here",
            ]
            assert client.get("/books/4").json()["title"] == "Only here"
    finally:
        app.dependency_overrides.clear()
        other.close()


def test_add_book_with_a_real_token(client, stored):
    response = client.post("/books", json={"title": "SICP", "author": "Abelson", "year": 1985}, headers=ALICE)
    assert response.status_code == 201
    assert response.json() == {"id": 16, "title": "SICP", "author": "Abelson", "year": 1985}
    books, _ = stored()
    assert books[-1] == response.json()


def test_add_book_refusals(client, stored):
    good = {"title": "T", "author": "A", "year": 1450}
    assert client.post("/books", json=good).status_code == 401
    assert client.post("/books", json=good, headers={"Authorization": "Bearer nobody"}).status_code == 401
    forbidden = client.post("/books", json=good, headers=BOB)
    assert (forbidden.status_code, forbidden.json()) == (403, {"detail": "Librarians only"})
    assert client.post("/books", json={**good, "year": 1449}, headers=ALICE).status_code == 422
    assert client.post("/books", json={**good, "year": 2101}, headers=ALICE).status_code == 422
    assert client.post("/books", json={**good, "title": ""}, headers=ALICE).status_code == 422
    assert len(stored()[0]) == 15


def test_delete_book(client, stored):
    assert client.delete("/books/2").status_code == 401
    assert client.delete("/books/2", headers=BOB).status_code == 403
    done = client.delete("/books/2", headers=ALICE)
    assert (done.status_code, done.text) == (204, "")
    assert client.delete("/books/2", headers=ALICE).status_code == 404
    assert 2 not in [book["id"] for book in stored()[0]]


def test_me(client, as_user):
    assert client.get("/users/me").status_code == 401
    as_user("zoe", "librarian")
    assert client.get("/users/me").json() == {"username": "zoe", "role": "librarian"}


def test_loans_are_saved_and_private(client, as_user, stored):
    as_user("ann", "member")
    made = client.post("/loans", json={"book_id": 3})
    assert made.status_code == 201
    assert made.json() == {"id": 1, "book_id": 3, "borrower": "ann"}
    assert client.post("/loans", json={"book_id": 300}).status_code == 404
    as_user("ben", "member")
    client.post("/loans", json={"book_id": 1})
    assert client.get("/loans").json() == [{"id": 2, "book_id": 1, "borrower": "ben"}]
    assert stored()[1] == [
        {"id": 1, "book_id": 3, "borrower": "ann"},
        {"id": 2, "book_id": 1, "borrower": "ben"},
    ]


def test_loans_need_a_user(client):
    assert client.get("/loans").status_code == 401
    assert client.post("/loans", json={"book_id": 1}).status_code == 401
