"""The interview questions of each kata: ``katas/NN_topic/interview.toml``.

One ``[[question]]`` of kind ``question`` (the kata's interview question) and
follow-ups of kind ``follow-up``; each has an ``ask``, a model ``answer`` and
``[[question.point]]`` tables: ``say`` (the key point as shown) and ``phrases``
(ways of saying it, see ``matcher``). A kata without the file has no questions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.interview.matcher import Point, filler_alternatives, mark
from graders.manifest import Kata, Manifest

INTERVIEW_FILE = "interview.toml"
FORMAT_VERSION = 1
KINDS = ("question", "follow-up")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_FOLLOW_UPS = 2
MIN_POINTS = 2


class ContentError(Exception):
    """An interview file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Question:
    """One question an interviewer asks, with the points a good answer holds."""

    kata: Kata
    id: str
    kind: str
    ask: str
    answer: str
    points: tuple[Point, ...]
    order: int

    @property
    def key(self) -> str:
        """Unique across the course, stable across edits of the text: ``06_async/requests-get``."""
        return f"{self.kata.id}/{self.id}"

    @property
    def follow_up(self) -> bool:
        return self.kind == "follow-up"


def interview_file(kata: Kata) -> Path:
    return kata.path / INTERVIEW_FILE


def read_questions(kata: Kata) -> list[Question]:
    """The kata's questions in file order; none when it has no interview file."""
    path = interview_file(kata)
    if not path.is_file():
        return []
    shown = f"{kata.dir}/{INTERVIEW_FILE}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{shown}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{shown}: not valid TOML ({exc})") from None
    if data.get("format_version") != FORMAT_VERSION:
        raise ContentError(f"{shown}: format_version should be {FORMAT_VERSION}")
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise ContentError(f"{shown}: no [[question]] entries")
    questions = [_question(kata, shown, index, entry) for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise ContentError(f"{shown}: the id {question.id!r} is used twice")
        seen.add(question.id)
    return questions


def _question(kata: Kata, shown: str, index: int, entry: object) -> Question:
    where = f"{shown}: question {index + 1}"
    if not isinstance(entry, dict):
        raise ContentError(f"{where} is not a table")
    text: dict[str, str] = {}
    for key in ("id", "kind", "ask", "answer"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{where} needs a non-empty {key}")
        text[key] = value.strip()
    if not ID.match(text["id"]):
        raise ContentError(f"{where}: id {text['id']!r} should be lowercase words joined by -")
    if text["kind"] not in KINDS:
        raise ContentError(f"{where}: kind should be one of {', '.join(KINDS)}")
    raw_points = entry.get("point")
    if not isinstance(raw_points, list) or len(raw_points) < MIN_POINTS:
        raise ContentError(f"{where} ({text['id']}) needs at least {MIN_POINTS} [[question.point]] tables")
    points = []
    for number, raw in enumerate(raw_points, 1):
        say = raw.get("say") if isinstance(raw, dict) else None
        phrases = raw.get("phrases") if isinstance(raw, dict) else None
        if not isinstance(say, str) or not say.strip():
            raise ContentError(f"{where} ({text['id']}), point {number} needs a non-empty say")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) for p in phrases):
            raise ContentError(f"{where} ({text['id']}), point {number} needs phrases: a list of strings")
        point = Point.of(say.strip(), phrases)
        filler = [word for phrase in phrases for word in filler_alternatives(phrase)]
        if filler:
            raise ContentError(
                f"{where} ({text['id']}), point {number}: {filler[0]!r} is a filler word the matcher leaves out"
            )
        points.append(point)
    return Question(kata, text["id"], text["kind"], text["ask"], text["answer"], tuple(points), index)


def check_questions(kata: Kata) -> list[str]:
    """What an author must fix in the kata's interview file (empty: it is well-formed).

    Besides the shape: one interview question, at least two follow-ups, and a model
    answer that the matcher marks as covering every one of its own key points.
    """
    try:
        questions = read_questions(kata)
    except ContentError as exc:
        return [str(exc)]
    if not questions:
        return [f"{kata.dir}/{INTERVIEW_FILE} is missing"]
    problems = []
    main = [q for q in questions if not q.follow_up]
    if len(main) != 1:
        problems.append(f"{INTERVIEW_FILE}: expected one question of kind 'question', found {len(main)}")
    follow_ups = len(questions) - len(main)
    if follow_ups < MIN_FOLLOW_UPS:
        problems.append(f"{INTERVIEW_FILE}: expected at least {MIN_FOLLOW_UPS} follow-ups, found {follow_ups}")
    for question in questions:
        marking = mark(question.answer, question.points)
        missed = [m.point.say for m in marking.marks if not m.covered]
        if marking.note:
            problems.append(f"{INTERVIEW_FILE}: the model answer of {question.id} reads like a word list")
        elif missed:
            problems.append(f"{INTERVIEW_FILE}: the model answer of {question.id} misses: {'; '.join(missed)}")
    return problems


def course_questions(manifest: Manifest) -> tuple[list[Question], list[str]]:
    """Every question of the course in teaching order, and one line per file that could not be read."""
    questions: list[Question] = []
    problems: list[str] = []
    for kata in manifest.katas:
        try:
            questions.extend(read_questions(kata))
        except ContentError as exc:
            problems.append(str(exc))
    return questions, problems
