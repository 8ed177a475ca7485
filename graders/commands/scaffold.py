"""``kata new``: the files of a new kata, ready for ``kata verify``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from graders.manifest import Manifest, file_sha256

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


class ScaffoldError(Exception):
    """The name is not usable; the message says why."""


def scaffold(manifest: Manifest, name: str, title: str, question: str) -> list[Path]:
    """Write stub, tests, README, solution and the manifest entry; return the files written."""
    match = NAME.match(name)
    if not match:
        raise ScaffoldError(f"{name!r} is not a kata name like 11_websockets (two digits, underscore, lowercase topic)")
    if manifest.find(name) or any(k.number == match.group(1) for k in manifest.katas):
        raise ScaffoldError(f"kata number {match.group(1)} is taken; `kata list` shows the numbers in use")
    folder = manifest.katas_dir / name
    solutions = manifest.project_root / "solutions" / name
    if folder.exists() or solutions.exists():
        raise ScaffoldError(f"{folder} or {solutions} already exists")
    values = {"id": name, "number": match.group(1), "title": title, "question": question}
    folder.mkdir(parents=True)
    solutions.mkdir(parents=True)
    written = {
        folder / "stub.py": STUB.format(**values),
        folder / "test_kata.py": TESTS.format(**values),
        folder / "README.md": README.format(**values),
        solutions / "solution.py": SOLUTION.format(**values),
        solutions / "answer.md": ANSWER.format(**values),
    }
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    entry = ENTRY.format(
        id=name, title_toml=json.dumps(title), question_toml=json.dumps(question), sha=file_sha256(folder / "stub.py"),
        tests_sha=file_sha256(folder / "test_kata.py"),
    )
    with manifest.path.open("a", encoding="utf-8") as stream:
        stream.write(entry)
    return [*written, manifest.path]
