"""``kata interview``: a whole conversation, with scripted input and clocks, then in a real terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from graders.commands.interview import Course, Terminal, edit_in_editor, pick_mock, practise, run_mock, show_agenda
from graders.interview.deck import deck_path
from graders.manifest import Manifest, load_manifest
from interview_support import interview_course
from test_watch import Output

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = "It adds two numbers, and it greets people by their name."
PARTIAL = "It adds the numbers together."


class Script:
    """Typed lines, one per prompt; EOF once they run out. ``on_read`` lets time pass while typing."""

    def __init__(self, lines: Iterable[str], on_read: object = None) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []
        self.on_read = on_read

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if callable(self.on_read):
            self.on_read()
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def flat(screen: io.StringIO) -> str:
    """The screen as one line, for sentences that wrap at 80 columns."""
    return " ".join(screen.getvalue().split())


def terminal(lines: Iterable[str], now: datetime = NOW, **kwargs: object) -> tuple[Terminal, io.StringIO, Script]:
    screen = io.StringIO()
    script = Script(lines)
    console = Console(file=screen, width=80, color_system=None, force_terminal=False)
    return Terminal(console, read_line=script, now=lambda: now, **kwargs), screen, script  # type: ignore[arg-type]


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    interview_course(tmp_path, ("01_demo", "02_next", "03_quiet"))
    return load_manifest(tmp_path / "katas" / "katas.toml")


def reviews(manifest: Manifest) -> list[dict[str, object]]:
    path = deck_path(manifest.project_root)
    return json.loads(path.read_text())["reviews"] if path.exists() else []


def test_asks_the_due_question_marks_the_answer_shows_the_model_and_schedules_it(manifest: Manifest) -> None:
    term, screen, script = terminal([GOOD, "", ""])
    assert practise(manifest, term) == 0
    shown = screen.getvalue()
    assert "01_demo · interview question" in shown and "What does 01_demo do?" in shown
    assert "Key points: 2 of 2 covered" in shown and "✓" in shown and "“adds two numbers”" in shown
    assert "A model answer" in shown and "greets people by name" in shown
    assert "[3]" in script.prompts[-1], "Enter takes the suggested rating"
    assert "Next time: in 10 minutes" in shown and "5 more questions are due" in shown
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert [(r["question"], r["rating"], r["covered"]) for r in reviews(manifest)] == [("01_demo/main", "good", 2)]

    term, screen, _ = terminal([PARTIAL, "", "again"], now=NOW + timedelta(minutes=1))
    practise(manifest, term)
    assert "Why does 01_demo greet?" in screen.getvalue() and "Key points: 0 of 2 covered" in screen.getvalue()
    assert "Next time: in 1 minute" in screen.getvalue()
    assert reviews(manifest)[-1]["rating"] == "again"


def test_a_partial_answer_shows_what_was_missed_and_suggests_hard_or_again(manifest: Manifest) -> None:
    term, screen, script = terminal([PARTIAL, "", "x", "2"])
    practise(manifest, term)
    assert "Key points: 1 of 2 covered" in screen.getvalue() and "✗  It greets by name." in screen.getvalue()
    assert "[2]" in script.prompts[-1] and "Type 1, 2, 3 or 4" in screen.getvalue()
    assert reviews(manifest)[-1]["rating"] == "hard"


def test_nothing_due_says_when_the_next_one_is(manifest: Manifest) -> None:
    for _ in range(6):
        practise(manifest, terminal([GOOD, "", "4"])[0])
    term, screen, _ = terminal([])
    assert practise(manifest, term) == 0
    assert re.search(r"Nothing is due now\. Next: 0[12]_\w+, in \d+ days\.", screen.getvalue()), screen.getvalue()
    term, screen, _ = terminal([GOOD, "", ""])
    practise(manifest, term, kata=manifest.find("02"))
    assert "02_next" in screen.getvalue() and "Key points" in screen.getvalue(), "a named kata is practised ahead"


def test_leaving_without_an_answer_or_a_rating_records_nothing(manifest: Manifest) -> None:
    term, screen, _ = terminal([])
    practise(manifest, term)
    assert "No answer: nothing recorded." in screen.getvalue()
    term, screen, _ = terminal([GOOD, ""])
    practise(manifest, term)
    assert "Not rated: nothing recorded." in screen.getvalue()
    assert reviews(manifest) == []


def test_solved_katas_are_asked_first(manifest: Manifest) -> None:
    course = Course.load(manifest)
    course.solved = {"02_next"}
    assert course.agenda(NOW)[0].question.key == "02_next/main"


def test_the_editor_gives_the_answer(manifest: Manifest) -> None:
    term, screen, _ = terminal([""], edit=lambda question: GOOD)
    practise(manifest, term, editor=True)
    assert "Key points: 2 of 2 covered" in screen.getvalue()


def test_edit_in_editor_runs_the_learners_editor_and_drops_the_comment_lines(
    manifest: Manifest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nfrom pathlib import Path\np = Path(sys.argv[1])\n"
        "p.write_text('It adds numbers.\\nAnd greets.\\n' + p.read_text())\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    assert edit_in_editor("What does it do?") == "It adds numbers.\nAnd greets."
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(3)'")
    term, screen, _ = terminal([GOOD, "", ""], edit=edit_in_editor)
    practise(manifest, term, editor=True)
    assert "Editing failed. Type your answer here instead." in flat(screen)
    assert "Key points: 2 of 2 covered" in screen.getvalue()


def test_list_shows_what_is_due_and_when(manifest: Manifest) -> None:
    practise(manifest, terminal([GOOD, "", ""])[0])
    term, screen, _ = terminal([], now=NOW + timedelta(minutes=2))
    show_agenda(manifest, term)
    rows = [line for line in screen.getvalue().splitlines() if line[:2] in {"01", "02"}]
    assert rows[0].startswith("01") and "now" in rows[0] and rows[-1].split()[-2:] == ["minutes", "good"]
    assert "5 of 6 questions (2 katas) due now" in screen.getvalue()


def test_mock_asks_a_question_then_its_follow_up_and_sums_up(manifest: Manifest) -> None:
    picked = pick_mock(Course.load(manifest), 4, random.Random(1))
    assert [q.kata.id for q in picked] == ["01_demo", "01_demo", "02_next", "02_next"] or [
        q.kata.id for q in picked
    ] == ["02_next", "02_next", "01_demo", "01_demo"]
    assert not picked[0].follow_up and picked[1].follow_up and not picked[2].follow_up

    term, screen, _ = terminal([GOOD, "", PARTIAL, "", "", "nothing useful", ""])
    assert run_mock(manifest, term, minutes=20, count=3, seed=1) == 0
    shown = screen.getvalue()
    assert "Mock interview: 3 questions in 20 minutes" in shown and "1 of 3 · 20:00 left" in shown
    assert "Summary: 3 of 3 questions answered" in shown
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert reviews(manifest) == [], "a mock interview leaves the schedule alone"


def test_mock_checks_the_clock_between_questions_only(manifest: Manifest) -> None:
    elapsed = [0.0]
    term, screen, script = terminal([GOOD, "", PARTIAL, "", GOOD, ""], clock=lambda: elapsed[0])

    def typing_takes_four_minutes() -> None:
        elapsed[0] += 120  # two lines per answer: four minutes per answer

    script.on_read = typing_takes_four_minutes
    run_mock(manifest, term, minutes=6, count=4, seed=1)
    shown = screen.getvalue()
    assert "2 of 4 · 2:00 left" in shown, "the second question is asked although little time is left"
    assert "3 of 4" not in shown and "Time is up." in shown
    assert "Summary: 2 of 4 questions answered in 8:00" in shown


def test_mock_with_ctrl_d_stops_and_still_sums_up(manifest: Manifest) -> None:
    term, screen, _ = terminal([GOOD, ""])
    run_mock(manifest, term, count=3, seed=1)
    assert "You stopped the interview." in screen.getvalue() and "Summary: 1 of 3" in screen.getvalue()


# ---------------------------------------------------------------- the real command, in a terminal


def start(root: Path, *args: str) -> tuple[subprocess.Popen[bytes], Output, int, int]:
    controller, tty = pty.openpty()
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("KATA_COURSE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "graders.commands.launcher", "interview", *args],
        cwd=root, stdin=tty, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    return process, Output(process), controller, tty


def drain(output: Output) -> str:
    """Everything printed up to the end of the stream (the command has exited)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = os.read(output.fd, 65536)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not chunk:
            break
        output.text += chunk.decode(errors="replace")
    return output.text


