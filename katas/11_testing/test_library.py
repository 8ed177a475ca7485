"""Kata 11 · your tests for library.py. The task is in README.md next to this file.

Grade them with:           pytest katas/11_testing
Run them as plain pytest:  pytest katas/11_testing/test_library.py
"""

import pytest
from fastapi.testclient import TestClient

from library import BookStore, User, app, get_current_user, get_db


@pytest.fixture
def client():
    # TODO: swap get_db for a fake with app.dependency_overrides, fake the signed-in user
    # where a test needs one, and undo every override after the test.
    with TestClient(app) as client:
        yield client


def test_books_are_listed(client):
    response = client.get("/books")
    # TODO: what must the answer be? Check it, then write a test for every rule of the README.
