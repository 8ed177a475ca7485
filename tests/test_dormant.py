"""Installed in a shared environment, the plugin leaves other projects' test runs alone."""

from __future__ import annotations

import pytest


def test_run_without_katas_has_no_card_and_plain_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_fails():\n    assert 1 == 2\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "grade card" not in output
    result.stdout.fnmatch_lines(["*FAILURES*", "*short test summary info*"])
    assert not (pytester.path / ".kata").exists()


def test_kata_fixture_names_stay_free_for_other_projects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fixtures="def test_uses_client(client):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'client' not found*"])


def test_project_fixture_named_app_is_not_shadowed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef app():\n    return 'theirs'\n")
    pytester.makepyfile(test_app="def test_app(app):\n    assert app == 'theirs'\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_markers_are_not_registered_outside_a_course(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    assert "points(n)" not in result.stdout.str()


def test_a_file_named_test_kata_outside_a_course_is_an_ordinary_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_kata="def test_ordinary():\n    assert False\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "grade card" not in result.stdout.str()


def test_kata_environment_variables_do_not_touch_other_projects(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KATA_TARGET", "no/such/file.txt")
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)
