"""The grade card: what a learner reads at the end of a run instead of tracebacks.

Rendering returns plain lines with markup hints, so the card can be written
through pytest's terminal writer (which honours ``--color``) and tested as text.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from graders.host.loader import display_path
from graders.judge.model import KataResult, Status
from graders.manifest import Kata
from graders.shell import command

MIN_WIDTH = 40
REASON_LINES = 4
ARROW = " → "
NBSP = "\u00a0"


@dataclass(frozen=True)
class Line:
    """One line of the card and how to colour it (pytest TerminalWriter markup)."""

    text: str
    markup: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class WarningSummary:
    """One distinct warning of a run: how often, what, and the line that caused it."""

    count: int
    category: str
    message: str
    location: str


def terminal_width() -> int:
    """The terminal's width (``$COLUMNS`` first), as pytest's own terminal writer measures it."""
    return shutil.get_terminal_size((80, 24)).columns


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut at its end with an ellipsis when it is longer than ``width``."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def fit_reason(reason: str, width: int, lines: int = REASON_LINES) -> str:
    """A failure reason cut to ``lines`` lines of ``width``, keeping its verdict.

    Reasons read ``<what was sent> → <what came back>``; when one is too long, the echo of
    the request is cut first, since the verdict after the arrow is what the learner needs.
    """
    reason = " ".join(reason.split())
    budget = max(width, MIN_WIDTH) * lines - lines * 2  # room lost at the wrapped line ends
    if len(reason) <= budget:
        return reason
    sent, arrow, verdict = reason.partition(ARROW)
    if not arrow:
        return shorten(reason, budget)
    keep = max(budget - len(verdict) - len(ARROW), min(len(sent), 24))
    return shorten(sent, keep) + ARROW + shorten(verdict, budget - min(len(sent), keep) - len(ARROW))


def wrap(text: str, width: int, first: str, rest: str | None = None) -> list[str]:
    """``text`` wrapped to ``width`` with a hanging indent; `code spans` stay on one line when they fit."""
    rest = " " * len(first) if rest is None else rest
    room = max(width - len(rest), MIN_WIDTH // 2)

    def protect(match: re.Match[str]) -> str:
        span = match.group(0)
        return span.replace(" ", NBSP) if len(span) <= room else span

    spaced = re.sub(r"[ \t\r\n]+", " ", text).strip()  # not str.split(): it would undo a no-break space
    protected = re.sub(r"`[^`]+`", protect, spaced)
    wrapped = textwrap.wrap(
        protected, width=max(width, MIN_WIDTH), initial_indent=first, subsequent_indent=rest,
        break_long_words=True, break_on_hyphens=False,
    )  # fmt: skip
    return [line.replace(NBSP, " ") for line in wrapped] or [first.rstrip()]


def render_card(
    result: KataResult, kata: Kata | None, target: str, width: int | None = None, hint_level: int = 1
) -> list[Line]:
    """All lines of one kata's card, none wider than ``width`` (default: the terminal's).

    ``hint_level``: the furthest hint the learner has asked for (``kata hint``); the card shows it,
    so it never goes back to a hint they have moved past.
    """
    width = max(width or terminal_width(), MIN_WIDTH)
    title = f"{result.kata_dir} · {result.title}"
    status = result.status
    if status is Status.NOT_STARTED:
        score = "not started"
    else:
        score = f"{result.score}/{result.max_score}"
        if status is Status.CRASHED:
            score += " · does not import"
        elif status is Status.DONE:
            score += " · done"
    tests_changed = kata is not None and target == "stub" and kata.tests_changed()
    if tests_changed and status is Status.DONE:
        score = score.replace("done", "tests changed")
    colour = {"green": True} if status is Status.DONE and not tests_changed else {"yellow": True}
    if status is Status.CRASHED:
        colour = {"red": True}
    room = width - len(score) - 2
    lines = [Line(f"{shorten(title, room) if len(title) > room else title}  {score}", {"bold": True, **colour})]
    if target != "stub":
        lines.append(Line(f"  graded: {shorten(target, width - 10)}"))
    if status is Status.CRASHED:
        lines += [Line(text, {"red": True}) for text in wrap(result.crash, width, "  ", "      ")]
        pointer = missing_module_pointer(result.crash)
        if pointer:
            lines += [Line(text) for text in wrap(pointer, width, "  ")]
        lines.append(Line("  Fix this line first: nothing can be graded until the file imports."))
    elif status is Status.NOT_STARTED:
        lines += _not_started_lines(result, kata, width, hint_level)
    else:
        lines += _behaviour_lines(result, width)
        if result.failing and kata and kata.hints:
            lines += _hint_lines(kata, hint_level, width)
            more = f"`{command('kata hint')}` the next hint · " if hint_level < len(kata.hints) else ""
            text = f"More: {more}`{command('pytest -v ' + display_path(kata.path))}` every detail"
            lines += [Line(line) for line in wrap(text, width, "  ", "    ")]
    if not result.complete:
        text = (
            f"Partial run: {len(result.behaviours)} of {result.tests_in_module} behaviours;"
            " progress is recorded only when the whole kata is graded."
        )
        lines += [Line(line) for line in wrap(text, width, "  ")]
    if tests_changed and kata is not None:
        text = (
            f"Your {display_path(kata.tests)} differs from the original: this grade does not count and is not recorded."
            f" `{command('kata reset ' + kata.number)}` restores the kata's files (yours are kept)."
        )
        lines += [Line(line, {"yellow": True}) for line in wrap(text, width, "  ")]
    elif status is Status.DONE and kata:
        text = (
            f"Done! `{command('kata solution ' + kata.number)}` shows the reference solution and the answer in depth."
        )
        lines += [Line(line, {"green": True}) for line in wrap(text, width, "  ")]
    return lines


def missing_module_pointer(crash: str) -> str:
    """For ``No module named 'x'``: what is installed instead, in one sentence; else nothing."""
    match = re.search(r"No module named '([\w.]+)'", crash)
    if not match:
        return ""
    name = match.group(1).split(".", 1)[0]
    instead = INSTEAD.get(name)
    if instead:
        return f"{name} is not installed in the course's environment. {instead}"
    return (
        f"{name} is not installed in the course's environment (.venv): every kata can be solved with the"
        f" packages pyproject.toml lists. To add one anyway: {command('pip')} install <its name on PyPI>."
    )


INSTEAD = {
    "jwt": "python-jose is (`from jose import jwt`, the same encode/decode calls); or `.venv/bin/pip install pyjwt`.",
    "passlib": "Use hashlib (`hashlib.scrypt` or `hashlib.pbkdf2_hmac`) from the standard library.",
    "bcrypt": "Use hashlib (`hashlib.scrypt` or `hashlib.pbkdf2_hmac`) from the standard library.",
    "requests": "httpx is (`import httpx`, nearly the same calls).",
}


def render_warnings(warnings: list[WarningSummary], width: int | None = None, verbose_command: str = "") -> list[Line]:
    """One line per distinct warning, most frequent first, then where the full text is."""
    width = max(width or terminal_width(), MIN_WIDTH)
    if not warnings:
        return []
    lines = []
    for warning in sorted(warnings, key=lambda w: -w.count):
        text = f"! {warning.count}× {warning.location}: {warning.category}: {warning.message}"
        lines.append(Line("  " + shorten(text, width - 2), {"yellow": True}))
    if verbose_command:
        lines.append(Line("  " + shorten(f"The full warnings: {command(verbose_command)}", width - 2)))
    return lines


def _hint_lines(kata: Kata, level: int, width: int) -> list[Line]:
    """Hint ``level`` (1-based, kept within the kata's hints): every card short of done shows one."""
    level = min(max(level, 1), len(kata.hints))
    hint = wrap(f"Hint {level}/{len(kata.hints)}: {kata.hints[level - 1]}", width, "  ", "    ")
    return [Line(text, {"cyan": True}) for text in hint]


def _not_started_lines(result: KataResult, kata: Kata | None, width: int, hint_level: int = 1) -> list[Line]:
    count = len(result.graded)
    noun = "behaviour" if count == 1 else "behaviours"
    lines = [Line(f"  {count} {noun} to make pass; none yet, since the stub is untouched.")]
    if kata:
        text = f"Read {display_path(kata.readme)}, then edit {display_path(kata.stub)}."
        lines += [Line(line) for line in wrap(text, width, "  ")]
        lines += [Line(line, {"cyan": True}) for line in wrap(f"Question: {kata.question}", width, "  ", "    ")]
        if kata.hints:  # `kata hint` goes on from the one shown here
            lines += _hint_lines(kata, hint_level, width)
    return lines


def _rule_label(rules: tuple[str, ...]) -> str:
    """Where the README states what a failing behaviour checks: "rule 3", "rules 3, 4"."""
    label = f"rule {rules[0]}" if len(rules) == 1 else f"rules {', '.join(rules)}"
    return label.replace(" ", NBSP)  # wrapped as one piece: "README rules 3," and "4" on two lines read badly


def _behaviour_lines(result: KataResult, width: int) -> list[Line]:
    """A ✓ or ✗ per behaviour; a reason shared by several ✗ is written once."""
    failing = result.failing
    counts = Counter(b.reason for b in failing if b.reason)
    one_reason = len(failing) > 2 and len(counts) == 1 and sum(counts.values()) == len(failing)
    lines: list[Line] = []
    written: set[str] = set()
    for behaviour in result.graded:
        points = f" ({behaviour.points} pts)" if behaviour.points != 1 else ""
        if behaviour.passed:
            lines += [Line(t, {"green": True}) for t in wrap(f"✓ {behaviour.description}{points}", width, "  ", "    ")]
            continue
        same = behaviour.reason in written and not one_reason
        tag = "  (same reason as above)" if same else ""
        rule = f" ·{NBSP}README{NBSP}{_rule_label(behaviour.rules)}" if behaviour.rules else ""
        text = f"✗ {behaviour.description}{points}{rule}{tag}"
        lines += [Line(t, {"red": True}) for t in wrap(text, width, "  ", "    ")]
        if behaviour.reason and not one_reason and not same:
            lines += [Line(t) for t in wrap(fit_reason(behaviour.reason, width - 6), width, "      ")]
            written.add(behaviour.reason)
    if one_reason:
        lines.append(Line("  Every ✗ above fails for one reason:"))
        lines += [Line(t) for t in wrap(fit_reason(failing[0].reason, width - 6), width, "      ")]
    return lines


def render_summary(results: list[KataResult]) -> Line:
    """The closing line over all katas of the run."""
    score = sum(r.score for r in results)
    top = sum(r.max_score for r in results)
    done = sum(1 for r in results if r.status is Status.DONE)
    text = f"{done} of {len(results)} katas done · {score}/{top} points"
    return Line(text, {"bold": True, "green" if done == len(results) else "yellow": True})
