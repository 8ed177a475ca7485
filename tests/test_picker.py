"""``kata list`` in a terminal: an arrow-key list to go to a kata or start one over."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import HALF_DONE, Course
from graders.commands.picker import render


@pytest.fixture
def three(tmp_path: Path) -> Course:
    course = Course(tmp_path)
    for name in ("01_demo", "02_next", "03_last"):
        course.kata(name)
    return course


class Terminal:
    """``kata list`` on a pseudo-terminal, as a learner runs it."""

    def __init__(self, course: Course) -> None:
        self.controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graders.commands.launcher", "list"],
            cwd=course.root, stdin=terminal, stdout=terminal, stderr=terminal,
            env={**os.environ, "COLUMNS": "80"}, start_new_session=True,
        )  # fmt: skip
        os.close(terminal)
        self.text = ""

    def wait_for(self, needle: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared; the terminal shows:\n{self.text[-2000:]}")
            try:
                self.text += os.read(self.controller, 65536).decode(errors="replace")
            except OSError:
                time.sleep(0.05)

    def press(self, keys: bytes) -> None:
        os.write(self.controller, keys)
        time.sleep(0.2)

    def finish(self) -> int:
        try:
            code = self.process.wait(timeout=20)
            self.wait_for("", timeout=0.1)
            return code
        finally:
            if self.process.poll() is None:
                self.process.kill()
            os.close(self.controller)


def current(course: Course) -> str | None:
    progress = course.root / ".kata" / "progress.json"
    return json.loads(progress.read_text()).get("current") if progress.exists() else None


def test_arrows_and_enter_go_to_a_kata(three: Course) -> None:
    terminal = Terminal(three)
    terminal.wait_for("↑/↓ move")
    assert "› 01_demo" in terminal.text, "the list starts on the current kata"
    terminal.press(b"\x1b[B")
    terminal.press(b"\x1b[B")
    terminal.press(b"\x1b[A")
    terminal.press(b"\r")
    assert terminal.finish() == 0
    assert current(three) == "02_next", terminal.text


def test_r_starts_a_kata_over_after_asking(three: Course) -> None:
    for git in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "course"]):
        subprocess.run(["git", *git], cwd=three.root, check=True, capture_output=True)
    stub = three.root / "katas/03_last/stub.py"
    stub.write_text(HALF_DONE)
    terminal = Terminal(three)
    terminal.wait_for("↑/↓ move")
    terminal.press(b"kr")  # up from the first row wraps round to the last kata
    terminal.wait_for("[y/N]")
    terminal.press(b"y\r")
    assert terminal.finish() == 0
    assert stub.read_text() != HALF_DONE, terminal.text


def test_q_leaves_without_changing_anything(three: Course) -> None:
    terminal = Terminal(three)
    terminal.wait_for("↑/↓ move")
    terminal.press(b"jq")
    assert terminal.finish() == 0
    assert current(three) is None


def test_rows_fit_the_terminal_and_point_at_the_choice() -> None:
    rows = ["01_demo  done  3/3  " + "What is FastAPI? " * 10, "02_next"]
    lines = render(rows, 1, 40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("  01_demo") and lines[0].endswith("…") and lines[1] == "› 02_next"
