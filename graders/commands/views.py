"""Rich renderings for the ``kata`` command: the status screen, the kata list and the welcome.

Each fits an 80-column terminal: the names a learner types never wrap or get cut;
long titles and questions wrap inside their own column.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from graders.commands.course import KataState
from graders.judge.model import Status
from graders.manifest import Kata, Manifest
from graders.shell import ACTIVATE_TIP, command, needs_activation

STATUS_STYLE = {
    Status.DONE: ("✓ done", "green"),
    Status.IN_PROGRESS: ("… in progress", "yellow"),
    Status.NOT_STARTED: ("· not started", "dim"),
    Status.CHANGED: ("↻ changed since last graded", "cyan"),
    Status.CRASHED: ("✗ does not import", "red"),
}


def course_bar(kata_states: list[KataState], width: int = 30) -> Group:
    """``███░░░ 3/10 katas done``: the whole course in one line."""
    done = sum(1 for s in kata_states if s.status is Status.DONE)
    total = len(kata_states)
    table = Table.grid(padding=(0, 2))
    table.add_row(ProgressBar(total=max(total, 1), completed=done, width=width), Text(f"{done}/{total} katas done"))
    return Group(table)


def progress_table(kata_states: list[KataState], questions: bool = False, numbered: bool = False) -> Group:
    """One row per kata, then a bar for the whole course."""
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=False)
    table.add_column("kata", no_wrap=True)
    table.add_column("interview question" if questions else "title", overflow="fold", ratio=1)
    table.add_column("status", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    for state in kata_states:
        label, style = STATUS_STYLE[state.status]
        text = state.kata.question if questions else state.kata.title
        table.add_row(state.kata.id, text, Text(label, style=style), state.score_text)
    return Group(table, Text(""), course_bar(kata_states))


def status_screen(manifest: Manifest, kata_states: list[KataState], current: Kata | None) -> Group:
    """What ``kata`` prints: where the course stands, the kata to work on now and what to type next."""
    parts: list[RenderableType] = [course_bar(kata_states)]
    if current is None:
        parts.append(
            Text.from_markup(f"[bold green]Every kata is done.[/bold green] `{command('kata list')}` to revisit one.")
        )
        return Group(*parts)
    state = next(s for s in kata_states if s.kata.id == current.id)
    label, style = STATUS_STYLE[state.status]
    score = f" · {state.score_text}" if state.record else ""
    stub = current.stub.relative_to(manifest.project_root)
    readme = current.readme.relative_to(manifest.project_root)
    parts.append(Text(""))
    parts.append(
        Text.assemble(("Now: ", "bold"), (current.id, "bold cyan"), f" · {current.title}  ", (label, style), score)
    )
    parts.append(Text(f"  {current.question}", style="italic"))
    parts.append(Text(f"  Task: {readme} (or {command('kata show')})"))
    parts.append(Text(f"  Your code: {stub}"))
    parts.append(Text(""))
    if state.status is Status.DONE:
        steps = [("kata next", "move on"), ("kata solution", "the reference solution and the answer in depth")]
    else:
        steps = [("kata run", "grade it"), ("kata watch", "grade on every save"), ("kata hint", "the next hint")]
    steps.append(("kata list", "every kata: choose one, go back, reset"))
    for name, what in steps:
        parts.append(Text.assemble("  ", (command(name).ljust(len(command("kata solution")) + 2), "bold"), what))
    if needs_activation():
        parts.append(Text(""))
        parts.append(Text(ACTIVATE_TIP, style="dim"))
    return Group(*parts)


def markdown(text: str) -> RenderableType:
    """A README rendered for the terminal (rich.markdown is imported only when shown)."""
    from rich.markdown import Markdown

    return Markdown(text)


def welcome_panel(manifest: Manifest) -> Panel:
    text = (
        f"[bold]Welcome to fastapi-katas.[/bold] {len(manifest.katas)} katas, one per question that "
        "FastAPI interviews keep asking. Each is a small app to finish in katas/NN_topic/stub.py; "
        "its tests grade it over HTTP and print a grade card: what works, what does not yet, and a hint."
    )
    return Panel(text, border_style="green", title="fastapi-katas")
