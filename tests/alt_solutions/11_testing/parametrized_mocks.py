"""Kata 11 sample: plain test functions, parametrize, a Mock store whose calls the tests check.

The README says the other version may pass the store's arguments by name: each fake method
records the values it was given under their names, whichever way they came.
"""

from unittest.mock import Mock

import pytest
from fastapi.testclient import TestClient

from library import User, app, get_current_user, get_db

PEOPLE = {
    "member": User(username="mia", role="member", password_hash="pbkdf2:mia"),
    "librarian": User(username="leo", role="librarian", password_hash="pbkdf2:leo"),
}
A_BOOK = {"id": 5, "title": "Refactoring", "author": "Martin Fowler", "year": 1999}
NEW = {"title": "Working Effectively with Legacy Code", "author": "Michael Feathers", "year": 2004}


def recording(store, name, answer):
    """store.<name> answers answer(...) and notes each call's values by name in store.seen[name]."""

    def method(*args, **kwargs):
        values = answer(*args, **kwargs)
        store.seen.setdefault(name, []).append(values[0])
        return values[1]

    getattr(store, name).side_effect = method


@pytest.fixture
def db():
    store = Mock(name="store")
    store.seen = {}
    recording(store, "list_books", lambda skip, limit: ({"skip": skip, "limit": limit}, [dict(A_BOOK, id=i) for i in range(skip + 1, skip + limit + 1)]))
    recording(store, "get_book", lambda book_id: ({"book_id": book_id}, dict(A_BOOK, id=book_id) if book_id < 100 else None))
    recording(store, "add_book", lambda title, author, year: ({"title": title, "author": author, "year": year}, {"id": 42, "title": title, "author": author, "year": year}))
    recording(store, "delete_book", lambda book_id: ({"book_id": book_id}, book_id < 100))
    recording(store, "add_loan", lambda book_id, borrower: ({"book_id": book_id, "borrower": borrower}, {"id": 7, "book_id": book_id, "borrower": borrower}))
    store.loans = []
    recording(store, "list_loans", lambda borrower=None: ({"borrower": borrower}, store.loans))
    app.dependency_overrides[get_db] = lambda: store
    yield store
    app.dependency_overrides.clear()


@pytest.fixture
def client(db):
    with TestClient(app) as c:
        yield c


def sign_in(role):
    if role is None:
        app.dependency_overrides.pop(get_current_user, None)
    else:
        app.dependency_overrides[get_current_user] = lambda: PEOPLE[role]


def test_books_default_page_comes_from_get_db(client, db):
    response = client.get("/books")
    assert response.status_code == 200
    assert db.seen["list_books"] == [{"skip": 0, "limit": 10}]
    assert response.json() == {"skip": 0, "limit": 10, "items": [dict(A_BOOK, id=i) for i in range(1, 11)]}


@pytest.mark.parametrize("skip, limit", [(0, 1), (3, 2), (7, 50)])
def test_books_page_is_passed_to_the_store(client, db, skip, limit):
    body = client.get("/books", params={"skip": skip, "limit": limit}).json()
    assert db.seen["list_books"] == [{"skip": skip, "limit": limit}]
    assert body["skip"] == skip and body["limit"] == limit
    assert [item["id"] for item in body["items"]] == list(range(skip + 1, skip + limit + 1))


@pytest.mark.parametrize("params", [{"skip": -1}, {"limit": 0}, {"limit": 51}, {"limit": "ten"}])
def test_books_page_bounds(client, db, params):
    assert client.get("/books", params=params).status_code == 422
    db.list_books.assert_not_called()


@pytest.mark.parametrize("book_id, status", [(5, 200), (100, 404)])
def test_one_book(client, db, book_id, status):
    response = client.get(f"/books/{book_id}")
    assert response.status_code == status
    assert response.json() == (dict(A_BOOK, id=book_id) if status == 200 else {"detail": "Book not found"})
    assert db.seen["get_book"] == [{"book_id": book_id}]


@pytest.mark.parametrize(
    "role, status",
    [(None, 401), ("member", 403), ("librarian", 201)],
)
def test_adding_a_book(client, db, role, status):
    sign_in(role)
    response = client.post("/books", json=NEW)
    assert response.status_code == status
    if status == 201:
        assert response.json() == {"id": 42, **NEW}
        assert db.seen["add_book"] == [NEW]
    else:
        db.add_book.assert_not_called()


@pytest.mark.parametrize(
    "change",
    [{"title": ""}, {"title": "t" * 201}, {"author": ""}, {"author": "a" * 101}, {"year": 1449}, {"year": 2101}],
)
def test_adding_a_bad_book(client, db, change):
    sign_in("librarian")
    assert client.post("/books", json={**NEW, **change}).status_code == 422
    db.add_book.assert_not_called()


@pytest.mark.parametrize("year", [1450, 2100])
def test_years_at_the_edges_are_fine(client, db, year):
    sign_in("librarian")
    assert client.post("/books", json={**NEW, "year": year}).status_code == 201


@pytest.mark.parametrize(
    "role, book_id, status",
    [(None, 5, 401), ("member", 5, 403), ("librarian", 5, 204), ("librarian", 100, 404)],
)
def test_deleting_a_book(client, db, role, book_id, status):
    sign_in(role)
    response = client.delete(f"/books/{book_id}")
    assert response.status_code == status
    if role == "librarian":
        assert db.seen["delete_book"] == [{"book_id": book_id}]
    else:
        db.delete_book.assert_not_called()


@pytest.mark.parametrize("role", ["member", "librarian"])
def test_me(client, role):
    sign_in(role)
    user = PEOPLE[role]
    assert client.get("/users/me").json() == {"username": user.username, "role": user.role}


@pytest.mark.parametrize("method, path", [("GET", "/users/me"), ("GET", "/loans"), ("POST", "/loans")])
def test_needs_a_user(client, method, path):
    sign_in(None)
    response = client.request(method, path, json={"book_id": 5})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_borrowing_records_the_signed_in_user(client, db):
    sign_in("member")
    response = client.post("/loans", json={"book_id": 5})
    assert response.status_code == 201
    assert response.json() == {"id": 7, "book_id": 5, "borrower": "mia"}
    assert db.seen["add_loan"] == [{"book_id": 5, "borrower": "mia"}]


def test_borrowing_a_missing_book(client, db):
    sign_in("member")
    assert client.post("/loans", json={"book_id": 100}).status_code == 404
    db.add_loan.assert_not_called()


def test_loans_are_asked_for_the_signed_in_user_only(client, db):
    sign_in("librarian")
    db.loans = [{"id": 3, "book_id": 5, "borrower": "leo"}]
    assert client.get("/loans").json() == [{"id": 3, "book_id": 5, "borrower": "leo"}]
    assert db.seen["list_loans"] == [{"borrower": "leo"}]


def test_a_loan_reaches_the_real_database(tmp_path, monkeypatch):
    monkeypatch.setenv("LIBRARY_DB", str(tmp_path / "library.db"))
    sign_in("member")
    try:
        with TestClient(app) as client:
            client.post("/loans", json={"book_id": 1})
            assert client.get("/loans").json() == [{"id": 1, "book_id": 1, "borrower": "mia"}]
    finally:
        app.dependency_overrides.clear()
