"""The grade card: what a learner reads at the end of a run instead of tracebacks.

Rendering returns plain lines with markup hints, so the card can be written
through pytest's terminal writer (which honours ``--color``) and tested as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graders.host.loader import display_path
from graders.manifest import Kata
from graders.judge.model import KataResult, Status

REASON_WIDTH = 160


@dataclass(frozen=True)
class Line:
    """One line of the card and how to colour it (pytest TerminalWriter markup)."""

    text: str
    markup: dict[str, bool] = field(default_factory=dict)


def shorten(text: str, width: int = REASON_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_card(
    result: KataResult, kata: Kata | None, target: str
) -> list[Line]:
    """All lines of one kata's card."""
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
    colour = {"green": True} if status is Status.DONE else {"yellow": True}
    if status is Status.CRASHED:
        colour = {"red": True}
    lines = [Line(f"{title}  {score}", {"bold": True, **colour})]
    if target != "stub":
        lines.append(Line(f"  graded: {target}"))
    if status is Status.CRASHED:
        lines.append(Line(f"  {result.crash}", {"red": True}))
        lines.append(Line("  Fix this line first: nothing can be graded until the file imports."))
    elif status is Status.NOT_STARTED:
        lines += _not_started_lines(result, kata)
    else:
        lines += _behaviour_lines(result)
        if result.failing and kata and kata.hints:
            lines.append(Line(f"  Hint: {shorten(kata.hints[0], 300)}", {"cyan": True}))
        if result.failing:
            lines.append(Line(f"  Details: pytest -v {display_path(kata.path) if kata else ''}".rstrip()))
    if not result.complete:
        lines.append(
            Line(
                f"  Partial run: {len(result.behaviours)} of {result.tests_in_module} behaviours;"
                " progress is recorded only when the whole kata is graded."
            )
        )
    if status is Status.DONE and kata:
        lines.append(
            Line(f"  Done! The in-depth answer is at the end of {display_path(kata.readme)}.", {"green": True})
        )
    return lines


def _not_started_lines(result: KataResult, kata: Kata | None) -> list[Line]:
    count = len(result.graded)
    noun = "behaviour" if count == 1 else "behaviours"
    lines = [Line(f"  {count} {noun} to make pass; none yet, since the stub is untouched.")]
    if kata:
        lines.append(Line(f"  Read {display_path(kata.readme)}, then edit {display_path(kata.stub)}."))
        lines.append(Line(f"  Question: {shorten(kata.question, 300)}", {"cyan": True}))
    return lines


def _behaviour_lines(result: KataResult) -> list[Line]:
    lines = []
    for behaviour in result.graded:
        points = f" ({behaviour.points} pts)" if behaviour.points != 1 else ""
        if behaviour.passed:
            lines.append(Line(f"  ✓ {behaviour.description}{points}", {"green": True}))
        else:
            lines.append(Line(f"  ✗ {behaviour.description}{points}", {"red": True}))
            if behaviour.reason:
                lines.append(Line(f"      {shorten(behaviour.reason)}"))
    return lines


def render_summary(results: list[KataResult]) -> Line:
    """The closing line over all katas of the run."""
    score = sum(r.score for r in results)
    top = sum(r.max_score for r in results)
    done = sum(1 for r in results if r.status is Status.DONE)
    text = f"{done} of {len(results)} katas done · {score}/{top} points"
    return Line(text, {"bold": True, "green" if done == len(results) else "yellow": True})
