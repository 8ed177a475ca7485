"""Hand-written wrong apps: ``tools/mutants/NN_topic.toml``, one README rule broken each.

Generated mutants cannot know that a learner might trust every proxy or put the
stored hash in the token; an author can. Each entry finds one exact piece of text in
a reference file and replaces it, and names the rule it breaks, so ``mutate.py`` can
also check that the test which catches it is one that names that rule. ``[[equivalent]]``
entries explain generated mutants that survive because no client could tell.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

MUTANTS = Path(__file__).resolve().parent / "mutants"


class AuthoredMutantError(ValueError):
    """A mutants file that cannot be applied as written."""


@dataclass(frozen=True)
class Authored:
    rule: str
    what: str
    file: str
    source: str
    suite: bool


@dataclass(frozen=True)
class Equivalent:
    what: str
    why: str


def mutants_file(kata_dir: str) -> Path:
    return MUTANTS / f"{kata_dir}.toml"


def authored_mutants(kata_dir: str, solution_folder: Path) -> list[Authored]:
    """Every hand-written mutant of a kata, applied to its reference files."""
    path = mutants_file(kata_dir)
    if not path.is_file():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("mutant", [])
    made = []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name} mutant {number}"
        missing = {"rule", "what", "find", "replace"} - set(entry)
        if missing:
            raise AuthoredMutantError(f"{where}: missing {', '.join(sorted(missing))}")
        file = str(entry.get("file", "solution.py"))
        target = solution_folder / file
        if not target.is_file():
            raise AuthoredMutantError(f"{where}: no file {file} in {solution_folder}")
        text = target.read_text(encoding="utf-8")
        count = text.count(entry["find"])
        if count != 1:
            raise AuthoredMutantError(f"{where} ({entry['what']}): `find` occurs {count} times in {file}, not once")
        source = text.replace(entry["find"], entry["replace"])
        if file.endswith(".py"):
            try:
                compile(source, f"{where}", "exec")
            except SyntaxError as exc:
                raise AuthoredMutantError(f"{where} ({entry['what']}): does not compile: {exc}") from exc
        made.append(Authored(str(entry["rule"]), str(entry["what"]), file, source, bool(entry.get("suite", False))))
    return made


def equivalents(kata_dir: str) -> list[Equivalent]:
    """Generated mutants the author judged harmless, with why."""
    path = mutants_file(kata_dir)
    if not path.is_file():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    return [Equivalent(str(e.get("what", "")), str(e.get("why", ""))) for e in entries]
