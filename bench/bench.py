"""Benchmarks: what grading costs a learner, each figure the median of several runs.

Run from the project root with the course's virtual environment:

    .venv/bin/python bench/bench.py            # everything (under two minutes)
    .venv/bin/python bench/bench.py progress watch overhead

It works on a temporary copy of the course, so nobody's progress is touched.
Not part of CI: timings on a shared machine are figures to read, not to assert.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), samples


def course_copy() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    for name in ("katas", "solutions", "conftest.py", "pyproject.toml"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    return folder


def run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def bench_progress(course: Path, runs: int) -> list[tuple[str, str]]:
    median, _ = median_seconds(lambda: run([str(BIN / "kata"), "progress"], course), runs)
    return [("kata progress (target < 0.15 s)", f"{median:.3f} s")]


def bench_watch(course: Path, runs: int) -> list[tuple[str, str]]:
    """Save the stub, wait for the watcher's prompt after the new card: save-to-card latency."""
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen(
        [str(BIN / "kata"), "watch"], cwd=course, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    seen = ""

    def wait_prompts(count: int) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while seen.count("Watching ") < count:
            chunk = process.stdout.read() if process.stdout else None
            if chunk:
                seen += chunk.decode(errors="replace")
            elif time.monotonic() > deadline:
                raise RuntimeError("the watcher stopped answering:\n" + seen[-2000:])
            else:
                time.sleep(0.002)

    try:
        started = time.perf_counter()
        wait_prompts(1)
        first = time.perf_counter() - started
        stub = course / "katas" / "01_first_app" / "stub.py"
        original = stub.read_text()
        samples = []
        for index in range(runs):
            count = seen.count("Watching ") + 1
            started = time.perf_counter()
            stub.write_text(f"{original}\n# save {index}\n")
            wait_prompts(count)
            samples.append(time.perf_counter() - started)
            time.sleep(0.3)
        stub.write_text(original)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return [
        ("kata watch: start to first card", f"{first:.3f} s"),
        ("kata watch: save to card, median of %d (target ≤ 0.3 s)" % runs, f"{statistics.median(samples):.3f} s"),
    ]


def bench_overhead(course: Path, runs: int) -> list[tuple[str, str]]:
    """The whole course against the solutions, with and without the grade card and progress."""
    pytest = [str(BIN / "python"), "-m", "pytest", "katas", "--kata-target=solution", "-q", "-p", "no:cacheprovider"]
    with_card, on = median_seconds(lambda: run(pytest, course), runs)
    without_card, off = median_seconds(lambda: run([*pytest, "--no-grade-card"], course), runs)
    return [
        (f"pytest katas/ --kata-target=solution, median of {runs}", f"{with_card:.2f} s"),
        ("  the same with --no-grade-card", f"{without_card:.2f} s"),
        ("  ratio (target ≤ 1.05)", f"{with_card / without_card:.3f}"),
    ]


def import_seconds(command: list[str], cwd: Path) -> float:
    """Seconds spent importing top-level modules, from ``-X importtime``."""
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    total = 0
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):  # top level only
                total += int(cumulative)
    return total / 1e6


def bench_cold_kata(course: Path, runs: int, kata: str = "katas/07_auth") -> list[tuple[str, str]]:
    """One kata from a cold start, split into interpreter, imports, collection and tests."""
    python = str(BIN / "python")
    pytest = [python, "-m", "pytest", kata, "-q", "-p", "no:cacheprovider"]
    full, _ = median_seconds(lambda: run(pytest, course), runs)
    collect, _ = median_seconds(lambda: run([*pytest, "--collect-only"], course), runs)
    interpreter, _ = median_seconds(lambda: run([python, "-c", "pass"], course), runs)
    imports = statistics.median(
        import_seconds([python, "-X", "importtime", "-m", "pytest", kata, "-q", "-p", "no:cacheprovider", "--collect-only"], course)
        for _ in range(runs)
    )
    return [
        (f"pytest {kata}, cold, median of {runs}", f"{full:.3f} s"),
        ("  interpreter start", f"{interpreter:.3f} s"),
        ("  imports (-X importtime, top level)", f"{imports:.3f} s"),
        ("  collection (collect-only − interpreter − imports)", f"{max(collect - interpreter - imports, 0):.3f} s"),
        ("  running the tests (full − collect-only)", f"{max(full - collect, 0):.3f} s"),
    ]


def bench_batch(course: Path, runs: int) -> list[tuple[str, str]]:
    """``kata grade-batch`` on 20 generated submissions of kata 01 (the mix of bench/classroom_batch.py)."""
    from classroom_batch import time_batches  # bench/ is on sys.path when this file runs

    _, timings = time_batches(20, [1, 2])
    return [(f"kata grade-batch, 20 submissions of kata 01, -j {jobs}", f"{seconds:.1f} s") for jobs, seconds, _ in timings]


BENCHES = {
    "progress": bench_progress,
    "watch": bench_watch,
    "cold": bench_cold_kata,
    "overhead": bench_overhead,
    "batch": bench_batch,
}
RUNS = {"progress": 10, "watch": 10, "cold": 5, "overhead": 2, "batch": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", choices=[*BENCHES, []], help="which figures (default: all)")
    which = parser.parse_args().which or list(BENCHES)
    course = course_copy()
    rows: list[tuple[str, str]] = []
    try:
        for name in which:
            rows += BENCHES[name](course, RUNS[name])
    finally:
        shutil.rmtree(course, ignore_errors=True)
    width = max(len(label) for label, _ in rows)
    print(f"fastapi-katas benchmarks · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
