"""``kata watch``: regrade the current kata on every save, move on when it is done.

File events (watchfiles, or polling where file events do not arrive) and key
presses arrive on one queue, so the main thread does one thing at a time. Grading
runs in a warm worker process (``graders.commands.warm``) in a session of its own,
so a stub that loops, crashes or exits only costs that grade, never the watcher,
and Ctrl-C stops the watcher alone, quietly.
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

from graders.commands.course import (
    choose,
    following,
    is_done,
    read_course_progress,
    reveal_next_hint,
    states,
    write_solution_file,
)
from graders.commands.views import course_bar, progress_table
from graders.judge.card import wrap
from graders.manifest import Kata, Manifest

KEYS = "[bold]h[/bold] hint · [bold]l[/bold] list · [bold]r[/bold] regrade · [bold]q[/bold] quit"
DONE_KEYS = "[bold]n[/bold] next kata · [bold]r[/bold] regrade · [bold]q[/bold] quit"
GRADE_DEADLINE = 120.0


class WarmWorker:
    """The grading process, started once and restarted if it ever dies."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.results: Any = None

    def start(self) -> None:
        read_end, write_end = os.pipe()
        # A session of its own: the terminal's Ctrl-C reaches the watcher, never a grade in flight.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graders.commands.warm", str(write_end)],
            stdin=subprocess.PIPE, text=True, pass_fds=(write_end,), start_new_session=True,
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
        """End the worker; a grade still running is killed with it (its whole session)."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                if self.process.stdin:
                    self.process.stdin.close()
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                import signal

                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
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


def watch_files(folder: Path, events: queue.Queue[tuple[str, Any]], stop: threading.Event, poll: bool) -> None:
    """Put a ``changed`` event on the queue for each save; fall back to polling if file events fail."""
    from watchfiles import watch

    while not stop.is_set():
        try:
            for changes in watch(
                folder, stop_event=stop, step=20, debounce=400, yield_on_timeout=False, raise_interrupt=False,
                force_polling=poll or None, poll_delay_ms=300,
            ):  # fmt: skip
                events.put(("changed", changes))
            return
        except Exception as exc:  # noqa: BLE001 - e.g. out of inotify watches: poll instead
            if poll:
                events.put(("note", f"Cannot watch {folder} ({exc}); press r to regrade."))
                return
            events.put(("note", f"File events failed ({exc}); polling for saves instead."))
            poll = True


def read_keys(events: queue.Queue[tuple[str, Any]]) -> None:
    while True:
        key = sys.stdin.read(1)
        if not key:
            events.put(("key", "q"))
            return
        events.put(("key", key.lower()))


class Watcher:
    """One watch session: the current kata, its file watcher, and the worker."""

    def __init__(self, manifest: Manifest, kata: Kata, console: Console, poll: bool = False) -> None:
        self.manifest = manifest
        self.kata = kata
        self.console = console
        self.poll = poll
        self.keys = False
        self.waiting: Kata | None = None  # the next kata, while the watcher pauses on a done one
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.worker = WarmWorker()
        self.stop = threading.Event()

    def follow(self, kata: Kata) -> None:
        """Watch ``kata``'s folder from now on."""
        self.stop.set()
        self.stop = threading.Event()
        self.kata = kata
        args = (kata.path, self.events, self.stop, self.poll)
        threading.Thread(target=watch_files, args=args, daemon=True).start()

    def grade(self) -> None:
        self.console.clear()
        relative = self.kata.path.relative_to(self.manifest.project_root)
        args = [str(relative), "-p", "no:cacheprovider", "-q"]
        if self.console.is_terminal:
            args.append("--color=yes")
        result = self.worker.grade(args, self.manifest.project_root)
        if result["code"] < 0:
            self.console.print("[red]Grading was stopped (it crashed or ran too long). Save again to retry.[/red]")
        progress = read_course_progress(self.manifest)
        self.console.print(course_bar(states(self.manifest, progress)))
        self.waiting = None
        if is_done(self.kata, progress):
            self.solved(progress)
            if self.waiting is not None and not self.keys:
                self.move_on()
            if self.waiting is not None:
                return
        self.console.print(
            f"[dim]Watching {self.kata.path.relative_to(self.manifest.project_root)} · {KEYS}[/dim]", highlight=False
        )

    def solved(self, progress: Any) -> None:
        """Say the kata is done and where its solution is; pause before the next one."""
        path, _ = write_solution_file(self.kata)
        kept = f" Its reference solution and the answer in depth: {path.relative_to(self.manifest.project_root)}"
        self.console.print(f"[bold green]✓ {self.kata.id} done.[/bold green]{kept if path else ''}", highlight=False)
        self.waiting = following(self.manifest, self.kata, progress)
        if self.waiting is None:
            self.console.print("[bold green]Every kata is done. Well played.[/bold green]")
        elif self.keys:
            self.console.print(
                f"Next: [bold]{self.waiting.id}[/bold] · {self.waiting.title} · {DONE_KEYS}", highlight=False
            )

    def move_on(self) -> None:
        after = self.waiting
        if after is None:
            return
        self.waiting = None
        choose(self.manifest, after)
        self.console.print(
            f"Now: [bold]{after.id}[/bold] · {after.title}\n  {after.question}\n"
            f"  Open {after.stub.relative_to(self.manifest.project_root)} and save to grade it.",
            highlight=False,
        )
        self.follow(after)
        self.console.print(
            f"[dim]Watching {after.path.relative_to(self.manifest.project_root)} · {KEYS}[/dim]", highlight=False
        )

    def hint(self) -> None:
        number, text = reveal_next_hint(self.manifest, self.kata)
        if number:
            for line in wrap(f"Hint {number}/{len(self.kata.hints)}: {text}", self.console.width, "", "  "):
                self.console.print(line, style="cyan", highlight=False, markup=False, soft_wrap=True)

    def run(self) -> None:
        with single_keys() as keys:
            self.keys = keys
            if keys:
                threading.Thread(target=read_keys, args=(self.events,), daemon=True).start()
            try:
                self.follow(self.kata)
                self.grade()
                while True:
                    kind, value = self.events.get()
                    if kind == "note":
                        self.console.print(f"[yellow]{value}[/yellow]", highlight=False)
                    elif kind == "changed" or value == "r":
                        self.grade()
                    elif value == "n" and self.waiting is not None:
                        self.move_on()
                    elif value == "h":
                        self.hint()
                    elif value == "l":
                        self.console.print(progress_table(states(self.manifest, read_course_progress(self.manifest))))
                    elif value == "q":
                        break
            except KeyboardInterrupt:
                self.console.print("Stopped watching.")
            finally:
                self.stop.set()
                self.worker.close()


def watch_course(manifest: Manifest, kata: Kata, console: Console, poll: bool = False) -> int:
    """Watch ``kata`` (then the katas after it) until the learner quits."""
    Watcher(manifest, kata, console, poll=poll).run()
    return 0
