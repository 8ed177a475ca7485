"""Tests katas: the learner writes the tests, and they are graded by the broken versions they catch.

Kata 11 is the one in the course. Its versions must be right (each bug one change, the app as
given and as rewritten answering alike); a module without assertions, or whose assertions
cannot fail, or that reads the app's code, scores 0; a module that checks only status codes
scores under half. Three independently written modules that score full marks live in
tests/alt_solutions/11_testing (graded by test_course.py and, in both modes, test_verdict_modes.py).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from graders.judge.testkata import (
    EVERY_REQUEST_FAILS,
    GIVEN,
    REWRITTEN,
    AppVersions,
    VersionsError,
    code_reading,
    count_assertions,
    course_problems,
    parse_runs,
)
from graders.manifest import ManifestError, load_manifest

ROOT = Path(__file__).resolve().parent.parent
KATA = load_manifest(ROOT / "katas" / "katas.toml").find("11")
SAMPLES = ROOT / "tests" / "testing_kata_samples"
assert KATA is not None


def load_app(name: str, source: str) -> Any:
    """``source`` as a fresh module (what the runner does in each child)."""
    import importlib.util

    from graders.host.testrun import SourceInMemory

    spec = importlib.util.spec_from_loader(name, SourceInMemory(source))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def graded(target: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """``pytest katas/11_testing --kata-target=target`` as a learner runs it: its report and its output."""
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(KATA.path), f"--kata-target={target}", f"--kata-report={report}",
         "-p", "no:cacheprovider", "-q", "--no-grade-card"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert report.is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(report.read_text())["katas"][0], done.stdout


# -- the kata's versions ------------------------------------------------------------------


def test_the_kata_keeps_its_own_promises() -> None:
    assert course_problems(KATA) == []


def test_every_version_imports_and_each_bug_is_one_change() -> None:
    versions = AppVersions.of(KATA)
    sources = versions.sources()
    assert list(sources)[:3] == [GIVEN, REWRITTEN, EVERY_REQUEST_FAILS] and len(sources) == 3 + len(versions.bugs) == 14
    for name, source in sources.items():
        module = load_app(f"kata11_{name.replace('-', '_')}", source)
        for contract in ("app", "get_db", "get_current_user", "User", "BookStore", "TOKENS"):
            assert hasattr(module, contract), f"{name} lacks {contract}"
    for bug in versions.bugs:
        changed = [line for line in sources[bug.id].splitlines() if line not in versions.working.splitlines()]
        assert 1 <= len(changed) <= 3, f"{bug.id} changes more than a few lines: {changed}"


def test_a_bug_whose_text_is_not_in_working_py_once_is_a_course_error(tmp_path: Path) -> None:
    kata_dir = tmp_path / "katas" / "11_testing"
    (kata_dir / "versions").mkdir(parents=True)
    for name in ("library.py", "test_kata.py", "versions/working.py"):
        (kata_dir / name).write_bytes((KATA.path / name).read_bytes())
    (kata_dir / "versions" / "bugs.toml").write_text("format_version = 1\n[[bug]]\nid = \"x\"\nold = \"app\"\nnew = \"ppa\"\n")
    entries = (ROOT / "katas" / "katas.toml").read_text().split("[[kata]]")
    entry = next(e for e in entries if 'id = "11_testing"' in e)
    (tmp_path / "katas" / "katas.toml").write_text("format_version = 1\n[[kata]]" + entry)
    kata = load_manifest(tmp_path / "katas" / "katas.toml").katas[0]
    with pytest.raises(VersionsError, match="exactly once"):
        AppVersions.of(kata)


REQUESTS = [
    ("GET", "/books", None, None), ("GET", "/books?skip=2&limit=3", None, None), ("GET", "/books?limit=51", None, None),
    ("GET", "/books?skip=-1", None, None), ("GET", "/books/2", None, None), ("GET", "/books/99", None, None),
    ("GET", "/books/abc", None, None), ("POST", "/books", {"title": "T", "author": "A", "year": 2000}, None),
    ("POST", "/books", {"title": "T", "author": "A", "year": 2000}, "bob"),
    ("POST", "/books", {"title": "", "author": "A", "year": 3000}, "alice"),
    ("POST", "/books", {"title": "T", "author": "A", "year": 2000}, "alice"), ("DELETE", "/books/1", None, None),
    ("DELETE", "/books/1", None, "bob"), ("DELETE", "/books/1", None, "alice"), ("DELETE", "/books/1", None, "alice"),
    ("GET", "/users/me", None, None), ("GET", "/users/me", None, "bob"), ("POST", "/loans", {"book_id": 2}, "bob"),
    ("POST", "/loans", {"book_id": 99}, "bob"), ("POST", "/loans", {"book_id": 3}, "alice"), ("GET", "/loans", None, "bob"),
    ("GET", "/loans", None, None), ("GET", "/openapi.json", None, None),
]  # fmt: skip


def conversation(module: Any, folder: Path) -> list[tuple[int, str, str | None]]:
    """Every request of REQUESTS against a fresh real database: status, body, WWW-Authenticate."""
    from fastapi.testclient import TestClient

    os.environ["LIBRARY_DB"] = str(folder / "library.db")
    answers = []
    with TestClient(module.app) as client:
        for method, path, body, user in REQUESTS:
            headers = {"Authorization": f"Bearer {user}-token"} if user else {}
            response = client.request(method, path, json=body, headers=headers)
            answers.append((response.status_code, response.text, response.headers.get("www-authenticate")))
    return answers


def test_the_app_as_given_and_as_written_another_way_answer_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBRARY_DB", raising=False)
    versions = AppVersions.of(KATA)
    (tmp_path / "given").mkdir()
    (tmp_path / "rewritten").mkdir()
    given = conversation(load_app("kata11_given_app", versions.given), tmp_path / "given")
    rewritten = conversation(load_app("kata11_rewritten_app", versions.working), tmp_path / "rewritten")
    for request, one, other in zip(REQUESTS, given, rewritten, strict=True):
        assert one == other, f"{request}: library.py answers {one}, working.py {other}"


# -- what a module scores ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample, reason",
    [
        ("no_assertions.py", "has no assertions yet"),
        ("cannot_fail.py", "every test passes against an app that answers every request with 500"),
        ("reads_code.py", "reads the app's code (`inspect`)"),
    ],
)
def test_a_module_that_cannot_catch_anything_scores_zero(sample: str, reason: str, tmp_path: Path) -> None:
    result, _ = graded(SAMPLES / sample, tmp_path)
    assert (result["score"], result["max_score"]) == (0, 11)
    assert all(reason in behaviour["reason"] for behaviour in result["behaviours"]), result["behaviours"][0]


def test_a_module_that_checks_only_status_codes_scores_under_half(tmp_path: Path) -> None:
    result, output = graded(SAMPLES / "status_codes_only.py", tmp_path)
    caught = {b["name"] for b in result["behaviours"] if b["passed"]}
    assert result["score"] / result["max_score"] < 0.5, caught
    assert "test_catches_a_wrong_status_code" in caught and "test_catches_a_leaking_field" not in caught
    assert "6 failed, 5 passed in" in output  # katas/11_testing/test_library.py is not collected beside them


def test_the_learner_runs_their_own_tests_by_name_and_they_import_the_app(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(KATA.stub), "-p", "no:cacheprovider", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "LIBRARY_DB": str(tmp_path / "l.db")},
    )  # fmt: skip
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:]


# -- reading the learner's module ------------------------------------------------------------


@pytest.mark.parametrize(
    "source, count",
    [
        ("def test(): pass", 0),
        ("def test():\n    assert True\n    assert 1 == 1\n    assert (1, 'a')", 0),
        ("def test(r):\n    assert r.status_code == 200", 1),
        ("def test(self):\n    self.assertEqual(1, 2)", 1),
        ("import pytest\ndef test():\n    with pytest.raises(KeyError):\n        pass\n    pytest.fail('x')", 2),
        ("def test(x):\n    if x:\n        raise AssertionError('no')", 1),
        ("def test(m):\n    m.assert_called_once_with(3)", 1),
    ],
)
def test_assertions_are_counted_unless_they_are_constants(source: str, count: int) -> None:
    assert count_assertions(ast.parse(source)) == count


def test_reading_the_apps_code_is_found_where_it_happens() -> None:
    source = textwrap.dedent(
        """
        import inspect
        from dis import dis
        import json

        def test(app):
            code = app.routes[0].endpoint.__code__
            eval("1")
            json.loads("{}")
        """
    )
    assert [what for _, what in code_reading(ast.parse(source))] == ["inspect", "dis", "__code__", "eval()"]


def test_the_runners_lines_are_read_as_data() -> None:
    stdout = "\n".join([
        "noise KATA-TESTRUN {}", "KATA-TESTRUN not json", "KATA-TESTRUN " + "[" * 100000,
        'KATA-TESTRUN {"version": "given", "tests": [{"nodeid": "t.py::test_a", "outcome": "failed", "message": "m"}]}',
        'KATA-TESTRUN {"version": "given", "tests": []}',
    ])  # fmt: skip
    runs = parse_runs(stdout)
    assert list(runs) == ["given"] and runs["given"].first_failure is not None
    assert runs["given"].first_failure.name == "test_a"


# -- the manifest ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, problem",
    [
        ('kind = "exam"', "kind of kata"),
        ('kind = "tests"\nlearner_files = ["test_x.py"]', 'needs app = "<module>.py"'),
        ('kind = "tests"\napp = "x.py"', "needs learner_files"),
        ('app = "x.py"', "names an app"),
        ('kind = "tests"\napp = "../x.py"\nlearner_files = ["test_x.py"]', 'needs app = "<module>.py"'),
    ],
)
def test_the_manifest_says_what_a_tests_kata_lacks(tmp_path: Path, extra: str, problem: str) -> None:
    manifest = tmp_path / "katas.toml"
    manifest.write_text(f'format_version = 1\n[[kata]]\nid = "01_x"\ntitle = "X"\nquestion = "?"\nhints = []\n{extra}\n')
    with pytest.raises(ManifestError, match=problem):
        load_manifest(manifest)


# -- classroom mode ------------------------------------------------------------------------


def test_in_classroom_mode_the_learners_tests_never_see_the_versions(tmp_path: Path) -> None:
    """Graded by `kata grade`, the reference tests plus a check that nothing of the versions is in reach."""
    from graders.commands.verify import classroom_outcomes

    module = tmp_path / "test_library.py"
    module.write_text(
        KATA.solution.read_text()
        + textwrap.dedent(
            '''

            def test_nothing_of_the_versions_is_in_reach():
                import os
                from pathlib import Path

                assert not (Path(__file__).parent / "versions").exists()
                assert not any(name.startswith("KATA_APP") for name in os.environ)
            '''
        )
    )
    outcomes = classroom_outcomes(KATA, module)
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == 11, outcomes