def converse(root: Path, args: tuple[str, ...], steps: list[tuple[str, bytes]]) -> str:
    """Wait for each prompt, then type its line; the whole output once the command exits 0."""
    process, output, controller, tty = start(root, *args)
    try:
        for needle, keys in steps:
            output.wait_for(needle, count=output.text.count(needle) + 1)
            os.write(controller, keys)
        assert process.wait(timeout=30) == 0, output.text
        return drain(output)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(tty)


def test_kata_interview_in_a_terminal_asks_marks_schedules_and_runs_a_mock(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    text = converse(
        course.root, (),
        [("> ", b"It adds two numbers\n"), ("> ", b"and greets people by name.\n"), ("> ", b"\n"),
         ("How well did you recall it?", b"3\n")],
    )  # fmt: skip
    assert "What does 01_demo do?" in text and "Key points: 2 of 2 covered" in text, text
    assert "Next time: in 10 minutes" in text and "Traceback" not in text
    card = json.loads(deck_path(course.root).read_text())["cards"]["01_demo/main"]
    assert datetime.fromisoformat(card["due"]) > datetime.now(UTC) + timedelta(minutes=9)

    listing = subprocess.run(
        [sys.executable, "-m", "graders.commands.launcher", "interview", "--list"],
        cwd=course.root, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, timeout=30,
    )  # fmt: skip
    assert listing.returncode == 0 and "5 of 6 questions (2 katas) due now" in listing.stdout, listing.stdout

    text = converse(
        course.root, ("--mock", "--questions", "2", "--minutes", "5"),
        [("> ", b"It adds numbers.\n"), ("> ", b"\n"), ("> ", b"With a plus.\n"), ("> ", b"\n")],
    )  # fmt: skip
    assert "Mock interview: 2 questions in 5 minutes" in text and "1 of 2 · 5:00 left" in text, text
    assert "Summary: 2 of 2 questions answered" in text and text.count("/2 points · 0:0") == 2, text
    assert "Traceback" not in text


def test_on_a_fresh_copy_of_the_course_the_first_question_is_the_first_katas(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "katas", tmp_path / "katas")
    text = converse(tmp_path, (), [("> ", b"It is built on Starlette and Pydantic.\n"), ("> ", b"\n"),
                                   ("How well did you recall it?", b"\n")])  # fmt: skip
    assert "What is FastAPI, and how does it differ from Flask and Django?" in text, text
    assert "Key points: 2 of 5 covered" in text and "29 more questions are due" in text, text
