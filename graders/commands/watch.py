"""``kata watch``: regrade the current kata on every save, move on when it is done.

File events (watchfiles) and key presses arrive on one queue, so the main
thread does one thing at a time. Grading runs in a warm worker process
(``graders.commands.warm``), so a stub that loops, crashes or exits only costs that
grade, never the watcher.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console

from graders.commands.course import current_kata, is_done, read_course_progress, reveal_next_hint, states
from graders.manifest import Kata, Manifest
from graders.progress import update_progress
from graders.commands.views import progress_table

KEYS = "[bold]h[/bold] hint · [bold]l[/bold] list · [bold]r[/bold] regrade · [bold]q[/bold] quit"
GRADE_DEADLINE = 120.0


class WarmWorker:
    """The grading process, started once and restarted if it ever dies."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.results: Any = None

    def start(self) -> None:
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graders.commands.warm", str(write_end)],
            stdin=subprocess.PIPE, text=True, pass_fds=(write_end,),
        )  # fmt: skip
        os.close(write_end)
        self.results = os.fdopen(read_end, "r")
        if not self.results.readline():
            raise RuntimeError("the grading worker did not start")

    def grade(self, args: list[str], cwd: Path) -> dict[str, Any]:
        if self.process is None or self.process.poll() is not None:
            self.start()
        assert self.process is not None and self.process.stdin is not None
        request = {"args": args, "cwd": str(cwd), "deadline": GRADE_DEADLINE}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.results.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.close()
            return {"code": -1, "seconds": 0.0}
        return dict(json.loads(line))

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                if self.process.stdin:
                    self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


@contextlib.contextmanager
def single_keys() -> Iterator[bool]:
    """Read key presses without Enter while watching; yields whether keys are available."""
    if not sys.stdin.isatty():
        yield False
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def watch_files(folder: Path, events: queue.Queue[tuple[str, Any]], stop: threading.Event) -> None:
    from watchfiles import watch

    for changes in watch(folder, stop_event=stop, step=20, debounce=400, yield_on_timeout=False, raise_interrupt=False):
        events.put(("changed", changes))


def read_keys(events: queue.Queue[tuple[str, Any]]) -> None:
    while True:
        key = sys.stdin.read(1)
        if not key:
            events.put(("key", "q"))
            return
        events.put(("key", key.lower()))


class Watcher:
    """One watch session: the current kata, its file watcher, and the worker."""

    def __init__(self, manifest: Manifest, kata: Kata, console: Console) -> None:
        self.manifest = manifest
        self.kata = kata
        self.console = console
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.worker = WarmWorker()
        self.stop = threading.Event()

    def follow(self, kata: Kata) -> None:
        """Watch ``kata``'s folder from now on."""
        self.stop.set()
        self.stop = threading.Event()
        self.kata = kata
        threading.Thread(target=watch_files, args=(kata.path, self.events, self.stop), daemon=True).start()

    def grade(self) -> None:
        self.console.clear()
        relative = self.kata.path.relative_to(self.manifest.project_root)
        args = [str(relative), "-p", "no:cacheprovider", "-q"]
        if self.console.is_terminal:
            args.append("--color=yes")
        result = self.worker.grade(args, self.manifest.project_root)
        if result["code"] < 0:
            self.console.print("[red]Grading was stopped (it crashed or ran too long). Save again to retry.[/red]")
        if is_done(self.kata, read_course_progress(self.manifest)):
            self.move_on()
        self.console.print(f"[dim]Watching {self.kata.path.relative_to(self.manifest.project_root)} · {KEYS}[/dim]")

    def move_on(self) -> None:
        progress = read_course_progress(self.manifest)
        following = [k for k in self.manifest.katas if not is_done(k, progress)]
        if not following:
            self.console.print("[bold green]Every kata is done. Well played.[/bold green]")
            return
        update_progress(self.manifest.project_root, lambda p: setattr(p, "current", following[0].id))
        self.console.print(
            f"[bold green]✓ {self.kata.id} done.[/bold green] Next: [bold]{following[0].id}[/bold] · "
            f"{following[0].title}\n  {following[0].question}\n  Open {following[0].stub.relative_to(self.manifest.project_root)} "
            "and save to grade it."
        )
        self.follow(following[0])

    def hint(self) -> None:
        for index, text in enumerate(reveal_next_hint(self.manifest, self.kata), 1):
            self.console.print(f"[cyan]Hint {index}/{len(self.kata.hints)}[/cyan] {text}")

    def run(self) -> None:
        with single_keys() as keys:
            if keys:
                threading.Thread(target=read_keys, args=(self.events,), daemon=True).start()
            self.follow(self.kata)
            self.grade()
            try:
                while True:
                    kind, value = self.events.get()
                    if kind == "changed" or value == "r":
                        self.grade()
                    elif value == "h":
                        self.hint()
                    elif value == "l":
                        self.console.print(progress_table(states(self.manifest, read_course_progress(self.manifest))))
                    elif value == "q":
                        break
            except KeyboardInterrupt:
                pass
            finally:
                self.stop.set()
                self.worker.close()


def watch_course(manifest: Manifest, console: Console) -> int:
    kata = current_kata(manifest, read_course_progress(manifest))
    if kata is None:
        console.print("[bold green]Every kata is done.[/bold green]")
        return 0
    Watcher(manifest, kata, console).run()
    return 0
