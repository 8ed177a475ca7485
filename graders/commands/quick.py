"""``kata progress`` without Typer: the one command a learner runs constantly, kept instant."""

from __future__ import annotations

from rich.console import Console

from graders.commands.course import CourseError, locate_course, read_course_progress, states
from graders.commands.views import progress_table
from graders.manifest import ManifestError


def progress_main() -> int:
    """Print the progress table; 1 with one line on stderr when there is no course."""
    try:
        manifest = locate_course()
    except (CourseError, ManifestError) as exc:
        Console(stderr=True).print(f"[red]✗[/red] {exc}")
        return 1
    progress = read_course_progress(manifest)
    if progress.problem:
        Console(stderr=True).print(f"[yellow]![/yellow] {progress.problem}")
    Console().print(progress_table(states(manifest, progress)))
    return 0
