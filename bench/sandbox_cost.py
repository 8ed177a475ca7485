"""Benchmark: what the classroom sandbox costs per kata, the same solved submission graded with and without it.

Run from the project root with the course's virtual environment:

    .venv/bin/python bench/sandbox_cost.py                 # every kata, none vs the best sandbox, 5 runs
    .venv/bin/python bench/sandbox_cost.py --runs 3 --kata 01 --kata 07 --sandbox none bwrap landlock

Each figure is the median wall time of ``kata grade NN`` (a whole process: start-up, the
collection run, the graded run) on the reference solutions. Not part of CI: figures to read.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def solved_submission(folder: Path) -> Path:
    """The reference solutions laid out as a student's repository (``katas/NN_topic/stub.py``)."""
    for kata in sorted((ROOT / "solutions").iterdir()):
        if not kata.is_dir():
            continue
        target = folder / "katas" / kata.name
        shutil.copytree(kata, target)
        (target / "solution.py").rename(target / "stub.py")
    return folder


def timed(command: list[str], runs: int, cwd: Path = ROOT) -> float:
    """The median wall time of ``runs`` runs of ``command`` (its output discarded, its exit code ignored)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_time(kata: str, submission: Path, sandbox: str, runs: int) -> float:
    return timed([str(BIN / "kata"), "grade", kata, "-s", str(submission), "--sandbox", sandbox, "-q", "-o", os.devnull], runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kata", action="append", default=None)
    parser.add_argument("--sandbox", nargs="+", default=["none", "auto"])
    args = parser.parse_args()
    katas = args.kata or sorted(p.name[:2] for p in (ROOT / "katas").iterdir() if p.name[:2].isdigit())
    work = Path(tempfile.mkdtemp(prefix="kata-bench-sandbox-"))
    try:
        submission = solved_submission(work / "student")
        print(f"median of {args.runs} runs · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
        print("kata  " + "  ".join(f"{s:>12}" for s in args.sandbox) + "   ratio (last / first)")
        totals = [0.0] * len(args.sandbox)
        for kata in katas:
            row = [median_time(kata, submission, sandbox, args.runs) for sandbox in args.sandbox]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            print(f"{kata:<4}  " + "  ".join(f"{t:>10.2f} s" for t in row) + f"   {row[-1] / row[0]:.2f}")
        print("all   " + "  ".join(f"{t:>10.2f} s" for t in totals) + f"   {totals[-1] / totals[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
