"""``kata new``: the files of a new kata, ready for ``kata verify`` (``--kind tests``: a tests kata)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from graders.manifest import APP_KIND, KINDS, TESTS_KIND, VERSIONS_DIR, Manifest, file_sha256

NAME = re.compile(r"^(\d{2})_[a-z][a-z0-9_]*$")

STUB = '''"""Kata {id} · {title}.

The task is in README.md next to this file. Grade it with:  pytest katas/{id}
"""

from fastapi import FastAPI

app = FastAPI()

# TODO: GET /hello answers {{"message": "hello"}}.
'''

SOLUTION = '''"""Kata {id} reference solution."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    # Key idea: replace this with the idea the kata teaches.
    return {{"message": "hello"}}
'''

TESTS = '''"""Kata {id} · {title}."""

import pytest


@pytest.mark.rule(1)
def test_hello_answers(client):
    """GET /hello answers 200 with {{"message": "hello"}}."""
    response = client.get("/hello")
    assert response.status_code == 200, f"GET /hello → expected 200, got {{response.status_code}}: {{response.text}}"
    assert response.json() == {{"message": "hello"}}, f"GET /hello → expected {{{{'message': 'hello'}}}}, got {{response.text}}"
'''

README = '''# {number} · {title}

Why this matters, in one paragraph.

## The interview question

> {question}

## Your task

1. `GET /hello` answers `200` with `{{"message": "hello"}}`.

## Grade it

```
pytest katas/{id}
```

## What to read

- FastAPI tutorial: https://fastapi.tiangolo.com/tutorial/

## Once it is done

`kata solution {number}` shows the reference solution and the answer in depth.
'''

ANSWER = '''# {id}: the answer in depth

The answer an interviewer hopes for.

### Follow-up questions

- *A follow-up?* Its short answer.
'''

ENTRY = '''
[[kata]]
id = "{id}"
dir = "{id}"
title = {title_toml}
question = {question_toml}
stub_sha256 = "{sha}"
tests_sha256 = "{tests_sha}"
hints = [
    "A gentle nudge.",
    "Where to look.",
    "Nearly the answer.",
]
'''


# -- a tests kata: the learner writes tests for a given app (docs/AUTHORING.md) ----------------

TESTS_APP = '''"""Kata {id} · the app the learner's tests check. The learner reads it and leaves it as it is."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {{"message": "hello"}}
'''

TESTS_WORKING = '''"""Kata {id} · the same app written another way; each broken version is this file with one change."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello():
    return dict(message="hello")
'''

TESTS_BUGS = """# Kata {id} · the broken versions: versions/working.py with one change each (docs/AUTHORING.md).
format_version = 1

[[bug]]
id = "wrong_message"
old = '''dict(message="hello")'''
new = '''dict(message="hullo")'''
"""

TESTS_STUB = '''"""Kata {id} · your tests for service.py. The task is in README.md next to this file.

Grade them with:  pytest katas/{id}
"""

from fastapi.testclient import TestClient

from service import app


def test_hello():
    response = TestClient(app).get("/hello")
    # TODO: check the answer.
'''

TESTS_SOLUTION = '''"""Kata {id} reference solution: a test module."""

from fastapi.testclient import TestClient

from service import app


def test_hello():
    # Key idea: replace this with the idea the kata teaches.
    response = TestClient(app).get("/hello")
    assert response.status_code == 200
    assert response.json() == {{"message": "hello"}}
'''

TESTS_TESTS = '''"""Kata {id} · {title}: the learner's tests, graded by the broken versions they catch."""

import pytest

pytestmark = pytest.mark.kata_timeout(120)  # the first test runs the learner's tests against every version


@pytest.mark.rule(1)
def test_catches_a_wrong_answer(learner_tests):
    """Catches a route that answers the wrong thing"""
    learner_tests.assert_caught("wrong_message")
'''

TESTS_README = """# {number} · {title}

Why this matters, in one paragraph. The app in `service.py` works; write the tests that would
catch it breaking.

## The interview question

> {question}

## Your task

Write `katas/{id}/test_service.py`, tests that pin down what the app does:

1. `GET /hello` answers `200` with `{{"message": "hello"}}`.

Your tests must pass against `service.py` as it is, and fail against each broken copy of it.

## Grade it

```
pytest katas/{id}
```

## What to read

- FastAPI, Testing: https://fastapi.tiangolo.com/tutorial/testing/

## Once it is done

`kata solution {number}` shows the reference tests and the answer in depth.
"""

TESTS_ENTRY = '''
[[kata]]
id = "{id}"
dir = "{id}"
kind = "tests"
app = "service.py"
learner_files = ["test_service.py"]
title = {title_toml}
question = {question_toml}
stub_sha256 = "{sha}"
tests_sha256 = "{tests_sha}"
hints = [
    "A gentle nudge.",
    "Where to look.",
    "Nearly the answer.",
]
'''


class ScaffoldError(Exception):
    """The name is not usable; the message says why."""


def scaffold(manifest: Manifest, name: str, title: str, question: str, kind: str = APP_KIND) -> list[Path]:
    """Write stub, tests, README, solution and the manifest entry; return the files written.

    ``kind = "tests"``: a tests kata, whose learner writes tests for a given app (service.py),
    with the app written another way and one broken version in versions/.
    """
    match = NAME.match(name)
    if not match:
        raise ScaffoldError(f"{name!r} is not a kata name like 11_websockets (two digits, underscore, lowercase topic)")
    if kind not in KINDS:
        raise ScaffoldError(f"{kind!r} is not a kind of kata: choose {' or '.join(KINDS)}")
    if manifest.find(name) or any(k.number == match.group(1) for k in manifest.katas):
        raise ScaffoldError(f"kata number {match.group(1)} is taken; `kata list` shows the numbers in use")
    folder = manifest.katas_dir / name
    solutions = manifest.project_root / "solutions" / name
    if folder.exists() or solutions.exists():
        raise ScaffoldError(f"{folder} or {solutions} already exists")
    values = {"id": name, "number": match.group(1), "title": title, "question": question}
    folder.mkdir(parents=True)
    solutions.mkdir(parents=True)
    if kind == TESTS_KIND:
        (folder / VERSIONS_DIR).mkdir()
        stub, entry_template = folder / "test_service.py", TESTS_ENTRY
        written = {
            folder / "service.py": TESTS_APP.format(**values),
            stub: TESTS_STUB.format(**values),
            folder / VERSIONS_DIR / "working.py": TESTS_WORKING.format(**values),
            folder / VERSIONS_DIR / "bugs.toml": TESTS_BUGS.format(**values),
            folder / "test_kata.py": TESTS_TESTS.format(**values),
            folder / "README.md": TESTS_README.format(**values),
            solutions / "solution.py": TESTS_SOLUTION.format(**values),
            solutions / "answer.md": ANSWER.format(**values),
        }
    else:
        stub, entry_template = folder / "stub.py", ENTRY
        written = {
            stub: STUB.format(**values),
            folder / "test_kata.py": TESTS.format(**values),
            folder / "README.md": README.format(**values),
            solutions / "solution.py": SOLUTION.format(**values),
            solutions / "answer.md": ANSWER.format(**values),
        }
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    entry = entry_template.format(
        id=name, title_toml=json.dumps(title), question_toml=json.dumps(question), sha=file_sha256(stub),
        tests_sha=file_sha256(folder / "test_kata.py"),
    )
    with manifest.path.open("a", encoding="utf-8") as stream:
        stream.write(entry)
    return [*written, manifest.path]
