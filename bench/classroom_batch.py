"""Benchmark: ``kata grade-batch`` on 100 generated submissions of kata 01, with -j 1 and -j 2.

Run from the project root with the course's virtual environment:

    .venv/bin/python bench/classroom_batch.py            # 100 submissions, -j 1 and -j 2
    .venv/bin/python bench/classroom_batch.py --count 20 --jobs 2

The mix (out of 100): 40 solved, 30 half done, 15 broken (syntax or import error),
15 hostile (an endless loop at import, an endless loop in a handler, os._exit(0) at
import, an added conftest.py, a stub that patches pytest's reporting), three of each.
Per-test limit 2 s, per-kata deadline 30 s. Not part of CI: figures to read.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KATA = "01_first_app"
BIN = Path(sys.executable).parent

PATCH_REPORTING = """
import gc, pytest
from _pytest.config import Config

class PassEverything:
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        report.outcome = "passed"
        return report

for found in gc.get_objects():
    if isinstance(found, Config) and not found.pluginmanager.has_plugin("pass"):
        found.pluginmanager.register(PassEverything(), "pass")
"""


def variants() -> dict[str, tuple[str, int]]:
    """Each kind of submission: (stub text, how many of the 100)."""
    solution = (ROOT / "solutions" / KATA / "solution.py").read_text()
    stub = (ROOT / "katas" / KATA / "stub.py").read_text()
    half = solution.replace('title="Kata Shop"', 'title="Shop"').replace("in_stock: bool = True", "in_stock: bool")
    looping_handler = solution.replace('    return {"message": "Hello, FastAPI!"}', "    while True:\n        pass", 1)
    return {
        "solved": (solution, 40),
        "half": (half, 30),
        "syntax-error": (stub + "\ndef broken(:\n", 8),
        "import-error": ("import no_such_module_here\n" + stub, 7),
        "loop-at-import": ("while True:\n    pass\n", 3),
        "loop-in-handler": (looping_handler, 3),
        "os-exit": ("import os\nos._exit(0)\n", 3),
        "conftest-added": (stub, 3),
        "patched-reporting": (PATCH_REPORTING + solution.replace('"Hello, FastAPI!"', '"nope"'), 3),
    }


def generate(folder: Path, count: int) -> Counter[str]:
    kinds: list[str] = []
    for kind, (_, share) in variants().items():
        kinds += [kind] * share
    kinds = [kinds[int(i * len(kinds) / count) % len(kinds)] for i in range(count)]  # the same mix, scaled
    texts = variants()
    for index, kind in enumerate(kinds):
        student = folder / f"student-{index:03d}-{kind}" / "katas" / KATA
        shutil.copytree(ROOT / "katas" / KATA, student, ignore=shutil.ignore_patterns("__pycache__"))
        (student / "stub.py").write_text(texts[kind][0])
        if kind == "conftest-added":
            (student / "conftest.py").write_text("import pytest\n")
    return Counter(kinds)


def time_batches(
    count: int, jobs_list: list[int], sandbox: str = "auto"
) -> tuple[Counter[str], list[tuple[int, float, Counter[str]]]]:
    """Grade ``count`` generated submissions once per ``-j`` value: (mix, [(jobs, seconds, statuses)])."""
    work = Path(tempfile.mkdtemp(prefix="kata-bench-batch-"))
    timings = []
    try:
        mix = generate(work / "submissions", count)
        for jobs in jobs_list:
            book = work / f"gradebook-j{jobs}.csv"
            started = time.perf_counter()
            subprocess.run(
                [str(BIN / "kata"), "grade-batch", str(work / "submissions"), "-k", KATA, "-j", str(jobs),
                 "--test-timeout", "2", "--timeout", "30", "--no-progress", "--sandbox", sandbox,
                 "--csv", str(book), "--json", str(work / f"gradebook-j{jobs}.json")],
                check=True, cwd=work, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            statuses = Counter(row["status"] for row in csv.DictReader(book.open()))
            timings.append((jobs, elapsed, statuses))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return mix, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--sandbox", nargs="*", default=["auto"], help="one batch per sandbox, e.g. none bwrap")
    args = parser.parse_args()
    print(f"{args.count} submissions of {KATA} · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
    for sandbox in args.sandbox:
        mix, timings = time_batches(args.count, args.jobs, sandbox)
        print(f"  sandbox {sandbox} · mix: " + ", ".join(f"{n} {kind}" for kind, n in mix.items()))
        for jobs, elapsed, statuses in timings:
            print(f"    -j {jobs}: {elapsed:6.1f} s  ({elapsed / args.count:.2f} s per submission) · {dict(statuses)}")


if __name__ == "__main__":
    main()
