"""Mutation check for kata authors: do a kata's tests notice small bugs in its reference solution?

Each mutant changes one thing in ``solutions/NN_topic/solution.py``: a status code or
other number, a comparison, a boolean, a short string, a dict key dropped, a keyword
argument dropped (``status_code=``, ``ge=``, ``response_model=``...), or a decorator
removed. The kata's tests grade each mutant (``--kata-target``); a mutant is killed
when some test fails. The course promises that at least 90 % are killed.

    .venv/bin/python tools/mutate.py 07_auth            # every mutant of one kata
    .venv/bin/python tools/mutate.py --sample 40 -j 2   # 40 mutants of every kata

Survivors are printed with their line so an author can judge them: some are
equivalent (they change nothing a client can see) and need no test.
"""

from __future__ import annotations

import argparse
import ast
import copy
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

FLIPPED = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


@dataclass(frozen=True)
class Mutant:
    line: int
    what: str
    source: str


def docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


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


def killed(kata: Kata, mutant: Mutant) -> bool:
    """Grade the mutant in a folder beside copies of the solution's companion files."""
    with tempfile.TemporaryDirectory(prefix="kata-mutant-") as folder:
        for companion in kata.solution.parent.iterdir():
            if companion.is_file() and companion.name != "solution.py":
                shutil.copy(companion, folder)
        target = Path(folder) / "solution.py"
        target.write_text(mutant.source, encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", str(kata.path), f"--kata-target={target}", "--no-grade-card",
             "-p", "no:cacheprovider", "-q", "-x", "--kata-timeout=20"],
            cwd=ROOT, capture_output=True, timeout=600,
        )  # fmt: skip
        return completed.returncode != 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("katas", nargs="*", help="kata ids or numbers (default: all)")
    parser.add_argument("--sample", type=int, default=0, help="grade this many mutants per kata, chosen with a fixed seed")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args()
    manifest = load_manifest(ROOT / "katas" / "katas.toml")
    katas = [manifest.find(name) for name in args.katas] if args.katas else list(manifest.katas)
    total_killed = total = 0
    for kata in katas:
        assert kata is not None, "unknown kata"
        every = list(mutants(kata.solution.read_text(encoding="utf-8")))
        chosen = random.Random(kata.id).sample(every, args.sample) if 0 < args.sample < len(every) else every
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda m: killed(kata, m), chosen))
        survivors = [m for m, dead in zip(chosen, results, strict=True) if not dead]
        total += len(chosen)
        total_killed += len(chosen) - len(survivors)
        rate = (len(chosen) - len(survivors)) / len(chosen) if chosen else 1.0
        print(f"{kata.id}: {len(chosen) - len(survivors)}/{len(chosen)} mutants killed ({rate:.0%}) of {len(every)}")
        for mutant in survivors:
            print(f"  survived: line {mutant.line}: {mutant.what}")
    if total:
        print(f"all: {total_killed}/{total} killed ({total_killed / total:.0%})")


if __name__ == "__main__":
    main()
