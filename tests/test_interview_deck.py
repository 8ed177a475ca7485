"""Spaced repetition for interview questions: what is due, in which order, kept safely."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graders.interview.content import course_questions
from graders.interview.deck import agenda, deck_path, read_deck, review
from graders.manifest import load_manifest
from interview_support import interview_course

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def load(root: Path):  # type: ignore[no-untyped-def]
    manifest = load_manifest(root / "katas" / "katas.toml")
    questions, _ = course_questions(manifest)
    return manifest, questions


def keys(entries) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.question.key for e in entries]


def test_new_questions_are_due_in_teaching_order_and_solved_katas_come_first(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    _, questions = load(course.root)
    fresh = agenda(questions, read_deck(course.root), set(), NOW)
    assert keys(fresh)[:4] == ["01_demo/main", "01_demo/why", "01_demo/how", "02_next/main"]
    assert all(e.is_due(NOW) for e in fresh)
    solved_second = agenda(questions, read_deck(course.root), {"02_next"}, NOW)
    assert keys(solved_second)[:4] == ["02_next/main", "02_next/why", "02_next/how", "01_demo/main"]


def test_a_review_schedules_the_question_and_it_comes_back_when_due(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    _, questions = load(course.root)
    first = questions[0]
    card, _ = review(course.root, first, 3, NOW, covered=2, points=2)
    assert card.due > NOW
    later = agenda(questions, read_deck(course.root), set(), NOW + timedelta(seconds=1))
    assert keys(later)[0] == "01_demo/why" and keys(later)[-1] == "01_demo/main"
    assert not later[-1].is_due(NOW + timedelta(seconds=1)) and later[-1].last_rating == "good"
    when_due = agenda(questions, read_deck(course.root), set(), card.due)
    assert keys(when_due)[0] == "01_demo/main", "a question asked before comes ahead of new ones"


def test_good_answers_space_the_reviews_out_and_again_brings_it_back_soon(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    _, questions = load(course.root)
    question, moment, gaps = questions[0], NOW, []
    for _ in range(4):
        card, _ = review(course.root, question, 3, moment, covered=2, points=2)
        gaps.append(card.due - moment)
        moment = card.due
    assert gaps == sorted(gaps) and gaps[-1] >= timedelta(days=2), gaps
    card, deck = review(course.root, question, 1, moment, covered=0, points=2)
    assert card.due - moment <= timedelta(minutes=10)
    assert [r["rating"] for r in deck.reviews] == ["good"] * 4 + ["again"]


def test_a_corrupt_file_is_set_aside_with_a_message_never_overwritten(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    _, questions = load(course.root)
    path = deck_path(course.root)
    path.parent.mkdir(parents=True)
    path.write_text('{"format_version": 1, "cards": {"x": {"due": "soon"')
    assert "is corrupt" in read_deck(course.root).problem
    _, deck = review(course.root, questions[0], 3, NOW, covered=1, points=2)
    assert "kept as interview.json.corrupt-" in deck.problem
    kept = list(path.parent.glob("interview.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text().startswith('{"format_version": 1, "cards": {"x"')
    assert list(json.loads(path.read_text())["cards"]) == ["01_demo/main"]


def test_cards_of_questions_no_longer_in_the_course_are_kept(tmp_path: Path) -> None:
    course = interview_course(tmp_path)
    _, questions = load(course.root)
    review(course.root, questions[0], 3, NOW, covered=2, points=2)
    data = json.loads(deck_path(course.root).read_text())
    data["cards"]["99_gone/main"] = data["cards"]["01_demo/main"]
    deck_path(course.root).write_text(json.dumps(data))
    review(course.root, questions[1], 3, NOW, covered=2, points=2)
    assert set(json.loads(deck_path(course.root).read_text())["cards"]) == {
        "01_demo/main", "01_demo/why", "99_gone/main",
    }  # fmt: skip
