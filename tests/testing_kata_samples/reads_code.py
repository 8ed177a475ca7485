"""Kata 11 sample that must score 0: it checks the app's code instead of asking the app."""

import inspect

import library


def test_the_routes_are_as_written():
    source = inspect.getsource(library.app.router.routes[-1].endpoint)
    assert "list_loans(user.username)" in source
