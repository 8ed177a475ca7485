"""The ``kata`` command: a learner's day, from the first view to the last kata."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel

from graders import __version__
from graders.classroom.commands import classroom_app, grade_batch_command, grade_command
from graders.commands.course import (
    CourseError,
    answer_text,
    choose,
    current_kata,
    find_kata,
    following,
    is_done,
    is_solved,
    locate_course,
    read_course_progress,
    reveal_next_hint,
    solution_files,
    states,
    task_text,
    write_solution_file,
)
from graders.commands.pristine import PristineNotFound, back_up, pristine_files
from graders.commands.views import markdown, progress_table, status_screen, welcome_panel
from graders.judge.card import wrap
from graders.manifest import Kata, Manifest, ManifestError
from graders.progress import update_progress
from graders.shell import command

TEACHERS = (
    "Teachers and authors: kata grade, kata grade-batch, kata classroom, kata verify and kata new "
    "(each has --help; see docs/CLASSROOM.md and docs/AUTHORING.md)."
)

app = typer.Typer(
    name="kata",
    help="fastapi-katas: learn FastAPI by answering interview questions in code.",
    epilog=TEACHERS,
    rich_markup_mode="rich",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {message}", highlight=False)
    return typer.Exit(code=1)


def course() -> Manifest:
    try:
        return locate_course()
    except (CourseError, ManifestError) as exc:
        raise fail(str(exc)) from None


def chosen_kata(manifest: Manifest, name: str | None) -> Kata:
    """The kata named, else the one being worked on."""
    if name is None:
        kata = current_kata(manifest, read_course_progress(manifest))
        if kata is None:
            raise fail(f"Every kata is done. Name one to work on it again, e.g. `{command('kata run 01')}`.")
        return kata
    try:
        return find_kata(manifest, name)
    except CourseError as exc:
        raise fail(str(exc)) from None


def show_version(value: bool) -> None:
    if value:
        console.print(f"fastapi-katas {__version__}")
        raise typer.Exit()


def say_solved(manifest: Manifest, kata: Kata) -> None:
    """Once a kata is done: where its solution now is, and what comes next."""
    path, _ = write_solution_file(kata)
    progress = read_course_progress(manifest)
    after = following(manifest, kata, progress)
    then = f"`{command('kata next')}` moves on to {after.id}." if after else "That was the last kata to do."
    kept = (
        f" The reference solution and the answer in depth are in {path.relative_to(manifest.project_root)}."
        if path
        else ""
    )
    console.print(f"[green]✓ {kata.id} is solved.[/green]{kept} {then}", highlight=False)


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
    if kata is not None and not progress.current:
        choose(manifest, kata)  # from now on the learner moves on only by saying so
    console.print(status_screen(manifest, states(manifest, progress), kata), highlight=False)


@app.command("progress")
def progress_command() -> None:
    """Every kata with its status and score, and your overall progress."""
    from graders.commands.quick import progress_main

    raise typer.Exit(code=progress_main())


@app.command("list")
def list_command(
    choose_now: Annotated[
        bool | None,
        typer.Option("--choose/--no-choose", help="Ask which kata to go to or reset (default: in a terminal)."),
    ] = None,
) -> None:
    """All katas with their interview questions; choose one to work on, go back, or reset one."""
    manifest = course()
    progress = read_course_progress(manifest)
    console.print(progress_table(states(manifest, progress), questions=True), highlight=False)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() if choose_now is None else choose_now
    if not interactive:
        console.print(
            f"Go to one: {command('kata go NN')} · start one over: {command('kata reset NN')}", highlight=False
        )
        return
    answer = typer.prompt("Go to (a number), r and a number to reset it, Enter to stay", default="", show_default=False)
    words = answer.strip().split()
    if not words:
        return
    if words[0].lower() in {"r", "reset"} and len(words) == 2:
        reset_command(words[1], yes=False)
        return
    go_command(words[0])


@app.command("go")
def go_command(
    name: Annotated[str, typer.Argument(help="Kata number or name, e.g. 04 or 04_validation_errors.")],
) -> None:
    """Work on another kata, ahead or back: kata, kata run and kata watch follow it."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    move_to(manifest, kata)


