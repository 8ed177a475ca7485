"""Grade one kata in a fresh folder, in its own process, with a deadline, and trust only what checks out.

The folder holds the pristine files of that kata (from memory) and the student's
learner files, nothing else from the submission. ``python -I -m pytest`` runs there
with a clean environment, and its report comes back over a pipe the parent opened.
The parent knows the expected behaviours and their points on its own (a collection
run that never imports a learner file) and takes from the graded run only which of
them passed. A check that always fails is added to the tests: if the run reports it
passed, or pytest ends with success, the run's reporting was tampered with.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.classroom.pristine import PristineCourse, PristineKata, body_of_test
from graders.classroom.results import (
    ERROR,
    FAIL,
    FLAG_CRASHED,
    FLAG_MISSING,
    FLAG_NO_IMPORT,
    FLAG_REPORT_REJECTED,
    FLAG_TIMEOUT,
    PASS,
    BehaviourGrade,
    KataGrade,
)

PYTEST_INI = "[pytest]\n# Written by `kata grade`: pins the rootdir; no other configuration reaches a graded run.\nxfail_strict = true\n"
CANARY_PREFIX = "test_zz_kata_grade_check_"
HUNG_MARK = "took longer than"
NOT_GRADED_MARK = "an earlier behaviour of this kata hung"
ENV_KEPT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT")


class CollectionError(Exception):
    """The pristine tests could not be collected: the course is broken, not the submission."""


@dataclass(frozen=True)
class SandboxSettings:
    """Limits of one graded run."""

    deadline: float = 120.0  # seconds for a whole kata, pytest start-up included
    test_timeout: float | None = None  # --kata-timeout for each test; None keeps the kata's own
    output_cap: int = 64 * 1024  # bytes of the run's output kept (the last ones)
    report_cap: int = 8 * 1024 * 1024
    memory_mb: int = 4096  # address-space limit of the graded process; 0 = none
    python: str = sys.executable


@dataclass(frozen=True)
class ExpectedBehaviour:
    """A behaviour the pristine tests define: its id, learner-facing description and points."""

    nodeid: str
    name: str
    description: str
    points: int
    file: str
    line: int
    test_code: str = ""


@dataclass
class RunOutcome:
    """What the parent saw of one child process."""

    returncode: int | None
    report: bytes = b""
    output: bytes = b""
    output_bytes: int = 0
    timed_out: bool = False
    report_too_large: bool = False
    duration: float = 0.0


# -- the folder ------------------------------------------------------------------


def make_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / "tmp").mkdir()
    (folder / "home").mkdir()
    return folder


def write_course_files(folder: Path, course: PristineCourse, katas: list[PristineKata]) -> None:
    """The manifest, a pytest.ini that pins the rootdir, and each kata's pristine files."""
    (folder / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (folder / "katas").mkdir(exist_ok=True)
    (folder / "katas" / "katas.toml").write_bytes(course.manifest_text)
    for kata in katas:
        for relative, data in kata.files.items():
            target = folder / "katas" / kata.dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def write_learner_files(folder: Path, kata: PristineKata, learner: dict[str, bytes | None]) -> None:
    """Replace the pristine learner files with the student's; a missing one is left out."""
    for relative in kata.learner_files:
        target = folder / "katas" / kata.dir / relative
        target.unlink(missing_ok=True)
        data = learner.get(relative)
        if data is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def add_canary(folder: Path, kata: PristineKata) -> str:
    """Append a check that always fails to the kata's tests; return its test name."""
    name = CANARY_PREFIX + secrets.token_hex(6)
    tests = folder / "katas" / kata.dir / "test_kata.py"
    text = tests.read_bytes()
    if text and not text.endswith(b"\n"):
        text += b"\n"
    text += (
        f'\n\ndef {name}():\n    """Checks the grading run itself; never counted."""\n'
        f'    raise AssertionError("this check always fails")\n'
    ).encode()
    tests.write_bytes(text)
    return name


def clean_env(folder: Path, settings: SandboxSettings) -> dict[str, str]:
    """Only what Python needs: no tokens, no CI variables, no PYTHON* settings of the caller."""
    env = {key: os.environ[key] for key in ENV_KEPT if key in os.environ}
    bin_dir = str(Path(settings.python).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
    env["HOME"] = str(folder / "home")
    env["TMPDIR"] = str(folder / "tmp")
    env.setdefault("LANG", "C.UTF-8")
    env["KATA_SANDBOX_MEMORY_MB"] = str(settings.memory_mb)
    env["COLUMNS"] = "120"
    return env


def pytest_command(settings: SandboxSettings, folder: Path, *args: str) -> list[str]:
    # -I: no PYTHON* variables, no user site, the working folder not on sys.path. -B: no .pyc files.
    return [
        settings.python, "-I", "-B", "-X", "utf8", "-m", "pytest",
        "-p", "no:cacheprovider", "-p", "graders.classroom.guard",
        f"--rootdir={folder}", "-c", str(folder / "pytest.ini"), f"--confcutdir={folder}",
        *args,
    ]  # fmt: skip


# -- running -------------------------------------------------------------------


def run_child(command: list[str], folder: Path, settings: SandboxSettings, with_report: bool) -> RunOutcome:
    """Run ``command`` in ``folder``; read its output (capped) and its report pipe until the deadline."""
    report_read = report_write = -1
    if with_report:
        report_read, report_write = os.pipe()
        command = [part.replace("{report_fd}", str(report_write)) for part in command]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command, cwd=folder, env=clean_env(folder, settings), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            pass_fds=(report_write,) if with_report else (),
        )  # fmt: skip
    except OSError as exc:
        for fd in (report_read, report_write):
            if fd >= 0:
                os.close(fd)
        return RunOutcome(returncode=None, output=f"cannot start the grading process: {exc}".encode())
    if with_report:
        os.close(report_write)
    assert process.stdout is not None
    outcome = RunOutcome(returncode=None)
    try:
        _drain(process, process.stdout.fileno(), report_read, started + settings.deadline, settings, outcome)
    finally:
        _kill_group(process)
        process.stdout.close()
        if report_read >= 0:
            try:
                os.close(report_read)
            except OSError:
                pass
        outcome.returncode = process.wait()
        _kill_strays(folder)
        outcome.duration = time.monotonic() - started
    return outcome


def _drain(
    process: subprocess.Popen[bytes], output_fd: int, report_fd: int, deadline: float,
    settings: SandboxSettings, outcome: RunOutcome,
) -> None:  # fmt: skip
    """Read both pipes; keep the last ``output_cap`` bytes of output; stop at the deadline."""
    tail = bytearray()
    report = bytearray()
    selector = selectors.DefaultSelector()
    selector.register(output_fd, selectors.EVENT_READ)
    if report_fd >= 0:
        selector.register(report_fd, selectors.EVENT_READ)
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                outcome.timed_out = True
                return
            if exited_at is not None and now - exited_at > 1.0:
                return  # a leftover process still holds a pipe open; the run is over
            for key, _ in selector.select(timeout=min(0.25, deadline - now)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                elif key.fd == output_fd:
                    outcome.output_bytes += len(chunk)
                    tail += chunk
                    if len(tail) > settings.output_cap:
                        del tail[: len(tail) - settings.output_cap]
                elif len(report) + len(chunk) > settings.report_cap:
                    outcome.report_too_large = True
                    selector.unregister(key.fd)
                else:
                    report += chunk
            if exited_at is None and process.poll() is not None:
                exited_at = time.monotonic()
    finally:
        selector.close()
        outcome.output = bytes(tail)
        outcome.report = bytes(report)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _kill_strays(folder: Path) -> None:
    """End processes the run left behind in their own session (servers): any that name the folder."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = re.compile(re.escape(str(folder).encode()) + rb"(?:/|\x00|$)")
    me = os.getuid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != me:
                continue
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode()
        except OSError:
            continue
        if marker.search(cmdline) or marker.match(cwd):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


# -- expected behaviours ---------------------------------------------------------

_EXPECTED: dict[str, dict[str, list[ExpectedBehaviour]]] = {}


def collect_expected(
    course: PristineCourse, katas: list[PristineKata], settings: SandboxSettings
) -> dict[str, list[ExpectedBehaviour]]:
    """Each kata's behaviours from the pristine tests; computed once per set of tests in this process."""
    key = course.fingerprint + ":" + ",".join(k.dir for k in katas)
    if key not in _EXPECTED:
        _EXPECTED[key] = _collect(course, katas, settings)
    return _EXPECTED[key]


def _collect(
    course: PristineCourse, katas: list[PristineKata], settings: SandboxSettings
) -> dict[str, list[ExpectedBehaviour]]:
    folder = make_folder("kata-collect-")
    try:
        write_course_files(folder, course, katas)
        out = folder / "collected.json"
        command = pytest_command(
            settings, folder, "-p", "graders.classroom.collect", "--collect-only", "-q",
            f"--kata-collect-out={out}", *[f"katas/{k.dir}/test_kata.py" for k in katas],
        )  # fmt: skip
        outcome = run_child(command, folder, settings, with_report=False)
        if outcome.returncode != 0 or not out.is_file():
            tail = outcome.output.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise CollectionError(f"the pristine tests do not collect: {' / '.join(tail) or 'no output'}")
        items = json.loads(out.read_text(encoding="utf-8"))["items"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    found: dict[str, list[ExpectedBehaviour]] = {k.dir: [] for k in katas}
    for item in items:
        parts = str(item["file"]).split("/")
        if len(parts) < 3 or parts[1] not in found:
            continue
        kata = next(k for k in katas if k.dir == parts[1])
        found[parts[1]].append(
            ExpectedBehaviour(
                nodeid=str(item["nodeid"]), name=str(item["name"]), description=str(item["description"]),
                points=int(item["points"]), file=str(item["file"]), line=int(item["line"]),
                test_code=body_of_test(kata.tests, str(item.get("function", item["name"]))),
            )
        )  # fmt: skip
    for kata in katas:
        if not found[kata.dir]:
            raise CollectionError(f"the pristine tests of {kata.kata.id} collect no behaviour")
    return found


# -- grading one kata -------------------------------------------------------------


def new_grade(kata: PristineKata, expected: list[ExpectedBehaviour]) -> KataGrade:
    """A kata's grade before its run: every expected behaviour, failing, worth its points."""
    return KataGrade(
        kata=kata.kata.id, title=kata.kata.title, number=kata.number,
        behaviours=[
            BehaviourGrade(
                nodeid=e.nodeid, name=e.name, description=e.description, points=e.points,
                file=e.file, line=e.line, test_code=e.test_code,
            )
            for e in expected
        ],
    )  # fmt: skip


def grade_kata(
    course: PristineCourse, kata: PristineKata, expected: list[ExpectedBehaviour],
    learner: dict[str, bytes | None], settings: SandboxSettings, notes: list[str] | None = None,
) -> KataGrade:  # fmt: skip
    """Run the pristine tests of ``kata`` against the learner files and judge what comes back."""
    grade = new_grade(kata, expected)
    grade.untouched = all(learner.get(name) == kata.files.get(name) for name in kata.learner_files)
    missing = [name for name in kata.learner_files if learner.get(name) is None]
    for note in notes or []:
        grade.flag(FLAG_MISSING, note)
    if missing and not notes:
        grade.flag(FLAG_MISSING, f"{', '.join(missing)} not in the submission.")
    folder = make_folder("kata-grade-")
    try:
        write_course_files(folder, course, [kata])
        write_learner_files(folder, kata, learner)
        canary = add_canary(folder, kata)
        args = ["--no-grade-card", "--kata-report=fd:{report_fd}", "-q", "-s", "--tb=no", "-rN"]
        if settings.test_timeout is not None:
            args.append(f"--kata-timeout={settings.test_timeout:g}")
        command = pytest_command(settings, folder, *args, f"katas/{kata.dir}/test_kata.py")
        outcome = run_child(command, folder, settings, with_report=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    judge(grade, outcome, canary, kata, settings)
    return grade


def judge(grade: KataGrade, outcome: RunOutcome, canary: str, kata: PristineKata, settings: SandboxSettings) -> None:
    """Fill ``grade`` from a run: only a report that passes every check earns points."""
    grade.duration = outcome.duration
    grade.log_tail = outcome.output[-4096:].decode("utf-8", "replace")
    if outcome.output_bytes > settings.output_cap:
        grade.notes.append(f"The run printed {outcome.output_bytes // 1024} KB; only the last {settings.output_cap // 1024} KB were kept.")
    if outcome.timed_out:
        grade.flag(FLAG_TIMEOUT)
        grade.fail_all(f"grading took longer than {settings.deadline:g} s in all and was stopped (an endless loop or a hang?)")
        return
    if outcome.report_too_large:
        grade.flag(FLAG_REPORT_REJECTED)
        grade.fail_all("the grading run sent a report far larger than any real one; it was not trusted")
        return
    if not outcome.report.strip():
        grade.flag(FLAG_CRASHED)
        grade.fail_all(_no_report_reason(outcome))
        return
    try:
        text = outcome.report.decode("utf-8").strip()
        document, end = json.JSONDecoder().raw_decode(text)
    except (UnicodeDecodeError, ValueError):
        return _reject(grade, "the grading run's report is not valid JSON")
    if text[end:].strip():
        return _reject(grade, "the grading run sent more than one report")
    problem = _check_document(document, kata, grade, canary, outcome)
    if problem:
        return _reject(grade, problem)
    entry = document["katas"][0]
    reported = {str(b["nodeid"]): b for b in entry["behaviours"]}
    crash = str(entry.get("crash") or "")
    for behaviour in grade.behaviours:
        seen = reported[behaviour.nodeid]
        if seen.get("passed") is True and not seen.get("skipped"):
            behaviour.status = PASS
            behaviour.message = ""
            continue
        reason = str(seen.get("reason") or "")
        if seen.get("skipped"):
            reason = f"skipped, so not graded: {reason}" if reason else "skipped, so not graded"
        behaviour.status = ERROR if crash else FAIL
        behaviour.message = reason or "failed"
        if HUNG_MARK in reason or NOT_GRADED_MARK in reason:
            grade.flag(FLAG_TIMEOUT)
    if crash:
        grade.flag(FLAG_NO_IMPORT)
        grade.status = ERROR
        grade.message = f"does not import: {crash}"
    else:
        grade.status = PASS if all(b.status == PASS for b in grade.behaviours) else FAIL


def _check_document(document: Any, kata: PristineKata, grade: KataGrade, canary: str, outcome: RunOutcome) -> str:
    """Why the report cannot be trusted, or "" when it can."""
    if not isinstance(document, dict) or document.get("format_version") != 1:
        return "the grading run's report is not in the expected format"
    katas = document.get("katas")
    if not isinstance(katas, list) or len(katas) != 1 or not isinstance(katas[0], dict):
        return "the grading run's report does not describe exactly this kata"
    entry = katas[0]
    if entry.get("kata") != kata.dir or not isinstance(entry.get("behaviours"), list):
        return "the grading run's report does not describe exactly this kata"
    behaviours = entry["behaviours"]
    if not all(isinstance(b, dict) and "nodeid" in b for b in behaviours):
        return "the grading run's report is not in the expected format"
    ids = [str(b["nodeid"]) for b in behaviours]
    canary_ids = [i for i in ids if i.rpartition("::")[2] == canary]
    expected = {b.nodeid for b in grade.behaviours}
    real = [i for i in ids if i not in canary_ids]
    if len(ids) != len(set(ids)) or set(real) != expected:
        return "the grading run reported other tests than the course's"
    if len(canary_ids) != 1:
        return "the grading run left out a check that is always run"
    check = next(b for b in behaviours if str(b["nodeid"]) == canary_ids[0])
    if check.get("passed") is not False:
        return "a check that always fails was reported as passing: the run's reporting was tampered with"
    if outcome.returncode == 0 or document.get("exitstatus") == 0:
        return "pytest ended with success although a check always fails: the run's reporting was tampered with"
    if outcome.returncode != document.get("exitstatus"):
        return f"the run's exit code ({_describe_code(outcome.returncode)}) does not match its report"
    if outcome.returncode == 2:
        return "the run was interrupted (a KeyboardInterrupt raised by the code?)"
    if outcome.returncode != 1:
        return f"pytest did not finish its run ({_describe_code(outcome.returncode)})"
    return ""


def _reject(grade: KataGrade, reason: str) -> None:
    grade.flag(FLAG_REPORT_REJECTED)
    grade.fail_all(f"{reason}; no points were given")


def _no_report_reason(outcome: RunOutcome) -> str:
    code = outcome.returncode
    if code == 0:
        return "the grading process ended early with exit code 0 (os._exit or similar) before anything was graded"
    if code is not None and code < 0:
        return f"the grading process crashed ({_describe_code(code)}), e.g. an endless recursion or too much memory"
    if code is None:
        return "the grading process could not be started"
    return f"the grading process ended without a report ({_describe_code(code)})"


def _describe_code(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"

