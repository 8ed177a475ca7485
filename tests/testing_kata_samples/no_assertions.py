"""Kata 11 sample that must score 0: it calls every route and checks nothing."""

import pytest
from fastapi.testclient import TestClient

from library import User, app, get_current_user

ALICE = {"Authorization": "Bearer alice-token"}


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("LIBRARY_DB", str(tmp_path / "library.db"))
    with TestClient(app) as client:
        yield client


def test_books(client):
    client.get("/books")
    client.get("/books?skip=1&limit=2")
    client.get("/books/1")
    client.get("/books/999")


def test_librarian_routes(client):
    client.post("/books", json={"title": "T", "author": "A", "year": 3000}, headers=ALICE)
    client.post("/books", json={"title": "T", "author": "A", "year": 2000})
    client.delete("/books/1")
    client.delete("/books/2", headers=ALICE)


def test_users_and_loans(client):
    app.dependency_overrides[get_current_user] = lambda: User(username="x", role="member", password_hash="h")
    try:
        client.get("/users/me")
        client.post("/loans", json={"book_id": 1})
        client.get("/loans")
    finally:
        app.dependency_overrides.clear()
