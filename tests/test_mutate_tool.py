"""tools/mutate.py makes the small bugs the course promises its tests catch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import mutate  # noqa: E402

SOURCE = '''"""A docstring that is never mutated."""
from fastapi import FastAPI

app = FastAPI()


@app.post("/items", status_code=201)
def create(limit: int = 10) -> dict:
    if limit > 5:
        return {"ok": True, "limit": limit}
    return {"ok": False}
'''


def test_every_kind_of_mutant_is_made_once_per_place() -> None:
    made = {m.what for m in mutate.mutants(SOURCE)}
    for expected in (
        "201 → 202",
        "10 → 11",
        "Gt → LtE",
        "True → False",
        "drop key 'limit'",
        "drop status_code= in app.post(...)",
        "remove @app.post('/items', status_code=201)",
        "'/items' → '/itemsx'",
    ):
        assert expected in made, f"missing mutant {expected!r}; made {sorted(made)}"
    docstring = '"""A docstring that is never mutated."""'
    assert all(m.source.startswith(docstring) for m in mutate.mutants(SOURCE))


def test_every_mutant_compiles_and_differs_from_the_original() -> None:
    original = mutate.ast.unparse(mutate.ast.parse(SOURCE))
    for mutant in mutate.mutants(SOURCE):
        compile(mutant.source, "<mutant>", "exec")
        assert mutant.source != original, mutant.what


LEARNER_APP = '''from fastapi import FastAPI, HTTPException, Depends
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


def get_db():
    return {}


@app.get("/users/me")
def me():
    return {"user": "me"}


@app.get("/users/{user_id}")
def user(user_id: int, db=Depends(get_db)):
    if user_id > 100:
        raise HTTPException(404)
    return {"user": user_id}


@app.get("/health")
def health():
    return {}


app.add_exception_handler(KeyError, lambda request, exc: None)
'''


def test_semantic_mutants_are_the_bugs_learners_write() -> None:
    made = {m.what for m in mutate.semantic(LEARNER_APP)}
    for expected in (
        "route order: user declared before me",
        "field Item.price: float → Any",
        "forgot app.add_exception_handler(...)",
        "def → async def user",
        "def → async def get_db",
        "never raises HTTPException(404)",
        "if user_id > 100 → if False",
    ):
        assert expected in made, f"missing {expected!r}; made {sorted(made)}"
    assert not any("health declared before" in what for what in made), "routes that cannot shadow each other swapped"
    for mutant in mutate.semantic(LEARNER_APP):
        compile(mutant.source, "<mutant>", "exec")
        assert mutant.kind == "semantic"
    loosened = next(m for m in mutate.semantic(LEARNER_APP) if m.what.startswith("field Item.price"))
    assert "from typing import Any" in loosened.source


def test_code_the_stub_already_holds_is_not_mutated() -> None:
    given = mutate.given_statements("def get_db():\n    return {}\n")
    for mutant in mutate.mutants(LEARNER_APP):
        if "get_db" in mutant.what or mutant.line == 14:
            assert mutate.changes_only_given_code(LEARNER_APP, mutant.source, given), mutant.what


def test_a_given_model_loosened_to_any_is_given_code_too() -> None:
    """The mutant adds ``from typing import Any``; the import does not make it the learner's bug."""
    given = mutate.given_statements(LEARNER_APP)
    loosened = [m for m in mutate.semantic(LEARNER_APP) if m.what.startswith("field ")]
    assert loosened and all(mutate.changes_only_given_code(LEARNER_APP, m.source, given) for m in loosened)
    assert not mutate.changes_only_given_code(LEARNER_APP, loosened[0].source, set()), "nothing given: the learner's"


def test_authored_mutants_must_find_their_text_exactly_once(tmp_path, monkeypatch) -> None:
    import authored_mutants

    solution = tmp_path / "solution"
    solution.mkdir()
    (solution / "solution.py").write_text("x = 1\ny = 1\n")
    monkeypatch.setattr(authored_mutants, "MUTANTS", tmp_path)
    entry = '[[mutant]]\nrule = 2\nwhat = "y off by one"\nfind = "y = 1"\nreplace = "y = 2"\n'
    (tmp_path / "99_demo.toml").write_text(entry)
    [made] = authored_mutants.authored_mutants("99_demo", solution)
    assert (made.rule, made.source) == ("2", "x = 1\ny = 2\n")
    (tmp_path / "99_demo.toml").write_text('[[mutant]]\nrule = 2\nwhat = "twice"\nfind = " = 1"\nreplace = " = 2"\n')
    with pytest.raises(authored_mutants.AuthoredMutantError, match="occurs 2 times"):
        authored_mutants.authored_mutants("99_demo", solution)


def test_score_leaves_out_the_mutants_judged_equivalent() -> None:
    assert mutate.score(18, 20, 1) == 18 / 19
    assert mutate.score(0, 2, 2) == 1.0
