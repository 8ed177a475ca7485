"""Mutation check for kata authors: do a kata's tests notice bugs in its reference solution?

Three kinds of mutant, each changing one thing in the reference files
(``solution.py`` and the kata's other Python learner files, such as ``gunicorn.conf.py``):
- token: a status code or other number, a comparison, a boolean, a short string, a
  dict key or keyword argument dropped (``status_code=``, ``ge=``...), a decorator removed;
- semantic (``semantic_mutants.py``): routes reordered, a field loosened to ``Any``, a
  call forgotten (an exception handler, a commit), def ↔ async def, a raise or a check dropped;
- authored (``tools/mutants/NN_topic.toml``): hand-written wrong apps, one README rule broken
  each (trust every proxy, read a global instead of the injected dependency...), also for
  files that are not Python (a Dockerfile). For these the check also asks that a test
  naming the broken rule (``@pytest.mark.rule``) is among those that fail.

The kata's tests grade each mutant (``--kata-target``); it is killed when a test fails.
Survivors the author judged equivalent (no client could tell) are listed, with why, as
``[[equivalent]]`` in the kata's mutants file; the score is killed / (made − equivalent),
and the course promises at least 95 % per kata.

    .venv/bin/python tools/mutate.py 07_auth                  # every mutant of one kata
    .venv/bin/python tools/mutate.py --kind authored -j 2     # the hand-written ones, all katas
    .venv/bin/python tools/mutate.py 05 --survivors           # only last run's survivors
    .venv/bin/python tools/mutate.py --fail-under 95          # exit 1 below 95 % in any kata
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders.manifest import Kata, load_manifest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from authored_mutants import AuthoredMutantError, authored_mutants, equivalents  # noqa: E402
from semantic_mutants import apply, semantic_edits  # noqa: E402

SURVIVORS = ROOT / ".kata" / "mutate-survivors.json"

KINDS = ("token", "semantic", "authored")

FLIPPED = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    line: int
    what: str
    source: str
    file: str = "solution.py"
    kind: str = "token"
    rule: str = ""

    @property
    def label(self) -> str:
        """How the report (and an ``[[equivalent]]`` entry) names this mutant."""
        if self.kind == "authored":
            return f"authored (rule {self.rule}): {self.what}"
        where = "" if self.file == "solution.py" else f"{self.file} "
        return f"{where}line {self.line}: {self.what}"


def docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def semantic(source: str, file: str = "solution.py") -> Iterator[Mutant]:
    """Every semantic mutant of ``source`` that still compiles and changes the program."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    for what, line, edit in semantic_edits(tree):
        mutated = apply(tree, edit)
        if mutated is None:
            continue
        try:
            text = ast.unparse(mutated)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue
        if text != original:
            yield Mutant(line, what, text, file, "semantic")


def kata_mutants(kata: Kata, kinds: set[str]) -> list[Mutant]:
    """Every mutant of the kata's reference files, of the kinds asked for."""
    folder = kata.solution.parent
    python_files = ["solution.py"] + sorted(
        name for name in kata.learner_files if name.endswith(".py") and name != "stub.py" and (folder / name).is_file()
    )
    made: list[Mutant] = []
    for name in python_files:
        source = (folder / name).read_text(encoding="utf-8")
        learner_file = kata.path / ("stub.py" if name == "solution.py" else name)
        given = given_statements(learner_file.read_text(encoding="utf-8")) if learner_file.is_file() else set()
        generated = []
        if "token" in kinds:
            generated += [Mutant(m.line, m.what, m.source, name, "token") for m in mutants(source)]
        if "semantic" in kinds:
            generated += list(semantic(source, name))
        made += [m for m in generated if not changes_only_given_code(source, m.source, given)]
    if "authored" in kinds:
        made += [Mutant(0, a.what, a.source, a.file, "authored", a.rule) for a in authored_mutants(kata.dir, folder)]
    return made


def given_statements(stub: str) -> set[str]:
    """The stub's top-level statements: code the course hands the learner (data, a fake pool)."""
    try:
        return {ast.dump(statement) for statement in ast.parse(stub).body}
    except SyntaxError:
        return set()


def changes_only_given_code(original: str, mutated: str, given: set[str]) -> bool:
    """Does the mutant change nothing but statements the stub already holds? Bugs there are not the learner's."""
    before, after = ast.parse(original).body, ast.parse(mutated).body
    present = {ast.dump(statement) for statement in before}
    # An import the mutant needed (``from typing import Any`` for a field loosened to Any) is not a change of its own.
    after = [s for s in after if not (isinstance(s, ast.Import | ast.ImportFrom) and ast.dump(s) not in present)]
    if len(before) != len(after):
        return False
    changed = [old for old, new in zip(before, after, strict=True) if ast.dump(old) != ast.dump(new)]
    return bool(changed) and all(ast.dump(statement) in given for statement in changed)


