"""Grading a tests kata: the learner writes the tests, and they are judged by the bugs they catch.

A tests kata (``kind = "tests"`` in katas.toml) gives the learner a working app (``app =
"library.py"``) and asks for a test module (the kata's learner file). Its folder holds,
besides, ``versions/working.py`` (the same app written another way) and
``versions/bugs.toml`` (broken versions: working.py with one change each). The kata's own
test_kata.py has one test per broken version, which asks the ``learner_tests`` fixture
whether the learner's module catches it.

A module is graded only when it is sound: it has assertions, reads none of the app's code,
passes against the app as given and as written another way, and fails against an app that
answers every request with 500. Then a broken version is caught when one of its tests fails
against it. The learner's module runs in ``graders.host.testrun``, never here: this module
reads the learner's file as text and the runs' outcomes as data.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import subprocess
import sys
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from graders.host.loader import display_path
from graders.host.testrun import ENV_VERSIONS, MARKER, VERSION_TIMEOUT, encode_versions
from graders.judge.access import HostAccess, start_remote_server
from graders.manifest import VERSIONS_DIR, Kata

WORKING_FILE = "working.py"
BUGS_FILE = "bugs.toml"
GIVEN = "given"
REWRITTEN = "rewritten"
EVERY_REQUEST_FAILS = "every-request-fails"
EVERY_REQUEST_FAILS_SOURCE = '''

from fastapi.responses import JSONResponse as _KataJSONResponse


@app.middleware("http")
async def _kata_every_request_fails(request, call_next):
    return _KataJSONResponse({"detail": "this version answers every request with 500"}, status_code=500)
'''
# What reads the app's code instead of asking it over HTTP: a test of that kind could tell the
# versions apart by their code. Imports of these modules, these attributes and these calls.
CODE_READING_MODULES = {"inspect", "dis", "ast", "gc", "ctypes", "marshal", "linecache", "tokenize"}
CODE_READING_ATTRIBUTES = {"__code__", "__globals__", "__closure__", "co_code", "co_consts", "f_globals", "f_back"}
CODE_READING_CALLS = {"exec", "eval", "compile"}


class VersionsError(Exception):
    """The kata's versions cannot be built: a course bug, not the learner's."""


@dataclass(frozen=True)
class Bug:
    """One broken version: ``old`` (found exactly once in working.py) replaced by ``new``."""

    id: str
    old: str
    new: str


@dataclass(frozen=True)
class AppVersions:
    """The app as given, as written another way, and every broken version, as source text."""

    module: str  # the name the learner's tests import the app by
    given: str
    working: str
    bugs: tuple[Bug, ...]

    @classmethod
    def of(cls, kata: Kata) -> AppVersions:
        folder = kata.path / VERSIONS_DIR
        try:
            given = (kata.path / kata.app).read_text(encoding="utf-8")
            working = (folder / WORKING_FILE).read_text(encoding="utf-8")
            data = tomllib.loads((folder / BUGS_FILE).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise VersionsError(f"{kata.id}: cannot read its versions ({exc})") from None
        bugs = tuple(Bug(str(b["id"]), str(b["old"]), str(b["new"])) for b in data.get("bug", []))
        for bug in bugs:
            if working.count(bug.old) != 1:
                raise VersionsError(f"{kata.id}: bug {bug.id!r}: its `old` text must appear exactly once in working.py")
        return cls(Path(kata.app).stem, given, working, bugs)

    def bug(self, bug_id: str) -> Bug:
        for bug in self.bugs:
            if bug.id == bug_id:
                return bug
        raise VersionsError(f"no bug {bug_id!r} in {VERSIONS_DIR}/{BUGS_FILE}")

    def sources(self) -> dict[str, str]:
        """Every version by name: given, rewritten, every-request-fails, then each bug's id."""
        found = {GIVEN: self.given, REWRITTEN: self.working, EVERY_REQUEST_FAILS: self.working + EVERY_REQUEST_FAILS_SOURCE}
        for bug in self.bugs:
            found[bug.id] = self.working.replace(bug.old, bug.new)
        return found


@dataclass(frozen=True)
class TestOutcome:
    nodeid: str
    outcome: str  # "passed", "failed", "error" or "skipped"
    message: str = ""

    @property
    def name(self) -> str:
        return self.nodeid.rpartition("::")[2] or self.nodeid


@dataclass(frozen=True)
class VersionRun:
    """What the learner's tests did against one version (they stop at the first failure)."""

    tests: tuple[TestOutcome, ...] = ()
    error: str = ""  # the module did not load, the run did not finish, …

    @classmethod
    def from_json(cls, data: Any) -> VersionRun:
        if not isinstance(data, dict):
            return cls(error="the test run sent no readable result")
        tests = tuple(
            TestOutcome(str(t.get("nodeid", "?")), str(t.get("outcome", "error")), str(t.get("message", "")))
            for t in data.get("tests", []) if isinstance(t, dict)
        )  # fmt: skip
        return cls(tests, str(data.get("error", "")))

    @property
    def first_failure(self) -> TestOutcome | None:
        return next((t for t in self.tests if t.outcome in ("failed", "error")), None)


