"""``kata interview``: answer a question as you would out loud, see what it held, come back in time.

One question per run (the one due first), or ``--mock``: several in a row against the
clock, marked at the end. Everything the learner sees goes through a ``Terminal``, so the
tests drive a whole conversation with their own input, clocks and editor.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from graders.commands.course import is_solved, read_course_progress
from graders.interview.content import Question, course_questions
from graders.interview.deck import RATING_NAMES, Entry, agenda, read_deck, review, utc_now
from graders.interview.matcher import Marking, mark, suggested_rating
from graders.manifest import Kata, Manifest
from graders.shell import command

ANSWER_TIP = "Answer as you would out loud. An empty line ends your answer."
EDITOR_MARK = "#"
MOCK_MINUTES = 20.0
MOCK_QUESTIONS = 6


def edit_in_editor(question: str) -> str | None:
    """Open ``$VISUAL``/``$EDITOR`` on a file holding the question; the text written, or None if not saved."""
    import click

    lines = [f"{EDITOR_MARK} {line}" for line in question.splitlines()]
    template = "\n\n" + "\n".join([*lines, f"{EDITOR_MARK} Write your answer above; lines starting with # are left out."])
    try:
        written = click.edit(template, extension=".md", require_save=True)
    except click.ClickException as exc:
        raise EditorFailed(exc.format_message()) from None
    if written is None:
        return None
    kept = [line for line in written.splitlines() if not line.lstrip().startswith(EDITOR_MARK)]
    return "\n".join(kept).strip()


class EditorFailed(Exception):
    """The editor could not be started or exited with an error."""


def read_line(prompt: str) -> str:
    """One line from the terminal (``EOFError`` at Ctrl-D); line editing where readline exists."""
    try:
        import readline  # noqa: F401  (arrow keys and history in input())
    except ImportError:
        pass
    return input(prompt)


@dataclass
class Terminal:
    """What a conversation needs from the world: a screen, typed lines, an editor and two clocks."""

    console: Console
    read_line: Callable[[str], str] = read_line
    edit: Callable[[str], str | None] = edit_in_editor
    now: Callable[[], datetime] = utc_now  # for the schedule
    clock: Callable[[], float] = time.monotonic  # for a mock interview's time limit


class Stop(Exception):
    """The learner left (Ctrl-D where an answer was expected); nothing more is asked."""


# ---------------------------------------------------------------- reading answers


def read_answer(terminal: Terminal, question: Question, editor: bool, tip: bool = True) -> str:
    """The learner's answer: typed lines up to an empty one, or what they wrote in their editor."""
    if editor:
        try:
            written = terminal.edit(question.ask)
        except EditorFailed as exc:
            terminal.console.print(f"{exc}. Type your answer here instead.", style="yellow", highlight=False)
        else:
            if written is None:
                terminal.console.print("The editor closed without saving: no answer.", style="yellow")
                return ""
            terminal.console.print(Padding(Text(written), (0, 0, 0, 2)))
            return written
    if tip:
        terminal.console.print(ANSWER_TIP, style="dim", highlight=False)
    lines: list[str] = []
    while True:
        try:
            line = terminal.read_line("> ")
        except EOFError:
            if not lines:
                raise Stop from None
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines).strip()


def read_rating(terminal: Terminal, suggested: int) -> int:
    """1 again … 4 easy; Enter takes the suggestion."""
    names = " · ".join(f"{number} {name}" for number, name in RATING_NAMES.items())
    by_name = {name: number for number, name in RATING_NAMES.items()}
    while True:
        try:
            given = terminal.read_line(f"How well did you recall it? {names} [{suggested}]: ").strip().lower()
        except EOFError:
            raise Stop from None
        if not given:
            return suggested
        if given in by_name:
            return by_name[given]
        if given.isdigit() and int(given) in RATING_NAMES:
            return int(given)
        terminal.console.print("Type 1, 2, 3 or 4 (or again, hard, good, easy).", style="yellow")


# ---------------------------------------------------------------- showing


def header(terminal: Terminal, question: Question, where: str = "") -> None:
    kind = "follow-up" if question.follow_up else "interview question"
    title = f"{where}{question.kata.id} · {kind}"
    terminal.console.rule(Text(title, style="bold"), align="left", style="dim")
    terminal.console.print(Text(question.ask, style="bold cyan"))