def move_to(manifest: Manifest, kata: Kata) -> None:
    """Make ``kata`` the current one and say so."""
    choose(manifest, kata)
    console.print(
        f"Now: [bold]{kata.id}[/bold] · {kata.title}. `{command('kata')}` shows where it stands.", highlight=False
    )


@app.command("show")
def show_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
) -> None:
    """A kata's task and the interview question it answers."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    console.print(Panel(markdown(task_text(kata)), title=kata.id, border_style="cyan"))


@app.command("run")
def run_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Full pytest detail under the card.")] = False,
) -> None:
    """Grade a kata (and work on it from now on) and print its grade card."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    if read_course_progress(manifest).current != kata.id:
        choose(manifest, kata)
    relative = str(kata.path.relative_to(manifest.project_root))
    arguments = [sys.executable, "-m", "pytest", relative, "-p", "no:cacheprovider"]
    if verbose:
        arguments.append("-v")
    code = subprocess.call(arguments, cwd=manifest.project_root)
    if code == 0 and is_done(kata, read_course_progress(manifest)):
        say_solved(manifest, kata)
    raise typer.Exit(code=0 if code == 0 else 1)


@app.command("hint")
def hint_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
) -> None:
    """The next hint, from a nudge to code (hint 1 is on every failing card)."""
    manifest = course()
    kata = chosen_kata(manifest, name)
    number, text = reveal_next_hint(manifest, kata)
    if not number:
        raise fail(f"{kata.id} has no hints.")
    for line in wrap(f"Hint {number}/{len(kata.hints)}: {text}", console.width, "", "  "):
        console.print(line, style="cyan", highlight=False, markup=False, soft_wrap=True)
    if number == len(kata.hints):
        console.print(f"That was the last hint. `{command('kata run -v')}` shows every failing assertion in full.")


@app.command("next")
def next_command(
    skip: Annotated[bool, typer.Option("--skip", help="Move on even if the current kata is not done.")] = False,
) -> None:
    """Move on to the next kata not done yet, once the current one is done."""
    manifest = course()
    progress = read_course_progress(manifest)
    kata = current_kata(manifest, progress)
    if kata is None:
        console.print("[bold green]Every kata is done.[/bold green]")
        return
    if not progress.current:
        choose(manifest, kata)  # where the learner is, from now on
        if not is_done(kata, progress) and any(is_done(k, progress) for k in manifest.katas):
            # Katas were solved with plain pytest and no `kata next` yet: the learner is already here.
            console.print(f"Now: [bold]{kata.id}[/bold] · {kata.title}. `{command('kata')}` shows where it stands.")
            return
    if not is_done(kata, progress) and not skip:
        raise fail(
            f"{kata.id} is not done yet. Grade it with `{command('kata run')}`, or `{command('kata next --skip')}`"
            f" to move on anyway (`{command('kata go ' + kata.number)}` comes back to it)."
        )
    after = following(manifest, kata, progress)
    if after is None:
        console.print("[bold green]Every kata is done.[/bold green]")
        return
    move_to(manifest, after)


@app.command("watch")
def watch_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
    poll: Annotated[
        bool, typer.Option("--poll", help="Look for saves by polling (network drives, some containers).")
    ] = False,
) -> None:
    """Regrade a kata each time you save, and move on when it is done."""
    from graders.commands.watch import watch_course

    manifest = course()
    kata = chosen_kata(manifest, name)
    if read_course_progress(manifest).current != kata.id:
        choose(manifest, kata)
    raise typer.Exit(code=watch_course(manifest, kata, console, poll=poll))


