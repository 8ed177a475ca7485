"""The ``kata`` command: a learner's day, from the first view to the last kata."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from graders import __version__
from graders.classroom.commands import classroom_app, grade_batch_command, grade_command
from graders.commands.course import (
    CourseError,
    current_kata,
    find_kata,
    is_done,
    locate_course,
    read_course_progress,
    reveal_next_hint,
    states,
    answer_text,
    task_text,
)
from graders.commands.pristine import PristineNotFound, back_up, pristine_files
from graders.manifest import Kata, Manifest, ManifestError
from graders.progress import update_progress
from graders.commands.views import markdown, progress_table, welcome_panel

app = typer.Typer(
    name="kata",
    help="fastapi-katas: learn FastAPI by answering interview questions in code.",
    rich_markup_mode="rich",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {message}")
    return typer.Exit(code=1)


def course() -> Manifest:
    try:
        return locate_course()
    except (CourseError, ManifestError) as exc:
        raise fail(str(exc)) from None


def chosen_kata(manifest: Manifest, name: str | None) -> Kata:
    if name is None:
        kata = current_kata(manifest, read_course_progress(manifest))
        if kata is None:
            raise fail("Every kata is done. Name one to work on it again, e.g. `kata run 01`.")
        return kata
    try:
        return find_kata(manifest, name)
    except CourseError as exc:
        raise fail(str(exc)) from None


def show_version(value: bool) -> None:
    if value:
        console.print(f"fastapi-katas {__version__}")
        raise typer.Exit()


@app.callback()
def main_view(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Show where you are: a welcome on the first run, then the kata to work on now."""
    if ctx.invoked_subcommand is not None:
        return
    manifest = course()
    progress = read_course_progress(manifest)
    if not progress.welcomed:
        console.print(welcome_panel(manifest))
        update_progress(manifest.project_root, lambda p: setattr(p, "welcomed", True))
    kata = current_kata(manifest, progress)
    if kata is None:
        console.print("[bold green]Every kata is done.[/bold green] `kata solution NN` shows each in-depth answer.")
        return
    console.print(Panel(markdown(task_text(kata)), title=f"Now: {kata.id}", border_style="cyan"))
    if is_done(kata, progress):
        console.print(f"[green]✓ {kata.id} is done.[/green] `kata next` moves on.")
        return
    console.print(f"Grade it: [bold]pytest {kata.path.relative_to(manifest.project_root)}[/bold]  or  [bold]kata run[/bold]")


@app.command("progress")
def progress_command() -> None:
    """Every kata with its status and score, and your overall progress."""
    from graders.commands.quick import progress_main

    raise typer.Exit(code=progress_main())


@app.command("list")
def list_command() -> None:
    """All katas in order, with the interview question each one answers."""
    manifest = course()
    console.print(progress_table(states(manifest, read_course_progress(manifest)), questions=True))


@app.command("show")
def show_command(name: Annotated[str, typer.Argument(help="Kata number or name, e.g. 07 or 07_auth.")]) -> None:
    """A kata's task and the interview question it answers."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    console.print(Panel(markdown(task_text(kata)), title=kata.id, border_style="cyan"))


@app.command("run")
def run_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Full pytest detail under the card.")] = False,
) -> None:
    """Grade a kata and print its grade card."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    command = [sys.executable, "-m", "pytest", str(kata.path.relative_to(manifest.project_root)), "-p", "no:cacheprovider"]
    if verbose:
        command.append("-v")
    code = subprocess.call(command, cwd=manifest.project_root)
    if code == 0 and is_done(kata, read_course_progress(manifest)):
        console.print("[green]Solved.[/green] `kata next` moves on.")
    raise typer.Exit(code=0 if code == 0 else 1)


