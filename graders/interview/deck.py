"""When each question comes back: FSRS cards in ``.kata/interview.json``, beside the progress file.

Written like the progress file: atomically, under the same lock, and a file that
cannot be read is set aside (``interview.json.corrupt-<time>``), never overwritten,
with one line saying so. A question never asked has no card yet and is due at once.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fsrs import Card, Rating, Scheduler

from graders.interview.content import Question
from graders.progress import PROGRESS_DIR, _locked, write_atomically

DECK_FILE = "interview.json"
FORMAT_VERSION = 1
RATINGS = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}
RATING_NAMES = {1: "again", 2: "hard", 3: "good", 4: "easy"}


@dataclass
class Deck:
    """Every question's FSRS card by question key, and the log of reviews."""

    cards: dict[str, Card] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""  # one line when the file on disk was unreadable

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "cards": {key: card.to_dict() for key, card in sorted(self.cards.items())},
            "reviews": self.reviews,
        }


def deck_path(project_root: Path) -> Path:
    return project_root / PROGRESS_DIR / DECK_FILE


def parse_deck(text: str) -> Deck:
    """Parse the file's text; raises ``ValueError`` on anything unexpected."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise ValueError("not an interview file of this version")
    cards, reviews = data.get("cards", {}), data.get("reviews", [])
    if not isinstance(cards, dict) or not isinstance(reviews, list):
        raise ValueError("cards must be an object and reviews a list")
    try:
        parsed = {str(key): Card.from_dict(value) for key, value in cards.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"a card is malformed ({exc})") from None
    for card in parsed.values():
        if card.due.tzinfo is None:
            raise ValueError("a card's due date has no time zone")
    return Deck(cards=parsed, reviews=[r for r in reviews if isinstance(r, dict)])


def read_deck(project_root: Path) -> Deck:
    """Read the deck without changing anything; an unreadable file reads as empty with a problem."""
    path = deck_path(project_root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Deck()
    except OSError as exc:
        return Deck(problem=f"{path}: cannot be read ({exc.strerror})")
    try:
        return parse_deck(raw.decode("utf-8"))
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        return Deck(problem=f"{path} is corrupt ({exc}); your reviews start afresh")


def update_deck(project_root: Path, change: Callable[[Deck], None]) -> Deck:
    """Read, let ``change(deck)`` edit, and write back atomically; a corrupt file is kept aside."""
    path = deck_path(project_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent):
        deck = read_deck(project_root)
        if deck.problem and path.exists():
            backup = path.with_name(f"{DECK_FILE}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, backup)
            deck.problem += f" (the old file is kept as {backup.name})"
        change(deck)
        write_atomically(path, json.dumps(deck.to_json(), indent=2) + "\n")
    return deck


def scheduler() -> Scheduler:
    """FSRS with its published defaults: 90 % recall wanted, steps of 1 and 10 minutes at first."""
    return Scheduler()


def new_card(question: Question, now: datetime) -> Card:
    # A stable id from the key (fsrs's default id is the clock, and it sleeps 1 ms to keep ids apart).
    return Card(card_id=zlib.crc32(question.key.encode()), due=now)


def review(
    project_root: Path, question: Question, rating: int, now: datetime, covered: int, points: int
) -> tuple[Card, Deck]:
    """Record one answer rated ``rating`` (1 again … 4 easy): the question's card moves on."""
    result: list[Card] = []

    def change(deck: Deck) -> None:
        card = deck.cards.get(question.key) or new_card(question, now)
        card, _ = scheduler().review_card(card, RATINGS[rating], review_datetime=now)
        deck.cards[question.key] = card
        deck.reviews.append(
            {
                "question": question.key,
                "at": now.isoformat(timespec="seconds"),
                "rating": RATING_NAMES[rating],
                "covered": covered,
                "points": points,
            }
        )
        result.append(card)

    deck = update_deck(project_root, change)
    return result[0], deck


@dataclass(frozen=True)
class Entry:
    """One question's place in the agenda."""

    question: Question
    due: datetime | None  # None: never asked, due now
    solved: bool  # its kata is solved
    reviews: int
    last_rating: str

    def is_due(self, now: datetime) -> bool:
        return self.due is None or self.due <= now


def agenda(
    questions: Iterable[Question], deck: Deck, solved: set[str], now: datetime
) -> list[Entry]:
    """Every question, the one to ask first at the top.

    Due questions come first: those of solved katas before those of katas not yet done,
    questions asked before ahead of new ones, the longest overdue first, and new ones in
    teaching order, each kata's own question before its follow-ups. Then the rest, soonest first.
    """
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    for entry in deck.reviews:
        key = str(entry.get("question", ""))
        counts[key] = counts.get(key, 0) + 1
        last[key] = str(entry.get("rating", ""))
    kata_order: dict[str, int] = {}
    entries = []
    for question in questions:
        kata_order.setdefault(question.kata.id, len(kata_order))
        card = deck.cards.get(question.key)
        due = card.due if card is not None else None
        solved_kata = question.kata.id in solved
        entries.append(Entry(question, due, solved_kata, counts.get(question.key, 0), last.get(question.key, "")))

    def order(entry: Entry) -> tuple[Any, ...]:
        teaching = (kata_order[entry.question.kata.id], entry.question.follow_up, entry.question.order)
        if entry.is_due(now):
            when = entry.due.timestamp() if entry.due is not None else 0.0
            return (0, not entry.solved, entry.due is None, when, teaching)
        assert entry.due is not None
        return (1, entry.due.timestamp(), teaching)

    return sorted(entries, key=order)


def utc_now() -> datetime:
    return datetime.now(UTC)