def mutants(source: str) -> Iterator[Mutant]:
    """Every single-change mutant of ``source`` that still compiles."""
    tree = ast.parse(source)
    skip = docstring_nodes(tree)
    count = sum(1 for _ in ast.walk(tree))
    for index in range(count):
        for what, mutated in _mutate_nth(tree, index, skip):
            try:
                text = ast.unparse(mutated)
                compile(text, "<mutant>", "exec")
            except (SyntaxError, ValueError):
                continue
            yield Mutant(getattr(_nth(mutated, index), "lineno", 0), what, text)


def _nth(tree: ast.AST, index: int) -> ast.AST:
    for position, node in enumerate(ast.walk(tree)):
        if position == index:
            return node
    raise IndexError(index)


def _mutate_nth(tree: ast.AST, index: int, skip: set[int]) -> Iterator[tuple[str, ast.AST]]:
    original = _nth(tree, index)
    if id(original) in skip:
        return
    kinds = []
    if isinstance(original, ast.Constant):
        value = original.value
        if isinstance(value, bool):
            kinds.append(("flip", f"{value} → {not value}"))
        elif isinstance(value, int):
            kinds.append(("int", f"{value} → {value + 1}"))
        elif isinstance(value, float):
            kinds.append(("float", f"{value} → {value * 2 or 1.0}"))
        elif isinstance(value, str) and 0 < len(value) <= 40:
            kinds.append(("str", f"{value!r} → {value + 'x'!r}"))
    elif isinstance(original, ast.Compare) and len(original.ops) == 1 and type(original.ops[0]) in FLIPPED:
        kinds.append(("compare", f"{type(original.ops[0]).__name__} → {FLIPPED[type(original.ops[0])].__name__}"))
    elif isinstance(original, ast.Dict) and original.keys:
        for key_index, key in enumerate(original.keys):
            label = ast.unparse(key) if key is not None else "**"
            kinds.append((f"dict:{key_index}", f"drop key {label}"))
    elif isinstance(original, ast.Call) and original.keywords:
        for keyword_index, keyword in enumerate(original.keywords):
            kinds.append((f"kw:{keyword_index}", f"drop {keyword.arg or '**'}= in {ast.unparse(original.func)}(...)"))
    elif isinstance(original, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and original.decorator_list:
        for decorator_index, decorator in enumerate(original.decorator_list):
            kinds.append((f"deco:{decorator_index}", f"remove @{ast.unparse(decorator)[:50]}"))
    for kind, what in kinds:
        mutated = copy.deepcopy(tree)
        node = _nth(mutated, index)
        if kind == "flip":
            node.value = not node.value
        elif kind == "int":
            node.value = node.value + 1
        elif kind == "float":
            node.value = node.value * 2 or 1.0
        elif kind == "str":
            node.value = node.value + "x"
        elif kind == "compare":
            node.ops = [FLIPPED[type(node.ops[0])]()]
        elif kind.startswith("dict:"):
            position = int(kind.split(":")[1])
            del node.keys[position]
            del node.values[position]
        elif kind.startswith("kw:"):
            del node.keywords[int(kind.split(":")[1])]
        elif kind.startswith("deco:"):
            del node.decorator_list[int(kind.split(":")[1])]
        yield what, mutated


@dataclass(frozen=True)
class Outcome:
    killed: bool
    failed_rules: frozenset[str] = frozenset()


def grade(kata: Kata, mutant: Mutant) -> Outcome:
    """Grade the mutant in a folder beside copies of the solution's other files.

    Authored mutants run every test (no ``-x``), so the report says which rules failed.
    """
    with tempfile.TemporaryDirectory(prefix="kata-mutant-") as folder:
        for companion in kata.solution.parent.iterdir():
            if companion.is_file():
                shutil.copy(companion, folder)
        (Path(folder) / mutant.file).write_text(mutant.source, encoding="utf-8")
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pytest", str(kata.path), f"--kata-target={Path(folder) / 'solution.py'}",
                   "--no-grade-card", "-p", "no:cacheprovider", "-q", "--kata-timeout=20"]  # fmt: skip
        command += [f"--kata-report={report}"] if mutant.kind == "authored" else ["-x"]
        # Its own folder as cwd: a mutant that writes where it should not leaves nothing in the checkout.
        completed = subprocess.run(command, cwd=folder, capture_output=True, timeout=900)
        if completed.returncode == 0:
            return Outcome(False)
        rules: set[str] = set()
        if report.is_file():
            for entry in json.loads(report.read_text(encoding="utf-8")).get("katas", []):
                for behaviour in entry.get("behaviours", []):
                    if not behaviour.get("passed"):
                        rules.update(behaviour.get("rules", []))
        return Outcome(True, frozenset(rules))


