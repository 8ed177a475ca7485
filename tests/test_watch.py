"""``kata watch`` regrades on save, survives a looping stub, moves on, and answers keys."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SOLUTION, Course


class Output:
    """Everything the watcher printed so far, read without blocking."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.process = process
        self.fd = process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.text = ""

    def wait_for(self, needle: str, count: int = 1, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while self.text.count(needle) < count:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                chunk = b""
            self.text += chunk.decode(errors="replace")
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} (×{count}) never appeared; the watcher printed:\n{self.text[-3000:]}")
            if not chunk:
                time.sleep(0.02)
        return self.text


@pytest.fixture
def watch_course(tmp_path: Path) -> Course:
    course = Course(tmp_path)
    course.kata("01_demo")
    course.kata("02_next")
    return course


def test_watch_regrades_on_save_survives_a_loop_moves_on_and_quits(watch_course: Course) -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "KATA_TIMEOUT": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "graders.commands.launcher", "watch"],
        cwd=watch_course.root, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    output = Output(process)
    stub = watch_course.root / "katas/01_demo/stub.py"
    try:
        output.wait_for("Watching katas/01_demo")
        assert "not started" in output.text

        stub.write_text("while True:\n    pass\n")
        output.wait_for("Watching katas/01_demo", count=2)
        assert "does not import" in output.text and "took longer than 1 s" in output.text

        stub.write_text(SOLUTION)
        output.wait_for("Watching katas/02_next")
        assert "3/3 · done" in output.text and "Next: 02_next" in output.text

        os.write(controller, b"h")
        output.wait_for("Hint 1/3")
        assert "First hint for 02_next." in output.text

        os.write(controller, b"q")
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)
