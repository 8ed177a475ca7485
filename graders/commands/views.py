"""Rich renderings for the ``kata`` command: the progress table and the welcome."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from graders.commands.course import KataState
from graders.manifest import Manifest
from graders.judge.model import Status

STATUS_STYLE = {
    Status.DONE: ("✓ done", "green"),
    Status.IN_PROGRESS: ("… in progress", "yellow"),
    Status.NOT_STARTED: ("· not started", "dim"),
    Status.CHANGED: ("↻ changed since last graded", "cyan"),
    Status.CRASHED: ("✗ does not import", "red"),
}


def progress_table(kata_states: list[KataState], questions: bool = False) -> Group:
    """One row per kata, then a bar for the whole course."""
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("kata")
    table.add_column("title")
    table.add_column("status")
    table.add_column("score", justify="right")
    if questions:
        table.add_column("interview question")
    for state in kata_states:
        label, style = STATUS_STYLE[state.status]
        row = [state.kata.id, state.kata.title, Text(label, style=style), state.score_text]
        if questions:
            row.append(state.kata.question)
        table.add_row(*row)
    done = sum(1 for s in kata_states if s.status is Status.DONE)
    total = len(kata_states)
    bar = ProgressBar(total=max(total, 1), completed=done, width=40)
    summary = Text(f"  {done}/{total} katas done")
    return Group(table, Text(""), Group(bar, summary))


def markdown(text: str) -> RenderableType:
    """A README rendered for the terminal (rich.markdown is imported only when shown)."""
    from rich.markdown import Markdown

    return Markdown(text)


def welcome_panel(manifest: Manifest) -> Panel:
    text = (
        f"[bold]Welcome to fastapi-katas.[/bold] {len(manifest.katas)} katas, one per question that "
        "FastAPI interviews keep asking.\n\n"
        "Each kata is a small app to finish in [bold]katas/NN_topic/stub.py[/bold]. Its tests grade your "
        "app from the outside, over HTTP, and print a grade card: what works, what does not yet, and a hint.\n\n"
        "  [bold]kata[/bold]            where you are (this screen)\n"
        "  [bold]kata run[/bold]        grade the current kata (same as pytest katas/NN_topic)\n"
        "  [bold]kata watch[/bold]      regrade on every save, move on when done\n"
        "  [bold]kata hint[/bold]       one more hint for the current kata\n"
        "  [bold]kata progress[/bold]   every kata and your score\n"
        "  [bold]kata next[/bold]       move on when a kata is done"
    )
    return Panel(text, border_style="green", title="fastapi-katas")