@app.command("hint")
def hint_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
) -> None:
    """Reveal the next hint, from gentle to explicit; earlier ones are shown again."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    shown = reveal_next_hint(manifest, kata)
    for index, hint in enumerate(shown, 1):
        console.print(f"[cyan]Hint {index}/{len(kata.hints)}[/cyan] {hint}")
    if len(shown) == len(kata.hints):
        console.print("That was the last hint. `pytest -v` shows every failing assertion in full.")


@app.command("next")
def next_command(
    skip: Annotated[bool, typer.Option("--skip", help="Move on even if the current kata is not done.")] = False,
) -> None:
    """Move on to the next kata once the current one is done."""
    manifest = course()
    progress = read_course_progress(manifest)
    kata = current_kata(manifest, progress)
    if kata is None:
        console.print("[bold green]Every kata is done.[/bold green]")
        return
    already_moved_on = not progress.current and any(is_done(k, progress) for k in manifest.katas)
    if already_moved_on and not is_done(kata, progress):
        # Without a `kata next` yet, the current kata is the first not done: the learner is there.
        update_progress(manifest.project_root, lambda p: setattr(p, "current", kata.id))
        console.print(f"Now: [bold]{kata.id}[/bold] · {kata.title}. `kata` shows the task.")
        return
    if not is_done(kata, progress) and not skip:
        raise fail(f"{kata.id} is not done yet. Grade it with `kata run`, or use `kata next --skip` to move on anyway.")
    following = [k for k in manifest.katas[manifest.katas.index(kata) + 1 :] if not is_done(k, progress)]
    if not following:
        console.print("[bold green]That was the last kata.[/bold green]")
        return
    update_progress(manifest.project_root, lambda p: setattr(p, "current", following[0].id))
    console.print(f"Now: [bold]{following[0].id}[/bold] · {following[0].title}. `kata` shows the task.")


@app.command("watch")
def watch_command() -> None:
    """Regrade the current kata each time you save, and move on when it is done."""
    from graders.commands.watch import watch_course

    raise typer.Exit(code=watch_course(course(), console))


@app.command("reset")
def reset_command(
    name: Annotated[str, typer.Argument(help="Kata number or name, e.g. 07.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Restore a kata's original files; your versions are kept as timestamped backups."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    try:
        originals = pristine_files(kata, manifest.project_root)
    except PristineNotFound as exc:
        raise fail(f"Cannot reset {kata.id}: {exc}.") from None
    changed = {
        name: text for name, text in originals.items()
        if not (kata.path / name).exists() or (kata.path / name).read_bytes() != text
    }  # fmt: skip
    if not changed:
        console.print(f"{kata.id}: your files are already the originals. Nothing to do.")
        return
    listing = ", ".join(str((kata.path / name).relative_to(manifest.project_root)) for name in changed)
    if not yes and not typer.confirm(f"Replace {listing} with the original?"):
        raise typer.Exit(code=1)
    for name, text in changed.items():
        if (kata.path / name).exists():
            backup = back_up(kata, manifest.project_root, name)
            console.print(f"Your {name} is kept as [bold]{backup.relative_to(manifest.project_root)}[/bold].")
        (kata.path / name).write_bytes(text)
    console.print(f"{kata.id}: back to the original.")


@app.command("solution")
def solution_command(
    name: Annotated[str, typer.Argument(help="Kata number or name, e.g. 07.")],
    teacher: Annotated[bool, typer.Option("--teacher", help="Show it even though the kata is not done.")] = False,
) -> None:
    """The reference solution and the in-depth interview answer, once you have solved the kata."""
    from rich.syntax import Syntax

    manifest = course()
    kata = chosen_kata(manifest, name)
    progress = read_course_progress(manifest)
    if not teacher and not is_done(kata, progress):
        raise fail(
            f"{kata.id} is not solved yet: its solution is kept for after. "
            "`kata hint` helps; teachers can add --teacher."
        )
    console.print(Panel(Syntax(kata.solution.read_text(encoding="utf-8"), "python"), title=f"{kata.id} · solution"))
    console.print(Panel(markdown(answer_text(kata)), title="The answer in depth", border_style="green"))


@app.command("verify")
def verify_command(
    names: Annotated[list[str] | None, typer.Argument(help="Kata numbers or names; default: all.")] = None,
) -> None:
    """For authors: each stub fails every behaviour and each solution passes them all."""
    from graders.commands.verify import verify_kata

    manifest = course()
    katas = [chosen_kata(manifest, name) for name in names] if names else list(manifest.katas)
    failed = 0
    for kata in katas:
        verdict = verify_kata(kata, manifest.project_root)
        if verdict.ok:
            console.print(f"[green]✓[/green] {kata.id}")
        else:
            failed += 1
            console.print(f"[red]✗[/red] {kata.id}")
            for problem in verdict.problems:
                console.print(f"    {problem}")
    if failed:
        raise fail(f"{failed} of {len(katas)} katas break the contract (docs/AUTHORING.md).")


@app.command("new")
def new_command(
    name: Annotated[str, typer.Argument(help="Folder name of the new kata, e.g. 11_websockets.")],
    title: Annotated[str, typer.Option(help="Title shown in lists and on the grade card.")] = "",
    question: Annotated[str, typer.Option(help="The interview question the kata answers.")] = "",
) -> None:
    """For authors: scaffold a kata (stub, tests, solution, README, manifest entry)."""
    from graders.commands.scaffold import ScaffoldError, scaffold

    manifest = course()
    topic = name.split("_", 1)[-1].replace("_", " ")
    try:
        written = scaffold(manifest, name, title or topic.capitalize(), question or f"What about {topic}?")
    except ScaffoldError as exc:
        raise fail(f"{exc}.") from None
    for path in written:
        console.print(f"  wrote {path.relative_to(manifest.project_root)}")
    console.print(f"Now write the kata (docs/AUTHORING.md), then `kata verify {name}`.")


# Classroom autograding: the grading machinery is imported inside each command.
app.command("grade")(grade_command)
app.command("grade-batch")(grade_batch_command)
app.add_typer(classroom_app, name="classroom")


def main() -> None:
    """Console-script entry point."""
    app()

