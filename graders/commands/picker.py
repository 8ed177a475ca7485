"""An arrow-key list, as rustlings' ``list``: choose a kata to go to or to start over.

Plain ANSI and ``termios``, no curses: the list is redrawn in place under the course
table, one line per kata. ↑/↓ (or k/j) move, Enter goes to the kata, r resets it,
q or Esc leaves. Outside a terminal the caller keeps its typed prompt instead.
"""

from __future__ import annotations

import os
import termios
import tty
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

KEYS_HELP = "↑/↓ move · Enter go to it · r start it over · q leave"
UP = {"\x1b[A", "\x1bOA", "k"}
DOWN = {"\x1b[B", "\x1bOB", "j"}
LEAVE = {"q", "\x1b", "\x03", "\x04"}


@dataclass(frozen=True)
class Choice:
    """What the learner picked: ``action`` is "go" or "reset"."""

    action: str
    index: int


def read_key(fd: int) -> str:
    """One key press: a character, or a whole escape sequence for an arrow key."""
    first = os.read(fd, 1).decode("utf-8", "replace")
    if first != "\x1b":
        return first
    # An arrow key arrives as ESC [ A in one write; a lone ESC arrives alone.
    rest = os.read(fd, 8).decode("utf-8", "replace") if _ready(fd) else ""
    return first + rest


def _ready(fd: int) -> bool:
    import select

    return bool(select.select([fd], [], [], 0.05)[0])


def render(rows: list[str], selected: int, width: int) -> list[str]:
    """The list as it is drawn: a pointer on the chosen row, every row cut to the width."""
    lines = []
    for index, row in enumerate(rows):
        pointer = "›" if index == selected else " "
        text = f"{pointer} {row}"
        lines.append(text if len(text) <= width else text[: width - 1] + "…")
    lines.append(KEYS_HELP[:width])
    return lines


def pick(
    rows: list[str], start: int, fd: int, out: TextIO, width: Callable[[], int], style: Callable[[str], str]
) -> Choice | None:
    """Let the learner move through ``rows`` and choose one; None when they leave."""
    selected = max(0, min(start, len(rows) - 1))
    saved = termios.tcgetattr(fd)
    drawn = 0
    try:
        tty.setcbreak(fd)
        out.write("\x1b[?25l")  # hide the cursor while the list is on screen
        while True:
            lines = render(rows, selected, width())
            if drawn:
                out.write(f"\x1b[{drawn}F")
            for index, line in enumerate(lines):
                out.write("\x1b[2K" + (style(line) if index == selected else line) + "\r\n")
            drawn = len(lines)
            out.flush()
            key = read_key(fd)
            if key in UP:
                selected = (selected - 1) % len(rows)
            elif key in DOWN:
                selected = (selected + 1) % len(rows)
            elif key in {"\r", "\n"}:
                return Choice("go", selected)
            elif key in {"r", "R"}:
                return Choice("reset", selected)
            elif key in LEAVE or key == "":
                return None
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        out.write("\x1b[?25h")
        out.flush()
