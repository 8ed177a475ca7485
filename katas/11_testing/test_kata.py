"""Kata 11 · Testing a FastAPI app: the learner's tests, graded by the bugs they catch.

Each test below is one broken version of library.py (versions/bugs.toml: versions/working.py
with one change) and passes when one of the learner's tests fails against it. None passes
before the learner's module is sound: it has assertions, reads none of the app's code,
passes against the app as given and as written another way, and fails against an app that
answers every request with 500 (graders.judge.testkata). The learner's tests run in their
own process (in classroom mode, inside the sandbox, handed one version at a time); this
file only reads what they did. A docstring names the kind of bug, never the fix.
"""

import pytest

# The first test runs the learner's tests against every version; the others read the results.
pytestmark = pytest.mark.kata_timeout(120)


@pytest.mark.rule(3)
def test_catches_a_wrong_status_code(learner_tests):
    """Catches a route that answers with the wrong status code"""
    learner_tests.assert_caught("wrong_status")


@pytest.mark.rule(3)
def test_catches_a_missing_validation(learner_tests):
    """Catches a body field that is no longer validated"""
    learner_tests.assert_caught("no_validation")


@pytest.mark.rule(3)
def test_catches_a_skipped_role_check(learner_tests):
    """Catches a route that forgets to check the user's role"""
    learner_tests.assert_caught("role_skipped")


@pytest.mark.rule(4)
def test_catches_a_route_that_skips_auth(learner_tests):
    """Catches a route that lets anyone in, signed in or not"""
    learner_tests.assert_caught("auth_skipped")


@pytest.mark.rule(2)
def test_catches_a_missing_404(learner_tests):
    """Catches a route that does not say 404 for what is not there"""
    learner_tests.assert_caught("missing_404")


@pytest.mark.rule(5)
def test_catches_a_leaking_field(learner_tests):
    """Catches an answer that leaks a field it must keep to itself"""
    learner_tests.assert_caught("leaked_field")


@pytest.mark.rule(1, 7)
def test_catches_a_bypassed_database_dependency(learner_tests):
    """Catches a route that goes around the database dependency"""
    learner_tests.assert_caught("db_bypassed")


@pytest.mark.rule(1)
def test_catches_a_wrong_default(learner_tests):
    """Catches a wrong default value"""
    learner_tests.assert_caught("wrong_default")


@pytest.mark.rule(1)
def test_catches_an_ignored_parameter(learner_tests):
    """Catches a query parameter that is ignored"""
    learner_tests.assert_caught("skip_ignored")


@pytest.mark.rule(6)
def test_catches_data_shown_to_the_wrong_user(learner_tests):
    """Catches a route that shows one user's data to another"""
    learner_tests.assert_caught("others_loans")


@pytest.mark.rule(6, 7)
def test_catches_a_write_that_is_never_saved(learner_tests):
    """Catches a write that is never saved"""
    learner_tests.assert_caught("unsaved_loan")