def killed(kata: Kata, mutant: Mutant) -> bool:
    return grade(kata, mutant).killed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("katas", nargs="*", help="kata ids or numbers (default: all)")
    parser.add_argument("--sample", type=int, default=0, help="grade this many mutants per kata (fixed seed)")
    parser.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable; default: all)")
    parser.add_argument("--survivors", action="store_true", help="grade only the survivors of the last run")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when a kata kills less than this %%")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args()
    manifest = load_manifest(ROOT / "katas" / "katas.toml")
    katas = [manifest.find(name) for name in args.katas] if args.katas else list(manifest.katas)
    kinds = set(args.kind or KINDS)
    last = json.loads(SURVIVORS.read_text(encoding="utf-8")) if args.survivors and SURVIVORS.is_file() else {}
    survivors_now: dict[str, list[str]] = {}
    below = []
    total_killed = total = 0
    for kata in katas:
        if kata is None:
            parser.error("unknown kata")
        if kata.kind == "tests":  # its reference solution is a test module; its mutants are versions/bugs.toml
            print(f"{kata.id}: a tests kata; its broken versions (versions/bugs.toml) are its mutants")
            continue
        try:
            every = kata_mutants(kata, kinds)
        except AuthoredMutantError as exc:
            print(f"{kata.id}: {exc}")
            return 2
        if args.survivors:
            every = [m for m in every if m.label in set(last.get(kata.id, []))]
        chosen = random.Random(kata.id).sample(every, args.sample) if 0 < args.sample < len(every) else every
        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(lambda m: grade(kata, m), chosen))
        text, kata_score = report_kata(kata, chosen, outcomes, len(every))
        print(text)
        dead = sum(o.killed for o in outcomes)
        survivors_now[kata.id] = [m.label for m, o in zip(chosen, outcomes, strict=True) if not o.killed]
        total += len(chosen)
        total_killed += dead
        if chosen and 100 * kata_score < args.fail_under:
            below.append(kata.id)
    if total:
        print(f"all: {total_killed}/{total} killed ({total_killed / total:.1%})")
    if not args.survivors and not args.sample:
        SURVIVORS.parent.mkdir(exist_ok=True)
        saved = json.loads(SURVIVORS.read_text(encoding="utf-8")) if SURVIVORS.is_file() else {}
        SURVIVORS.write_text(json.dumps({**saved, **survivors_now}, indent=1), encoding="utf-8")
    if below:
        print(f"below {args.fail_under:g} %: {', '.join(below)}")
        return 1
    return 0


def score(killed: int, total: int, equivalent: int) -> float:
    """Killed among the mutants a test could kill: the usual mutation score."""
    killable = total - equivalent
    return killed / killable if killable else 1.0


def report_kata(kata: Kata, chosen: list[Mutant], outcomes: list[Outcome], made: int) -> tuple[str, float]:
    """One kata's score per kind, its survivors (with the author's reason when judged equivalent)
    and the authored mutants caught only by tests of other rules; with the kata's score."""
    dead = sum(o.killed for o in outcomes)
    rate = dead / len(chosen) if chosen else 1.0
    judged = {e.what: e.why for e in equivalents(kata.dir)}
    equivalent = sum(1 for m, o in zip(chosen, outcomes, strict=True) if not o.killed and m.label in judged)
    per_kind = []
    for kind in KINDS:
        of_kind = [o for m, o in zip(chosen, outcomes, strict=True) if m.kind == kind]
        if of_kind:
            per_kind.append(f"{kind} {sum(o.killed for o in of_kind)}/{len(of_kind)}")
    lines = [
        f"{kata.id}: {dead}/{len(chosen)} killed ({rate:.1%}) of {made} · {' · '.join(per_kind)}",
        f"  {equivalent} judged equivalent → score {score(dead, len(chosen), equivalent):.1%}",
    ]
    for mutant, outcome in zip(chosen, outcomes, strict=True):
        if not outcome.killed:
            why = judged.get(mutant.label)
            lines.append(f"  survived: {mutant.label}" + (f"\n    equivalent: {why}" if why else ""))
        elif mutant.kind == "authored" and mutant.rule not in outcome.failed_rules:
            failed = ", ".join(sorted(outcome.failed_rules, key=lambda r: (len(r), r))) or "none named"
            lines.append(f"  caught only by tests of other rules ({failed}): {mutant.label}")
    return "\n".join(lines), score(dead, len(chosen), equivalent)


if __name__ == "__main__":
    sys.exit(main())