@app.command("reset")
def reset_command(
    name: Annotated[str, typer.Argument(help="Kata number or name, e.g. 07.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Start a kata over: its original files back (yours kept as backups), its grade forgotten."""
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
    if changed:
        listing = ", ".join(str((kata.path / name).relative_to(manifest.project_root)) for name in changed)
        if not yes and not typer.confirm(f"Replace {listing} with the original?"):
            raise typer.Exit(code=1)
        for name, text in changed.items():
            target = kata.path / name
            if target.exists():
                backup = back_up(kata, manifest.project_root, name)
                console.print(f"Your {name} is kept as [bold]{backup.relative_to(manifest.project_root)}[/bold].")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text)

    def forget(progress: Any) -> None:
        progress.katas.pop(kata.id, None)

    had_record = kata.id in read_course_progress(manifest).katas
    if had_record:
        update_progress(manifest.project_root, forget)
    if not changed and not had_record:
        console.print(f"{kata.id}: your files are already the originals. Nothing to do.")
        return
    console.print(f"{kata.id}: back to the original{', its last grade forgotten' if had_record else ''}.")


@app.command("solution")
def solution_command(
    name: Annotated[str | None, typer.Argument(help="Kata number or name; default: the current kata.")] = None,
    teacher: Annotated[bool, typer.Option("--teacher", help="Show it even though the kata is not solved.")] = False,
) -> None:
    """The reference solution and the in-depth interview answer, once you have solved the kata."""
    from rich.syntax import Syntax

    manifest = course()
    kata = chosen_kata(manifest, name)
    progress = read_course_progress(manifest)
    solved = is_solved(kata, progress)
    if not teacher and not solved:
        changed = " (its tests were changed: `kata reset` restores them)" if kata.tests_changed() else ""
        raise fail(
            f"{kata.id} is not solved yet{changed}: its solution is kept for after. "
            f"`{command('kata hint')}` helps; teachers can add --teacher."
        )
    for file_name, text in solution_files(kata).items():
        lexer = "python" if file_name.endswith(".py") else "docker" if file_name == "Dockerfile" else "text"
        console.rule(f"{kata.id} · {file_name}")
        console.print(Syntax(text, lexer, word_wrap=True))
    console.rule("The answer in depth")
    console.print(markdown(answer_text(kata)))
    if solved:
        path, written = write_solution_file(kata)
        if path and written:
            console.print(f"Kept for you in {path.relative_to(manifest.project_root)}.", highlight=False)


@app.command("verify", hidden=True)
def verify_command(
    names: Annotated[list[str] | None, typer.Argument(help="Kata numbers or names; default: all.")] = None,
    rules_only: Annotated[
        bool, typer.Option("--rules", help="Only match README rules with tests (fast: runs nothing).")
    ] = False,
) -> None:
    """For authors: each stub fails every behaviour, each solution passes, every README rule has a test."""
    from graders.commands.verify import trace_kata, verify_kata

    manifest = course()
    katas = [chosen_kata(manifest, name) for name in names] if names else list(manifest.katas)
    failed = 0
    for kata in katas:
        verdict = trace_kata(kata) if rules_only else verify_kata(kata, manifest.project_root)
        if verdict.ok:
            console.print(f"[green]✓[/green] {kata.id}")
        else:
            failed += 1
            console.print(f"[red]✗[/red] {kata.id}")
            for problem in verdict.problems:
                console.print(f"    {problem}")
    if failed:
        raise fail(f"{failed} of {len(katas)} katas break the contract (docs/AUTHORING.md).")


@app.command("new", hidden=True)
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


# Classroom autograding: the grading machinery is imported inside each command. Teachers' and
# authors' commands stay out of the learner's `kata --help`; its epilog names them.
app.command("grade", hidden=True)(grade_command)
app.command("grade-batch", hidden=True)(grade_batch_command)
app.add_typer(classroom_app, name="classroom", hidden=True)


def main() -> None:
    """Console-script entry point."""
    app()
