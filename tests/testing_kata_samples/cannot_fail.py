"""Kata 11 sample that must score 0: its assertions hold whatever the app answers."""

from fastapi.testclient import TestClient

from library import app

client = TestClient(app)


def test_books_answer_something():
    response = client.get("/books")
    assert response.status_code < 600


def test_a_book_answers_json():
    response = client.get("/books/1")
    assert response.headers.get("content-type", "").startswith("application/json") or True
