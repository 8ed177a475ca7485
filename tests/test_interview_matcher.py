"""The interview matcher: tolerant of wording, not fooled by a list of the right words."""

from __future__ import annotations

import pytest

from graders.interview.matcher import Phrase, Point, mark, stem, suggested_rating, tokens

# The follow-up of kata 06, with its key points as the course ships them.
POINTS = (
    Point.of(
        "requests is blocking: the event loop cannot switch while it waits.",
        ["block|stall|freez|halt loop", "loop cannot|can't|not switch", "no await loop", "block event"],
    ),
    Point.of(
        "Every other request on that worker waits, even a health check.",
        ["other|every|all request wait|stuck|delay|queue|hang|block", "health check wait|stuck|delay|slow"],
    ),
    Point.of("Fix: an async client (httpx.AsyncClient) with await.", ["httpx", "async client", "aiohttp"]),
    Point.of(
        "Or make the route a plain def, or move the call to a thread.",
        ["plain|normal|sync def", "make route def", "run_in_threadpool", "to_thread", "thread pool|threadpool"],
    ),
)

GOOD = (
    "requests is synchronous, so the call stalls the whole event loop until the response comes back. "
    "Meanwhile every other request on that worker is stuck, even the health check. I'd switch to "
    "httpx's AsyncClient and await it, or declare the route with a plain def so it runs in the threadpool."
)
PARTIAL = "The call is synchronous, so it blocks the event loop. You should use an async HTTP client."
WRONG = "Nothing special: FastAPI makes it async for you, and async def is always faster anyway."


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        (["block", "blocks", "blocked", "blocking"], "block"),
        (["validate", "validates", "validated", "validating", "validation"], "valid"),
        (["serialise", "serialize", "serialises", "serialized", "serialisation"], "serializ"),
        (["dependency", "dependencies"], "dependency"),
        (["run", "runs", "running"], "run"),
        (["use", "uses", "used", "using"], "us"),
        (["expire", "expires", "expired", "expiration"], "expir"),
        (["need", "needs", "needed"], "need"),
    ],
)
def test_every_form_of_a_word_has_one_stem(family: list[str], expected: str) -> None:
    assert {stem(word) for word in family} == {expected}


def test_tokens_drop_filler_words_and_keep_negations_and_identifiers() -> None:
    words = [t.stem for t in tokens("It does NOT block the loop; call time.sleep() or httpx's client")]
    assert words == ["not", "block", "loop", "call", "tim", "sleep", "httpx", "client"]


def test_a_good_answer_covers_every_point_and_says_where() -> None:
    marking = mark(GOOD, POINTS)
    assert [m.covered for m in marking.marks] == [True, True, True, True]
    assert marking.marks[0].evidence == "stalls the whole event loop"
    assert marking.marks[2].evidence == "httpx's"
    assert suggested_rating(marking) == 3


def test_a_partial_answer_covers_some_points() -> None:
    marking = mark(PARTIAL, POINTS)
    assert [m.covered for m in marking.marks] == [True, False, True, False]
    assert suggested_rating(marking) == 2


def test_a_wrong_answer_covers_nothing() -> None:
    marking = mark(WRONG, POINTS)
    assert marking.covered == 0 and suggested_rating(marking) == 1


def test_a_list_of_the_right_words_is_not_credited() -> None:
    salad = "blocking event loop other requests wait httpx AsyncClient def threadpool run_in_threadpool"
    marking = mark(salad, POINTS)
    assert marking.covered == 0 and "list of words" in marking.note


def test_words_far_apart_do_not_make_a_phrase() -> None:
    phrase = Phrase.parse("block|stall loop")
    near = [t.stem for t in tokens("this blocks the whole event loop")]
    far = [t.stem for t in tokens(
        "a slow database call blocks a thread; much later, after the cache is warmed and the "
        "configuration is read and logged and checked, uvicorn starts its loop"
    )]  # fmt: skip
    assert phrase.find(near) is not None
    assert phrase.find(far) is None


def test_a_phrase_may_span_several_words_in_one_term() -> None:
    phrase = Phrase.parse("time.sleep async")
    assert phrase.find([t.stem for t in tokens("calling time.sleep(1) in an async route")]) is not None
    assert phrase.find([t.stem for t in tokens("sleep for some time in an async route")]) is None


def test_the_course_marks_three_answers_to_where_the_token_expiry_is_checked() -> None:
    from pathlib import Path

    from graders.interview.content import read_questions
    from graders.manifest import load_manifest

    course = load_manifest(Path(__file__).resolve().parents[1] / "katas" / "katas.toml")
    kata = course.find("07_auth")
    assert kata is not None
    question = next(q for q in read_questions(kata) if q.id == "expiry-checked")
    good = (
        "The server checks it, on every request: the get_current_user dependency decodes the JWT, and the "
        "library compares the exp claim with the current time. An expired token raises, and the dependency "
        "answers 401. The client can't be trusted with that decision, and since a JWT can't be revoked we "
        "keep access tokens short-lived."
    )
    partial = "The JWT library checks the exp claim when we decode the token, and an expired token gets a 401."
    wrong = "The browser checks it: when the cookie expires, the client throws the token away and asks the user to log in again."
    assert [m.covered for m in mark(good, question.points).marks] == [True, True, True, True]
    assert [m.covered for m in mark(partial, question.points).marks] == [False, True, True, False]
    assert mark(wrong, question.points).covered == 0
