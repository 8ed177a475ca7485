"""Benchmark: one kata's grading time in learner mode and in classroom mode, with and without the sandbox.

Run from the project root with the course's virtual environment:

    .venv/bin/python bench/modes.py                    # every kata, median of 3
    .venv/bin/python bench/modes.py --runs 5 --kata 07

For each kata, on the reference solutions laid out as a student's repository:
- learner: ``pytest katas/NN_topic --kata-target <the solution>`` (the test process imports it);
- classroom, none: ``kata grade NN --sandbox none`` (host and judge processes, no OS sandbox);
- classroom, sandboxed: ``kata grade NN`` with the strongest sandbox here (bwrap on Linux).
Each figure is the median wall time of whole commands. Not part of CI: figures to read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sandbox_cost import solved_submission, timed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kata", action="append", default=None)
    args = parser.parse_args()
    katas = args.kata or sorted(p.name[:2] for p in (ROOT / "katas").iterdir() if p.name[:2].isdigit())
    work = Path(tempfile.mkdtemp(prefix="kata-bench-modes-"))
    try:
        student = solved_submission(work / "student")
        print(f"median of {args.runs} runs · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
        print(f"{'kata':<6}{'learner':>10}{'classroom':>12}{'sandboxed':>12}   classroom/learner  sandboxed/classroom")
        totals = [0.0, 0.0, 0.0]
        for kata in katas:
            folder = next((student / "katas").glob(f"{kata}_*"))
            learner = timed(
                [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", f"katas/{folder.name}", "--no-grade-card",
                 f"--kata-target={folder / 'stub.py'}"], args.runs,
            )  # fmt: skip
            grade = [str(BIN / "kata"), "grade", kata, "-s", str(student), "-q", "-o", os.devnull]
            classroom = timed([*grade, "--sandbox", "none"], args.runs)
            sandboxed = timed([*grade, "--sandbox", "auto"], args.runs)
            totals = [a + b for a, b in zip(totals, (learner, classroom, sandboxed), strict=True)]
            print(
                f"{kata:<6}{learner:>9.2f}s{classroom:>11.2f}s{sandboxed:>11.2f}s"
                f"   {classroom / learner:>17.2f}  {sandboxed / classroom:>19.2f}"
            )
        learner, classroom, sandboxed = totals
        print(
            f"{'all':<6}{learner:>9.2f}s{classroom:>11.2f}s{sandboxed:>11.2f}s"
            f"   {classroom / learner:>17.2f}  {sandboxed / classroom:>19.2f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