@dataclass(frozen=True)
class StaticFindings:
    """What reading the learner's module (never importing it) tells: its assertions and code reading."""

    assertions: int = 0
    reads_code: tuple[tuple[int, str], ...] = ()  # (line, what)
    problem: str = ""  # it cannot be read or parsed


def read_module(path: Path) -> StaticFindings:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return StaticFindings(problem=f"{display_path(path)}: cannot be read ({exc})")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return StaticFindings(problem=f"{display_path(path)}:{exc.lineno or '?'}: SyntaxError: {exc.msg}")
    return StaticFindings(count_assertions(tree), tuple(code_reading(tree)))


def count_assertions(tree: ast.AST) -> int:
    """``assert`` statements that are not constant, ``self.assert…()``, ``pytest.raises``/``fail``, ``raise AssertionError``."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and not _constant(node.test):
            count += 1
        elif isinstance(node, ast.Call):
            name = _called_name(node.func)
            if name.startswith("assert") or name in ("raises", "fail"):
                count += 1
        elif isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if _called_name(raised) == "AssertionError":
                count += 1
    return count


def code_reading(tree: ast.AST) -> list[tuple[int, str]]:
    """Where the module reads code rather than asking the app: ``(line, what)``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in CODE_READING_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in CODE_READING_MODULES:
            found.append((node.lineno, str(node.module)))
        elif isinstance(node, ast.Attribute) and node.attr in CODE_READING_ATTRIBUTES:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CODE_READING_CALLS:
            found.append((node.lineno, f"{node.func.id}()"))
    return sorted(found)


def _constant(node: ast.expr) -> bool:
    """Built of literals alone (``True``, ``1 == 1``, ``(1, "a")``): it holds, or fails, whatever the app does."""
    return not any(isinstance(n, ast.Name | ast.Attribute | ast.Call | ast.Subscript) for n in ast.walk(node))


def _called_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


Runner = Callable[[Path, str, dict[str, str]], dict[str, VersionRun]]
SERVER_START = 60.0  # seconds the serving runner may take to warm up and answer
LOCAL_JOBS = 2  # versions at a time, in one process (learner mode)
HOST_JOBS = 2  # versions at a time, each in a process of its own (classroom mode)


def runner_for(host: HostAccess | None, kata: Kata) -> Runner:
    """Run the learner's tests here (every version in one process), or in the host, one version per process."""
    if host is None:
        return run_here

    def run_in_host(tests: Path, module: str, sources: dict[str, str]) -> dict[str, VersionRun]:
        command = [
            *_command(host.translate(str(tests)), module, 1), "--serve", "{port}",
            "--warm-app", host.translate(str(kata.path / kata.app)),
        ]  # fmt: skip
        server = start_remote_server(host.channel, command, {}, None, "/", SERVER_START, [])
        pool = ThreadPoolExecutor(HOST_JOBS)
        try:
            with server.client(timeout=VERSION_TIMEOUT + 10) as client:

                def one(name: str) -> VersionRun:
                    try:
                        answer = client.post("/", json={"source": sources[name]})
                        return VersionRun.from_json(answer.json())
                    except (httpx.HTTPError, ValueError, RecursionError) as exc:
                        return VersionRun(error=f"the test run sent no result ({type(exc).__name__})")

                order = list(sources)
                random.SystemRandom().shuffle(order)  # no run can tell from its turn which version it has
                return dict(zip(order, pool.map(one, order), strict=True))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # a test stopped by its time limit does not wait
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - the host stops its servers at the end of the test anyway
                pass

    return run_in_host


