"""Every kata's interview file is well-formed, and a kata without one simply has no questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.interview.content import ContentError, check_questions, course_questions, read_questions
from graders.manifest import load_manifest
from interview_support import interview_course

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_manifest(ROOT / "katas" / "katas.toml")
# The katas that had interview questions when `kata interview` came; later katas may add theirs.
FIRST_TEN = (
    "01_first_app", "02_path_query", "03_models", "04_validation_errors", "05_dependencies",
    "06_async", "07_auth", "08_openapi_docs", "09_asgi_lifespan", "10_deployment",
)  # fmt: skip


@pytest.mark.parametrize("kata_id", FIRST_TEN)
def test_kata_has_a_question_and_follow_ups_whose_model_answers_cover_their_points(kata_id: str) -> None:
    kata = COURSE.find(kata_id)
    assert kata is not None, f"{kata_id} is no longer in katas.toml"
    assert check_questions(kata) == []
    questions = read_questions(kata)
    assert sum(not q.follow_up for q in questions) == 1 and sum(q.follow_up for q in questions) >= 2


def test_every_interview_file_of_the_course_reads() -> None:
    questions, problems = course_questions(COURSE)
    assert problems == []
    assert len({q.key for q in questions}) == len(questions)


def test_a_kata_without_an_interview_file_has_no_questions(tmp_path: Path) -> None:
    course = interview_course(tmp_path, ("01_demo", "02_quiet"))
    manifest = load_manifest(course.root / "katas" / "katas.toml")
    assert read_questions(manifest.katas[1]) == []
    questions, problems = course_questions(manifest)
    assert [q.key for q in questions] == ["01_demo/main", "01_demo/why", "01_demo/how"] and problems == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("format_version = 1", "format_version = 2"), "format_version should be 1"),
        (lambda t: t.replace('id = "why"', 'id = "main"'), "'main' is used twice"),
        (lambda t: t.replace('kind = "follow-up"', 'kind = "aside"', 1), "kind should be one of"),
        (lambda t: t.replace('phrases = ["plus", "operator"]', 'phrases = ["the|of"]'), "'the' is a filler word"),
        (lambda t: t.replace('ask = "Why', 'ask = """Why'), "not valid TOML"),
    ],
)
def test_a_malformed_file_is_reported_with_its_place(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    course = interview_course(tmp_path, ("01_demo",))
    path = course.root / "katas" / "01_demo" / "interview.toml"
    path.write_text(change(path.read_text()))
    manifest = load_manifest(course.root / "katas" / "katas.toml")
    with pytest.raises(ContentError, match=message):
        read_questions(manifest.katas[0])
    questions, problems = course_questions(manifest)
    assert questions == [] and len(problems) == 1 and "01_demo/interview.toml" in problems[0]


def test_a_model_answer_that_misses_its_own_point_is_reported(tmp_path: Path) -> None:
    course = interview_course(tmp_path, ("01_demo",))
    path = course.root / "katas" / "01_demo" / "interview.toml"
    path.write_text(path.read_text().replace("makes people feel welcome", "is nice"))
    kata = load_manifest(course.root / "katas" / "katas.toml").katas[0]
    assert check_questions(kata) == ["interview.toml: the model answer of why misses: People feel welcome."]