def marks_table(marking: Marking) -> Table:
    """Each key point with ✓ or ✗, and the learner's words that covered it."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=3, no_wrap=True)
    table.add_column(ratio=1)
    for entry in marking.marks:
        if entry.covered:
            said = shorten(" ".join(entry.evidence.split()), 60)
            body = Text.assemble(entry.point.say, ("\n“" + said + "”", "dim"))
            table.add_row(Text(" ✓", style="green"), body)
        else:
            table.add_row(Text(" ✗", style="red"), Text(entry.point.say))
    return table


def marks_view(marking: Marking) -> RenderableType:
    parts: list[RenderableType] = [Text(f"Key points: {marking.covered} of {marking.total} covered", style="bold")]
    if marking.note:
        parts.append(Text(marking.note, style="yellow"))
    parts.append(marks_table(marking))
    return Group(*parts)


def answer_view(question: Question) -> RenderableType:
    paragraphs = [" ".join(block.split()) for block in question.answer.split("\n\n") if block.strip()]
    return Group(Text("A model answer", style="bold"), Padding(Text("\n\n".join(paragraphs)), (0, 0, 0, 2)))


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def when(moment: datetime, now: datetime) -> str:
    """``now``, ``in 10 minutes``, ``in 3 hours``, ``tomorrow``, ``in 5 days``: when a question is due."""
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 86400:
        hours = round(seconds / 3600)
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return "tomorrow" if days == 1 else f"in {days} days"


# ---------------------------------------------------------------- the course's questions


@dataclass
class Course:
    """The questions, which katas are solved, and what could not be read."""

    manifest: Manifest
    questions: list[Question]
    solved: set[str]
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, manifest: Manifest) -> Course:
        questions, problems = course_questions(manifest)
        progress = read_course_progress(manifest)
        solved = {kata.id for kata in manifest.katas if is_solved(kata, progress)}
        return cls(manifest, questions, solved, problems)

    def agenda(self, now: datetime, kata: Kata | None = None) -> list[Entry]:
        chosen = [q for q in self.questions if kata is None or q.kata.id == kata.id]
        return agenda(chosen, read_deck(self.manifest.project_root), self.solved, now)


def warn(terminal: Terminal, lines: list[str]) -> None:
    for line in lines:
        terminal.console.print(f"! {line}", style="yellow", highlight=False, markup=False)


def no_questions(terminal: Terminal, kata: Kata | None) -> int:
    if kata is not None:
        terminal.console.print(f"{kata.id} has no interview questions yet.", highlight=False)
    else:
        terminal.console.print("This course has no interview questions yet (katas/NN_topic/interview.toml).")
    return 0


# ---------------------------------------------------------------- kata interview


def practise(manifest: Manifest, terminal: Terminal, kata: Kata | None = None, editor: bool = False) -> int:
    """Ask the question due first (of ``kata``, if named: then ahead of time if none is due)."""
    course = Course.load(manifest)
    warn(terminal, course.problems)
    now = terminal.now()
    entries = course.agenda(now, kata)
    if not entries:
        return no_questions(terminal, kata)
    first = entries[0]
    if not first.is_due(now) and kata is None:
        assert first.due is not None
        terminal.console.print(
            f"Nothing is due now. Next: {first.question.kata.id}, {when(first.due, now)}.\n"
            f"`{command('kata interview --list')}` shows every question; "
            f"`{command('kata interview NN')}` practises a kata's questions now.",
            highlight=False,
        )
        return 0
    question = first.question
    header(terminal, question)
    try:
        answer = read_answer(terminal, question, editor)
    except Stop:
        terminal.console.print("\nNo answer: nothing recorded.")
        return 0
    marking = mark(answer, question.points)
    terminal.console.print()
    terminal.console.print(marks_view(marking))
    terminal.console.print()
    terminal.console.print(answer_view(question))
    terminal.console.print()
    try:
        rating = read_rating(terminal, suggested_rating(marking))
    except Stop:
        terminal.console.print("\nNot rated: nothing recorded.")
        return 0
    moment = terminal.now()
    card, deck = review(manifest.project_root, question, rating, moment, marking.covered, marking.total)
    if deck.problem:
        warn(terminal, [deck.problem])
    local = card.due.astimezone().strftime("%a %d %b, %H:%M")
    terminal.console.print(f"Next time: {when(card.due, moment)} ({local}).", highlight=False)
    due = [e for e in course.agenda(moment, kata) if e.is_due(moment)]
    if due:
        more = f"{len(due)} more question{'s are' if len(due) != 1 else ' is'} due"
        again = command(f"kata interview {kata.number}" if kata else "kata interview")
        terminal.console.print(f"{more}: `{again}` asks the next.", highlight=False)
    return 0


def show_agenda(manifest: Manifest, terminal: Terminal, kata: Kata | None = None) -> int:
    """``kata interview --list``: every question, what is due now and when the rest come back."""
    course = Course.load(manifest)
    warn(terminal, course.problems)
    deck_problem = read_deck(manifest.project_root).problem
    if deck_problem:
        warn(terminal, [deck_problem])
    now = terminal.now()
    entries = course.agenda(now, kata)
    if not entries:
        return no_questions(terminal, kata)
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=True)
    table.add_column("kata", no_wrap=True)
    table.add_column("question", no_wrap=True, overflow="ellipsis", ratio=1)  # one line each
    table.add_column("due", no_wrap=True)
    table.add_column("last", no_wrap=True)
    for entry in entries:
        label = "↳ " if entry.question.follow_up else ""  # a follow-up, under its question
        due = "now" if entry.is_due(now) else when(entry.due, now) if entry.due else "now"
        style = "bold" if entry.is_due(now) else "dim"
        table.add_row(
            entry.question.kata.number,
            Text(label + entry.question.ask),
            Text(due, style=style),
            entry.last_rating or "new",
        )
    terminal.console.print(table)
    due_now = [e for e in entries if e.is_due(now)]
    of_solved = sum(1 for e in due_now if e.solved)
    katas = len({e.question.kata.id for e in entries})
    terminal.console.print(
        f"\n{len(due_now)} of {len(entries)} questions ({katas} kata{'s' if katas != 1 else ''}) due now, {of_solved} of them "
        f"from katas you solved. `{command('kata interview')}` asks the first.",
        highlight=False,
    )
    return 0


# ---------------------------------------------------------------- kata interview --mock


@dataclass
class Answered:
    """One question of a mock interview, how the answer was marked and how long it took."""

    question: Question
    marking: Marking
    seconds: float


def pick_mock(course: Course, count: int, rng: random.Random, kata: Kata | None = None) -> list[Question]:
    """Questions as an interviewer asks them: a kata's question, then one of its follow-ups, then another kata.

    Katas you solved come first (shuffled), then the others (shuffled).
    """
    by_kata: dict[str, list[Question]] = {}
    for question in course.questions:
        if kata is None or question.kata.id == kata.id:
            by_kata.setdefault(question.kata.id, []).append(question)
    solved = [k for k in by_kata if k in course.solved]
    others = [k for k in by_kata if k not in course.solved]
    rng.shuffle(solved)
    rng.shuffle(others)
    rounds: list[list[Question]] = []
    for kata_id in solved + others:
        mains = [q for q in by_kata[kata_id] if not q.follow_up]
        follow_ups = [q for q in by_kata[kata_id] if q.follow_up]
        rng.shuffle(follow_ups)
        rounds.append(mains[:1] + follow_ups)
    picked: list[Question] = []
    depth = 0
    while len(picked) < count and any(len(r) > depth for r in rounds):
        # First pass: each kata's question and one follow-up; later passes add more follow-ups.
        for questions in rounds:
            take = questions[depth : depth + 2] if depth == 0 else questions[depth : depth + 1]
            for question in take:
                if len(picked) < count:
                    picked.append(question)
        depth = 2 if depth == 0 else depth + 1
    return picked


def run_mock(
    manifest: Manifest,
    terminal: Terminal,
    minutes: float = MOCK_MINUTES,
    count: int = MOCK_QUESTIONS,
    editor: bool = False,
    kata: Kata | None = None,
    seed: int | None = None,
) -> int:
    """A timed mock interview; the clock is read between questions, never while you type."""
    course = Course.load(manifest)
    warn(terminal, course.problems)
    questions = pick_mock(course, count, random.Random(seed), kata)
    if not questions:
        return no_questions(terminal, kata)
    limit = minutes * 60
    terminal.console.print(
        f"[bold]Mock interview[/bold]: {len(questions)} questions in {minutes:g} minutes. "
        "Answer each as you would out loud; an empty line ends an answer. "
        "The key points come at the end.",
        highlight=False,
    )
    started = terminal.clock()
    answered: list[Answered] = []
    stopped = ""
    for number, question in enumerate(questions, 1):
        left = limit - (terminal.clock() - started)
        if left <= 0:
            stopped = "Time is up."
            break
        terminal.console.print()
        header(terminal, question, f"{number} of {len(questions)} · {clock_text(left, up=True)} left · ")
        began = terminal.clock()
        try:
            text = read_answer(terminal, question, editor, tip=False)
        except Stop:
            stopped = "You stopped the interview."
            break
        answered.append(Answered(question, mark(text, question.points), terminal.clock() - began))
    terminal.console.print()
    if stopped:
        terminal.console.print(stopped, style="bold", highlight=False)
    terminal.console.print(mock_summary(answered, len(questions), terminal.clock() - started))
    return 0


def clock_text(seconds: float, up: bool = False) -> str:
    """``m:ss``; time left is rounded up, so a clock that starts at 20:00 shows 20:00."""
    whole = max(0, math.ceil(seconds) if up else round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def mock_summary(answered: list[Answered], asked: int, seconds: float) -> RenderableType:
    """Per question: its points covered and missed, and the time the answer took."""
    parts: list[RenderableType] = []
    covered = sum(a.marking.covered for a in answered)
    total = sum(a.marking.total for a in answered)
    title = f"Summary: {len(answered)} of {asked} questions answered in {clock_text(seconds)}"
    parts.append(Text(title, style="bold"))
    for number, item in enumerate(answered, 1):
        question = item.question
        parts.append(Text(""))
        parts.append(
            Text.assemble(
                (f"{number}. {question.kata.id}", "bold"),
                f" · {item.marking.covered}/{item.marking.total} points · {clock_text(item.seconds)}",
            )
        )
        parts.append(Padding(Text(question.ask, style="cyan"), (0, 0, 0, 3)))
        parts.append(Padding(marks_table(item.marking), (0, 0, 0, 2)))
        if item.marking.note:
            parts.append(Padding(Text(item.marking.note, style="yellow"), (0, 0, 0, 3)))
    if answered:
        parts.append(Text(""))
        parts.append(
            Text(
                f"{covered} of {total} key points covered. "
                f"`{command('kata interview NN')}` shows a kata's model answers as you practise them.",
            )
        )
    return Group(*parts)
