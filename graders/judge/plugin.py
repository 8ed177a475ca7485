"""The pytest plugin: grades katas and prints a grade card instead of tracebacks.

Loaded through the ``pytest11`` entry point in every pytest run of the
environment, so it stays dormant until the run collects a ``test_kata.py``
inside a folder listed in ``katas.toml``: before that it adds no fixture, no
marker and no output. Everything the card needs travels on test reports
(``user_properties``), so a pytest-xdist controller grades like one process.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from graders.host.loader import display_path, import_graded_file, module_name_for
from graders.host.servers import prepare_launcher, stop_all
from graders.judge.access import HostAccess
from graders.judge.card import WarningSummary, render_card, render_summary, render_warnings
from graders.judge.channel import HostChannel
from graders.judge.exits import ExitGuard
from graders.judge.fixtures import KataFixtures
from graders.judge.forked import (
    FORK_WORTH,
    WarmImport,
    fork_allowed,
    import_keeping_warnings,
    no_other_threads,
    run_in_fork,
    warning_from,
    warning_record,
)
from graders.judge.model import Behaviour, KataResult
from graders.judge.reasons import failure_reason, location_in_graded_file
from graders.judge.target import (
    DEFAULT_TIMEOUT,
    ENV_TARGET,
    ENV_TIMEOUT,
    SettingError,
    Target,
    first_setting,
    parse_target,
    parse_timeout,
)
from graders.judge.timelimit import KataTimeout, time_limit
from graders.manifest import TESTS_KIND, Kata, Manifest, ManifestError, file_sha256, find_manifest, load_manifest
from graders.progress import KataRecord, now_iso, read_progress, update_progress

TARGET_HELP = (
    "What the kata tests grade: 'stub' (the learner's file, the default), 'solution' "
    f"(the reference solution), or a path to a .py file or a folder of katas. Also ${ENV_TARGET}."
)
TIMEOUT_HELP = (
    f"Seconds one test may run before it is stopped (default {DEFAULT_TIMEOUT:g}; 0 = no limit). "
    f"Also ${ENV_TIMEOUT}."
)
REPORT_HELP = (
    "Also write every kata's result as JSON to PATH, or to an inherited file descriptor "
    "given as fd:N (what `kata grade` reads)."
)
HOST_HELP = (
    "Reach the learner's code only through the host process listening on this Unix socket "
    "(what `kata grade` passes: the tests then never import the learner's file)."
)
HOST_ROOT_HELP = "With --kata-host: the grading folder as the host sees it (paths in commands are rewritten)."
NO_CARD_HELP = "Do not print the grade card or record progress (plain pytest output)."
POINTS_MARKER = "points(n): the behaviour this test checks is worth n points in the grade card (default 1)."
RULE_MARKER = "rule(*numbers): the numbered rules of the kata's README that this test checks (kata verify)."
TIMEOUT_MARKER = "kata_timeout(seconds): time limit of this test, used when no option sets one."
HUNG = "not graded: an earlier behaviour of this kata hung, so the rest of it was skipped"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "fastapi-katas grading")
    group.addoption("--kata-target", dest="kata_target", default=None, metavar="TARGET", help=TARGET_HELP)
    group.addoption("--kata-timeout", dest="kata_timeout", default=None, metavar="SECONDS", help=TIMEOUT_HELP)
    group.addoption("--no-grade-card", dest="kata_no_card", action="store_true", help=NO_CARD_HELP)
    group.addoption("--kata-report", dest="kata_report", default=None, metavar="PATH", help=REPORT_HELP)
    group.addoption("--kata-host", dest="kata_host", default=None, metavar="SOCKET", help=HOST_HELP)
    group.addoption("--kata-host-root", dest="kata_host_root", default=None, metavar="DIR", help=HOST_ROOT_HELP)
    parser.addini("kata_target", TARGET_HELP)
    parser.addini("kata_timeout", TIMEOUT_HELP)


def pytest_configure(config: pytest.Config) -> None:
    grader = KataGrader(config)
    config.pluginmanager.register(grader, "kata-grader")
    if any(_names_a_course(arg, Path(config.invocation_params.dir)) for arg in config.args):
        # Activating now turns a bad setting into a usage error before collection starts.
        grader.activate()


def _names_a_course(arg: str, base: Path) -> bool:
    """Is this command-line path inside a course, or a folder holding one?"""
    path = base / arg.split("::", 1)[0]
    return (path / "katas" / "katas.toml").is_file() or find_manifest(path) is not None


class KataGrader:
    """One run's grading state; dormant until a kata is collected or reported."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.active = False
        self.is_worker = hasattr(config, "workerinput")
        self.card_on = not config.getoption("kata_no_card", False)
        self.target = Target("stub")
        self.timeout = DEFAULT_TIMEOUT
        self.timeout_is_set = False
        self.manifests: dict[Path, Manifest | None] = {}
        self.results: dict[tuple[str, str], KataResult] = {}
        self.result_katas: dict[tuple[str, str], Kata | None] = {}  # the manifest entry of each result
        self.crashes: dict[tuple[str, int, int], tuple[str, str]] = {}
        self.hung: set[str] = set()
        self.notes: dict[str, str] = {}
        self.warnings: dict[tuple[str, str, str], int] = {}
        self.exitstatus = 0
        self.start_env = dict(os.environ)  # what a test changes in it, the host applies too
        self.host: HostAccess | None = None
        self.forks_allowed = False  # each kata test in a fork of this process (graders.judge.forked)
        self.warm: dict[str, WarmImport | None] = {}  # the learner's file imported once, by path
        self.in_fork = False  # true in a test's fork
        self.import_seconds: dict[str, float] = {}  # how long a fresh import of each graded file took here
        self.fork_warnings: list[dict[str, Any]] = []  # recorded in a fork, told again by the parent

    # -- activation and settings -------------------------------------------------

    def activate(self) -> None:
        if self.active:
            return
        self.active = True
        try:
            self._read_settings()
        except SettingError as exc:
            raise pytest.UsageError(str(exc)) from None
        if self.config.getoption("importmode", "prepend") == "prepend":
            # Every kata's tests live in a file named test_kata.py; only importlib mode
            # imports several modules of one basename side by side.
            self.config.option.importmode = "importlib"
        self.config.addinivalue_line("markers", POINTS_MARKER)
        self.config.addinivalue_line("markers", TIMEOUT_MARKER)
        self.config.addinivalue_line("markers", RULE_MARKER)
        socket_path = self.config.getoption("kata_host", None)
        if socket_path:
            host_root = self.config.getoption("kata_host_root", None) or str(self.config.rootpath)
            self.host = HostAccess(HostChannel(socket_path), str(self.config.rootpath), host_root)
            try:
                self.host.channel.call("ping")  # wait for the host here, not inside a test's time limit
            except Exception:  # noqa: BLE001 - every test will say what is wrong with the host
                self.host.channel.reset()
        # Not in an xdist worker: a fork would talk to the controller over the worker's own channel.
        self.forks_allowed = self.host is None and not self.is_worker and fork_allowed(self.config)
        self.config.pluginmanager.register(KataFixtures(self), "kata-fixtures")

    def _read_settings(self) -> None:
        base = Path(self.config.invocation_params.dir)
        found = first_setting(
            self.config.getoption("kata_target"), "--kata-target", ENV_TARGET,
            self.config.getini("kata_target"), "kata_target",
        )  # fmt: skip
        if found:
            self.target = parse_target(found[0], found[1], base)
        found = first_setting(
            self.config.getoption("kata_timeout"), "--kata-timeout", ENV_TIMEOUT,
            self.config.getini("kata_timeout"), "kata_timeout",
        )  # fmt: skip
        if found:
            self.timeout = parse_timeout(found[0], found[1])
            self.timeout_is_set = True

    def manifest_for(self, manifest_path: Path) -> Manifest | None:
        if manifest_path not in self.manifests:
            if not manifest_path.is_file():
                self.manifests[manifest_path] = None
            else:
                try:
                    self.manifests[manifest_path] = load_manifest(manifest_path)
                except ManifestError as exc:
                    raise pytest.UsageError(str(exc)) from None
        return self.manifests[manifest_path]

    def locate(self, test_file: Path) -> tuple[Manifest, Kata] | None:
        """The manifest and kata that own ``test_file``, if it is a kata's test file."""
        if test_file.name != "test_kata.py":
            return None
        manifest = self.manifest_for(test_file.parent.parent / "katas.toml")
        kata = manifest.by_dir(test_file.parent.name) if manifest else None
        return (manifest, kata) if manifest and kata else None

    def kata_of(self, item: pytest.Item) -> Kata | None:
        found = self.locate(Path(item.path))
        return found[1] if found else None

    # -- collection ----------------------------------------------------------------

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> None:
        if self.locate(file_path):
            self.activate()
        elif self.active and self.learner_test_module(file_path):
            # The learner runs their own tests by name: they import the kata's app by its module name.
            if str(file_path.parent) not in sys.path:
                sys.path.insert(0, str(file_path.parent))

    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """A tests kata's learner module is graded by test_kata.py, not collected beside it (unless named)."""
        return True if self.active and self.learner_test_module(collection_path) else None

    def learner_test_module(self, path: Path) -> bool:
        """Is ``path`` the learner's test module of a tests kata?"""
        if path.suffix != ".py":
            return False
        manifest = self.manifest_for(path.parent.parent / "katas.toml")
        kata = manifest.by_dir(path.parent.name) if manifest else None
        return kata is not None and kata.kind == TESTS_KIND and path.name in kata.learner_files

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, Any, Any]:
        report = yield
        if self.active and isinstance(collector, pytest.Module) and report.passed:
            found = self.locate(Path(collector.path))
            if found:
                if self.card_on and self.config.get_verbosity() <= 0:
                    # The card shows one line per failure; pytest's long tracebacks (through Starlette
                    # and anyio) cost seconds per failing kata, so they are built only when -v asks.
                    self.config.option.tbstyle = "no"
                items = [node for node in report.result if isinstance(node, pytest.Item)]
                for order, item in enumerate(items):
                    self._label(item, found[0], found[1], len(items), order)
        return report

    def _label(self, item: pytest.Item, manifest: Manifest, kata: Kata, count: int, order: int) -> None:
        """Attach what the grade card needs to the item, so it rides on every report."""
        item.user_properties.extend(
            [
                ("kata", kata.dir),
                ("kata_manifest", str(manifest.path)),
                ("kata_tests_in_module", count),
                ("kata_order", order),
                ("kata_behaviour", describe_behaviour(item)),
                ("kata_points", points_of(item)),
                ("kata_rules", " ".join(rules_of(item))),
                ("kata_graded_file", str(self.target.file_for(kata))),
            ]
        )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """When a kata test will start a server or a command, warm the launcher up while the others run."""
        if not self.active or self.is_worker:
            return
        uses = {"serve", "run_command"}
        if not any(uses & set(getattr(item, "fixturenames", ())) and self.kata_of(item) for item in session.items):
            return
        if self.host is None:
            prepare_launcher()
            return
        try:
            self.host.channel.call("serve_prepare")
        except Exception:  # noqa: BLE001 - a host that cannot is told again by the test that needs it
            pass

    # -- running -------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        """A kata's test in a fork of this process, which imported the learner's file once for all of them."""
        kata = self.kata_of(item) if self.active and self.forks_allowed and not self.in_fork else None
        if kata is None or kata.kind == TESTS_KIND or kata.dir in self.hung:
            return None
        # Tests run here, as without forks, until one has timed a fresh import of the file: what a process
        # sets up on first use (lazy imports, caches, the event loop machinery) then stays for every fork
        # instead of being paid in each. A fork costs about 10 ms, so a file that imports faster than
        # FORK_WORTH goes on being imported per test, as before, and is never imported here for forks.
        seconds = self.import_seconds.get(str(self.target.file_for(kata)))
        if seconds is None or seconds < FORK_WORTH or not self._warm_import(item, kata) or not no_other_threads():
            return None
        timeout = self._timeout_for(item)
        limit = 3 * timeout + 30 if timeout > 0 else 7 * 24 * 3600.0  # each phase has its own limit in the fork

        def in_child() -> None:
            self.in_fork = True

        def extras() -> dict[str, Any]:
            return {"hung": sorted(self.hung), "crashes": list(self.crashes.items()), "warnings": self.fork_warnings}

        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        outcome = run_in_fork(item, limit, in_child, extras)
        self.hung.update(outcome.extras.get("hung", []))
        self.crashes.update({tuple(key): tuple(value) for key, value in outcome.extras.get("crashes", [])})
        for record in outcome.extras.get("warnings", []):
            told = {"warning_message": warning_from(record), "when": "runtest", "nodeid": item.nodeid, "location": None}
            ihook.pytest_warning_recorded.call_historic(kwargs=told)
        for report in outcome.reports:
            ihook.pytest_runtest_logreport(report=report)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _warm_import(self, item: pytest.Item, kata: Kata) -> bool:
        """Import the graded file once in this process, for every test's fork to start from; False if it fails
        (then each test imports it itself, and says why)."""
        path = self.target.file_for(kata)
        if str(path) not in self.warm:
            self.warm[str(path)] = None
            if not self.known_crash(path)[0]:
                try:
                    with ExitGuard(path) as guard, time_limit(self._timeout_for(item), "importing the file"):
                        module, warned = import_keeping_warnings(item, lambda: import_graded_file(path))
                    if not guard.calls:
                        self.warm[str(path)] = WarmImport(module, dict(os.environ), os.getcwd(), warned)
                except KeyboardInterrupt:
                    raise
                except BaseException:  # noqa: BLE001 - the tests import it again and report what happens
                    pass
        return self.warm[str(path)] is not None

    def warm_module(self, path: Path) -> Any:
        """In a test's fork: the module imported once, if a fresh import would see the same environment."""
        warm = self.warm.get(str(path)) if self.in_fork else None
        if warm is None or not warm.fits():
            return None
        # The module the first test imported still holds the name; Pydantic resolves a forward
        # reference through sys.modules[__module__], which must be this one.
        sys.modules[module_name_for(path)] = warm.module
        self.fork_warnings.extend(warm.warnings)  # as if this test had imported it
        return warm.module

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        kata = self.kata_of(item) if self.active else None
        if kata is not None and kata.dir in self.hung:
            pytest.fail(HUNG, pytrace=False)
        return (yield from self._limited(item, kata, "setting up the test"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        kata = self.kata_of(item) if self.active else None
        return (yield from self._limited(item, kata, "the test"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
        kata = self.kata_of(item) if self.active else None
        return (yield from self._limited(item, kata, "cleaning up after the test"))

    def _limited(self, item: pytest.Item, kata: Kata | None, what: str) -> Generator[None, None, None]:
        if kata is None:
            return (yield)
        try:
            with time_limit(self._timeout_for(item), what):
                return (yield)
        except KataTimeout as exc:
            self.hung.add(kata.dir)
            crash = dict(item.user_properties).get("kata_crash")
            pytest.fail(str(crash or exc), pytrace=False)

    def _timeout_for(self, item: pytest.Item) -> float:
        if not self.timeout_is_set:
            marker = item.get_closest_marker("kata_timeout")
            if marker and marker.args:
                return float(marker.args[0])
        return self.timeout

    def known_crash(self, path: Path) -> tuple[str, str]:
        """The crash line already seen for ``path`` and its kind ("import" or "crashed"), or ("", "")."""
        return self.crashes.get(_file_key(path), ("", ""))

    def remember_crash(self, path: Path, line: str, kind: str = "import") -> None:
        self.crashes[_file_key(path)] = (line, kind)

    # -- reporting -----------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        if self.active and report.failed and call.excinfo is not None:
            # Where the graded file raised, found on the live traceback (--tb=no keeps no locations).
            graded = str(dict(item.user_properties).get("kata_graded_file", ""))
            where = location_in_graded_file(call.excinfo.value, graded)
            if where:
                report.user_properties = [*report.user_properties, ("kata_where", where)]
        return report

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        if self.active and self.in_fork:
            self.fork_warnings.append(warning_record(warning_message))
            return
        if self.active and not self.is_worker:
            message = str(warning_message.message).strip().splitlines()
            where = f"{display_path(Path(warning_message.filename))}:{warning_message.lineno}"
            key = (warning_message.category.__name__, message[0] if message else "", where)
            self.warnings[key] = self.warnings.get(key, 0) + 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = {str(pair[0]): pair[1] for pair in report.user_properties}
        kata_dir = properties.get("kata")
        if kata_dir is None or self.is_worker:
            return
        self.activate()
        manifest = self.manifest_for(Path(properties["kata_manifest"]))
        kata = manifest.by_dir(kata_dir) if manifest else None
        key = (str(properties["kata_manifest"]), str(kata_dir))
        result = self.results.get(key)
        if result is None:
            self.result_katas[key] = kata
            result = self.results[key] = KataResult(
                kata_dir=str(kata_dir),
                title=kata.title if kata else str(kata_dir),
                tests_in_module=int(properties["kata_tests_in_module"]),
                pristine=self._is_pristine(kata),
            )
        behaviour = result.behaviours.get(report.nodeid)
        if behaviour is None:
            behaviour = result.behaviours[report.nodeid] = Behaviour(
                nodeid=report.nodeid,
                name=report.nodeid.rpartition("::")[2],
                description=str(properties["kata_behaviour"]),
                points=int(properties["kata_points"]),
                order=int(properties.get("kata_order", 0)),
                rules=tuple(str(properties.get("kata_rules", "")).split()),
            )
        if report.skipped and report.when != "teardown":
            behaviour.skipped = True
        elif report.failed:
            graded_file = str(properties.get("kata_graded_file", ""))
            behaviour.fail(failure_reason(report.longrepr, graded_file, str(properties.get("kata_where", ""))))
        if properties.get("kata_crash"):
            result.crash = str(properties["kata_crash"])
            result.crash_kind = str(properties.get("kata_crash_kind", "import"))

    def _is_pristine(self, kata: Kata | None) -> bool:
        if kata is None or self.target.kind != "stub" or not kata.stub_sha256:
            return False
        try:
            return file_sha256(kata.stub) == kata.stub_sha256
        except OSError:
            return False

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.exitstatus = int(exitstatus)
        if self.is_worker:
            return
        destination = self.config.getoption("kata_report", None)
        if destination:
            write_report(destination, list(self.results.values()), int(exitstatus))
        if self.card_on and self.target.records_progress:
            self._record_progress()

    def _record_progress(self) -> None:
        by_root: dict[Path, list[tuple[Kata, KataResult]]] = {}
        for key, result in self.results.items():
            kata = self.result_katas[key]
            # A grade made with edited tests says nothing about the learner's code: it is not kept.
            if kata and result.complete and not kata.tests_changed():
                by_root.setdefault(kata.katas_dir.parent, []).append((kata, result))
        for root, graded in by_root.items():

            def change(progress: Any, graded: list[tuple[Kata, KataResult]] = graded) -> None:
                for kata, result in graded:
                    progress.katas[kata.id] = record_of(kata, result)

            try:
                progress = update_progress(root, change)
            except OSError as exc:
                self.notes[str(root)] = f"Progress not saved: {exc}"
                continue
            if progress.problem:
                self.notes[str(root)] = f"Note: {progress.problem}"

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None, None, None]:
        show_card = self.card_on and bool(self.results) and not self.is_worker
        if show_card and self.config.get_verbosity() <= 0:
            # The card replaces pytest's FAILURES section and short summary; -v brings them back.
            self.config.option.tbstyle = "no"
            # Warnings too: the card lists each once, with a count and the line that caused it.
            terminalreporter.reportchars = ""
        result = yield
        if show_card:
            self._write_cards(terminalreporter)
        return result

    def _write_cards(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "fastapi-katas grade card", bold=True)
        results = list(self.results.values())
        for index, (key, result) in enumerate(self.results.items()):
            if index:
                terminalreporter.write_line("")
            kata = self.result_katas[key]
            for line in render_card(result, kata, self.target.describe(), hint_level=self._hint_level(kata)):
                terminalreporter.write_line(line.text, **line.markup)
        for note in self.notes.values():
            terminalreporter.write_line(note, yellow=True)
        if self.warnings and self.config.get_verbosity() <= 0:
            summaries = [WarningSummary(n, *key) for key, n in self.warnings.items()]
            paths = " ".join(sorted({display_path(k.path) for k in self.result_katas.values() if k}))
            for line in render_warnings(summaries, verbose_command=f"pytest -v {paths}".rstrip()):
                terminalreporter.write_line(line.text, **line.markup)
        if len(results) > 1:
            terminalreporter.write_line("")
            summary = render_summary(results)
            terminalreporter.write_line(summary.text, **summary.markup)

    def _hint_level(self, kata: Kata | None) -> int:
        """The furthest hint the learner asked for with `kata hint` (1 when none, or not the learner's stub)."""
        if kata is None or not self.target.records_progress:
            return 1
        try:
            return max(read_progress(kata.katas_dir.parent).hints_shown.get(kata.id, 1), 1)
        except (OSError, ValueError):
            return 1

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        stop_all()
        if self.host is not None:
            self.host.channel.close()
        if self.hung and _stuck_threads():
            # A learner's endless loop still spins in a TestClient thread, which the
            # interpreter would wait for at exit forever. Everything is reported; leave now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.exitstatus)


def write_report(destination: str, results: list[KataResult], exitstatus: int) -> None:
    """The run's results as one JSON document, to a path or to ``fd:N``."""
    document = json.dumps({"format_version": 1, "exitstatus": exitstatus, "katas": [r.to_json() for r in results]})
    if destination.startswith("fd:"):
        with os.fdopen(int(destination[3:]), "w", encoding="utf-8", closefd=True) as stream:
            stream.write(document)
        return
    Path(destination).write_text(document, encoding="utf-8")


def describe_behaviour(item: pytest.Item) -> str:
    """The first line of the test's docstring; the test's name if it has none."""
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    text = doc.splitlines()[0].strip() if doc else item.name.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{text} [{callspec.id}]" if callspec is not None and doc else text


def points_of(item: pytest.Item) -> int:
    marker = item.get_closest_marker("points")
    if marker is None:
        return 1
    value = marker.args[0] if marker.args else marker.kwargs.get("n", 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.points needs a whole number of 1 or more, got {value!r}")
    return value


def rules_of(item: pytest.Item) -> list[str]:
    """The README rules the test names with ``@pytest.mark.rule`` (every such marker, in order)."""
    return [str(rule) for marker in item.iter_markers("rule") for rule in marker.args]


def record_of(kata: Kata, result: KataResult) -> KataRecord:
    try:
        stub_hash = file_sha256(kata.stub)
    except OSError:
        stub_hash = ""
    return KataRecord(
        score=result.score,
        max_score=result.max_score,
        passed=[b.name for b in result.graded if b.passed],
        failed=[b.name for b in result.graded if not b.passed],
        stub_sha256=stub_hash,
        graded_at=now_iso(),
    )


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _stuck_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon]
