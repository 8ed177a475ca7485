"""Kata 11 sample that checks every status code the README names, and nothing else: under half."""

import pytest
from fastapi.testclient import TestClient

from library import User, app, get_current_user

ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}
BOOK = {"title": "T", "author": "A", "year": 2000}


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("LIBRARY_DB", str(tmp_path / "library.db"))
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


@pytest.mark.parametrize("query, status", [("", 200), ("?skip=1&limit=2", 200), ("?skip=-1", 422), ("?limit=0", 422), ("?limit=51", 422)])
def test_list(client, query, status):
    assert client.get("/books" + query).status_code == status


@pytest.mark.parametrize("book_id, status", [(1, 200), (999, 404)])
def test_one(client, book_id, status):
    assert client.get(f"/books/{book_id}").status_code == status


@pytest.mark.parametrize(
    "headers, body, status",
    [({}, BOOK, 401), (BOB, BOOK, 403), (ALICE, BOOK, 201), (ALICE, {**BOOK, "year": 1449}, 422),
     (ALICE, {**BOOK, "year": 2101}, 422), (ALICE, {**BOOK, "title": ""}, 422)],
)
def test_add(client, headers, body, status):
    assert client.post("/books", json=body, headers=headers).status_code == status


@pytest.mark.parametrize("headers, book_id, status", [({}, 1, 401), (BOB, 1, 403), (ALICE, 1, 204), (ALICE, 999, 404)])
def test_delete(client, headers, book_id, status):
    assert client.delete(f"/books/{book_id}", headers=headers).status_code == status


def test_me(client):
    assert client.get("/users/me").status_code == 401
    assert client.get("/users/me", headers=BOB).status_code == 200


def test_loans(client):
    app.dependency_overrides[get_current_user] = lambda: User(username="x", role="member", password_hash="h")
    assert client.post("/loans", json={"book_id": 1}).status_code == 201
    assert client.post("/loans", json={"book_id": 999}).status_code == 404
    assert client.get("/loans").status_code == 200
    app.dependency_overrides.clear()
    assert client.get("/loans").status_code == 401