def run_here(tests: Path, module: str, sources: dict[str, str]) -> dict[str, VersionRun]:
    env = {**os.environ, ENV_VERSIONS: encode_versions(sources)}
    timeout = VERSION_TIMEOUT * len(sources) / LOCAL_JOBS + 30
    try:
        done = subprocess.run(
            _command(str(tests), module, LOCAL_JOBS), env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return {name: VersionRun(error=f"the test run did not finish within {timeout:g} s") for name in sources}
    runs = parse_runs(done.stdout.decode("utf-8", "replace"))
    problem = _no_result({"code": done.returncode, "stderr": done.stderr.decode("utf-8", "replace")})
    return {name: runs.get(name) or VersionRun(error=problem) for name in sources}


def _command(tests: str, module: str, jobs: int) -> list[str]:
    return [sys.executable, "-I", "-B", "-m", "graders.host.testrun", "--tests", tests, "--module", module, "--jobs", str(jobs)]


def parse_runs(stdout: str) -> dict[str, VersionRun]:
    """The runner's ``KATA-TESTRUN {...}`` lines, by version; anything else on stdout is ignored."""
    found: dict[str, VersionRun] = {}
    for line in stdout.splitlines():
        if not line.startswith(MARKER):
            continue
        try:
            data = json.loads(line[len(MARKER) :])
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and isinstance(data.get("version"), str):
            found.setdefault(data["version"], VersionRun.from_json(data))
    return found


def _no_result(answer: Any) -> str:
    if not isinstance(answer, dict):
        return "the test run sent no result"
    if answer.get("timed_out"):
        return "the test run did not finish in time"
    lines = [line for line in str(answer.get("stderr", "")).splitlines() if line.strip()]
    return f"the test run ended without a result (exit code {answer.get('code')}){': ' + lines[-1][:200] if lines else ''}"


@dataclass
class LearnerTests:
    """The ``learner_tests`` fixture: the learner's test module, and how it does against each version.

    The first time any version's run is needed, every version runs; the runs are kept in
    ``cache`` (shared by every test of the session) under the module's hash.
    """

    path: Path
    versions: AppVersions
    run: Runner
    cache: dict[tuple[str, str], VersionRun] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError:
            data = b""
        self.key = hashlib.sha256(data).hexdigest()
        self.sources = self.versions.sources()

    def results(self, names: list[str]) -> dict[str, VersionRun]:
        """How the learner's tests did against each named version."""
        wanted = [name for name in self.sources if (self.key, name) not in self.cache]
        if any(name in wanted for name in names):
            ran = self.run(self.path, self.versions.module, {name: self.sources[name] for name in wanted})
            for name in wanted:
                self.cache[(self.key, name)] = ran.get(name, VersionRun(error="the test run did not report this version"))
        return {name: self.cache[(self.key, name)] for name in names}

    def unsound(self) -> str:
        """Why the learner's module cannot be graded yet ("" when it can): the same reason for every bug."""
        shown = display_path(self.path)
        if not self.path.is_file():
            return f"{shown}: no such file"
        found = read_module(self.path)
        if found.problem:
            return found.problem
        if not found.assertions:
            return f"{shown} has no assertions yet: write tests that check what the app answers"
        if found.reads_code:
            line, what = found.reads_code[0]
            return f"{shown}:{line} reads the app's code (`{what}`): test what it does, over HTTP"
        runs = self.results([GIVEN, REWRITTEN, EVERY_REQUEST_FAILS])
        for name, against in ((GIVEN, f"{self.versions.module}.py as given"), (REWRITTEN, "the same app written another way")):
            run = runs[name]
            if run.error:
                return f"against {against}: {run.error}"
            if not run.tests:
                return f"{shown} has no tests: pytest collects none (name them test_…)"
            failed = run.first_failure
            if failed is not None:
                return f"against {against}, {failed.name} fails: {failed.message or failed.outcome}"
        probe = runs[EVERY_REQUEST_FAILS]
        if probe.error:
            return f"against an app that answers every request with 500: {probe.error}"
        if probe.first_failure is None:
            return "every test passes against an app that answers every request with 500: their assertions cannot fail"
        return ""

    def assert_caught(self, bug_id: str) -> None:
        """Fail the calling test unless the learner's module is sound and one of its tests fails against ``bug_id``."""
        self.versions.bug(bug_id)
        reason = self.unsound()
        if reason:
            pytest.fail(reason, pytrace=False)
        run = self.results([bug_id])[bug_id]
        if run.error:
            pytest.fail(f"missed: {run.error}", pytrace=False)
        if run.first_failure is None:
            count = len(run.tests)
            pytest.fail(f"missed: all {count} of your tests pass against this broken version", pytrace=False)


def course_problems(kata: Kata) -> list[str]:
    """What ``kata verify`` says about a tests kata's own files: its versions, and one test per bug."""
    try:
        versions = AppVersions.of(kata)
    except VersionsError as exc:
        return [str(exc)]
    problems = []
    for name, source in versions.sources().items():
        try:
            compile(source, f"<{name}>", "exec")
        except SyntaxError as exc:
            problems.append(f"version {name!r} is not valid Python: line {exc.lineno}: {exc.msg}")
    try:
        tree = ast.parse(kata.tests.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        return [*problems, f"cannot read test_kata.py ({exc})"]
    tested = [
        node.args[0].value for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node.func) == "assert_caught"
        and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
    ]  # fmt: skip
    known = [bug.id for bug in versions.bugs]
    problems += [f"bug {bug!r} in {VERSIONS_DIR}/{BUGS_FILE} has no test (learner_tests.assert_caught)" for bug in known if bug not in tested]
    problems += [f"test_kata.py asks for bug {bug!r}, which {VERSIONS_DIR}/{BUGS_FILE} does not have" for bug in tested if bug not in known]
    return problems
