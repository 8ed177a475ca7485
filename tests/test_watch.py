"""``kata watch`` regrades on save, survives a looping stub, moves on, and answers keys."""

from __future__ import annotations

import os
import pty
import signal
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


def start_watch(course: Course, *args: str) -> tuple[subprocess.Popen[bytes], Output, int, int]:
    controller, terminal = pty.openpty()
    env = {**os.environ, "KATA_TIMEOUT": "1", "COLUMNS": "80"}
    process = subprocess.Popen(
        [sys.executable, "-m", "graders.commands.launcher", "watch", *args],
        cwd=course.root, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )  # fmt: skip
    return process, Output(process), controller, terminal


def test_watch_regrades_on_save_survives_a_loop_pauses_when_done_and_quits(watch_course: Course) -> None:
    process, output, controller, terminal = start_watch(watch_course)
    stub = watch_course.root / "katas/01_demo/stub.py"
    try:
        output.wait_for("Watching katas/01_demo")
        assert "not started" in output.text and "0/2 katas done" in output.text

        stub.write_text("while True:\n    pass\n")
        output.wait_for("Watching katas/01_demo", count=2)
        assert "does not import" in output.text and "took longer than 1 s" in output.text

        stub.write_text(SOLUTION)
        output.wait_for("n next kata")
        assert "3/3 · done" in output.text and "1/2 katas done" in output.text
        assert "katas/01_demo/SOLUTION.md" in output.text and "Next: 02_next" in output.text
        assert "Watching katas/02_next" not in output.text, "it pauses before moving on"
        assert (watch_course.root / "katas/01_demo/SOLUTION.md").is_file()

        os.write(controller, b"n")
        output.wait_for("Watching katas/02_next")

        os.write(controller, b"h")
        output.wait_for("Hint 2/3:")
        assert "Second hint." in output.text

        os.write(controller, b"q")
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)


def test_watch_takes_a_kata_and_polls_for_saves(watch_course: Course) -> None:
    process, output, controller, terminal = start_watch(watch_course, "02", "--poll")
    try:
        output.wait_for("Watching katas/02_next")
        (watch_course.root / "katas/02_next/stub.py").write_text(SOLUTION)
        output.wait_for("3/3 · done")
        os.write(controller, b"q")
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)


def test_ctrl_c_stops_the_watcher_quietly_even_mid_grade(watch_course: Course) -> None:
    process, output, controller, terminal = start_watch(watch_course)
    try:
        output.wait_for("Watching katas/01_demo")
        (watch_course.root / "katas/01_demo/stub.py").write_text("import time\ntime.sleep(0.8)\n" + SOLUTION)
        time.sleep(0.9)  # the save is seen and its grade has started
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground job
        process.wait(timeout=15)
        time.sleep(0.5)
        output.wait_for("Stopped watching.")
        assert "Traceback" not in output.text and "KeyboardInterrupt" not in output.text, output.text
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)
