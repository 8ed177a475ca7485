"""A small course with interview questions, for the interview tests."""

from __future__ import annotations

from pathlib import Path

from conftest import Course

DEMO_INTERVIEW = '''
format_version = 1

[[question]]
id = "main"
kind = "question"
ask = "What does {name} do?"
answer = "It adds two numbers and greets people by name."

[[question.point]]
say = "It adds numbers."
phrases = ["add number", "sum"]

[[question.point]]
say = "It greets by name."
phrases = ["greet name", "say hello"]

[[question]]
id = "why"
kind = "follow-up"
ask = "Why does {name} greet?"
answer = "Greeting by name makes people feel welcome."

[[question.point]]
say = "Greeting by name."
phrases = ["greet name"]

[[question.point]]
say = "People feel welcome."
phrases = ["feel welcome", "polite"]

[[question]]
id = "how"
kind = "follow-up"
ask = "How does {name} add?"
answer = "With the plus operator on two numbers."

[[question.point]]
say = "The plus operator."
phrases = ["plus", "operator"]

[[question.point]]
say = "On two numbers."
phrases = ["two number"]
'''


def interview_course(root: Path, names: tuple[str, ...] = ("01_demo", "02_next")) -> Course:
    """Katas with three questions each (the last one without an interview file when asked)."""
    course = Course(root)
    for name in names:
        folder = course.kata(name)
        (folder / "README.md").write_text(f"# {name}\n")
        if not name.endswith("_quiet"):
            (folder / "interview.toml").write_text(DEMO_INTERVIEW.format(name=name))
    return course
