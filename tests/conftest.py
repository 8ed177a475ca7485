"""Shared helpers for the project's own tests: a tiny course written into a pytester folder."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

PASSING_AND_FAILING_TESTS = '''
import pytest

def test_adds(kata_module):
    """add() adds two numbers."""
    assert kata_module.add(2, 3) == 5, f"add(2, 3) → expected 5, got {kata_module.add(2, 3)}"

@pytest.mark.points(2)
def test_greets(kata_module):
    """greet() greets by name."""
    got = kata_module.greet("Ada")
    assert got == "Hello, Ada!", f"greet('Ada') → expected 'Hello, Ada!', got {got!r}"
'''

STUB = '''
def add(a, b):
    return 0  # TODO

def greet(name):
    return ""  # TODO
'''

HALF_DONE = '''
def add(a, b):
    return a + b

def greet(name):
    return "Hi"
'''

SOLUTION = '''
def add(a, b):
    return a + b

def greet(name):
    return f"Hello, {name}!"
'''


class Course:
    """Writes katas, their manifest entries and solutions into a pytester folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: list[str] = []

    def kata(
        self,
        name: str = "01_demo",
        *,
        stub: str = STUB,
        tests: str = PASSING_AND_FAILING_TESTS,
        solution: str = SOLUTION,
        pristine: str | None = None,
    ) -> Path:
        folder = self.root / "katas" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stub.py").write_text(textwrap.dedent(stub))
        (folder / "test_kata.py").write_text(textwrap.dedent(tests))
        solutions = self.root / "solutions" / name
        solutions.mkdir(parents=True, exist_ok=True)
        (solutions / "solution.py").write_text(textwrap.dedent(solution))
        digest = hashlib.sha256(textwrap.dedent(pristine if pristine is not None else STUB).encode()).hexdigest()
        self.entries.append(
            f'[[kata]]\nid = "{name}"\ndir = "{name}"\ntitle = "Demo {name}"\n'
            f'question = "What is {name}?"\nstub_sha256 = "{digest}"\n'
            f'hints = ["First hint for {name}.", "Second hint.", "Third hint."]\n'
        )
        (self.root / "katas" / "katas.toml").write_text("format_version = 1\n\n" + "\n".join(self.entries))
        return folder

    @property
    def progress(self) -> Path:
        return self.root / ".kata" / "progress.json"


@pytest.fixture
def course(pytester: pytest.Pytester) -> Course:
    return Course(pytester.path)


@pytest.fixture
def write_file(pytester: pytest.Pytester) -> Callable[[str, str], Path]:
    def write(relative: str, text: str) -> Path:
        path = pytester.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write


SERVER_WORDS = ("uvicorn", "gunicorn")


def process_alive(pid: int) -> bool:
    """Is ``pid`` running (a zombie waiting for its parent to read it is not)?"""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def server_processes() -> dict[int, str]:
    """Every running Uvicorn or Gunicorn process on this machine, by pid (Linux /proc)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if any(word in command for word in SERVER_WORDS) and "pytest" not in command:
            found[int(entry.name)] = command
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SERVERS_BEFORE] = server_processes() if Path("/proc").is_dir() else {}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite starts real servers; none may outlive it (issue: no leftover processes)."""
    if not Path("/proc").is_dir() or hasattr(session.config, "workerinput"):
        return
    import time

    before = session.config.stash.get(_SERVERS_BEFORE, {})
    deadline = time.monotonic() + 5
    leftovers = {pid: cmd for pid, cmd in server_processes().items() if pid not in before}
    while leftovers and time.monotonic() < deadline:
        time.sleep(0.2)
        leftovers = {pid: cmd for pid, cmd in server_processes().items() if pid not in before}
    if leftovers:
        lines = "\n".join(f"  {pid}: {cmd[:160]}" for pid, cmd in leftovers.items())
        print(f"\nserver processes left behind by the test suite:\n{lines}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SERVERS_BEFORE = pytest.StashKey[dict[int, str]]()
