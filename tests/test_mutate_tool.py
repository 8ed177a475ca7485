"""tools/mutate.py makes the small bugs the course promises its tests catch."""

from __future__ import annotations

import sys
from pathlib import Path

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
