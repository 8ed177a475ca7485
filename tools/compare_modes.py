"""Grade one file of a kata in learner mode and in classroom mode, and show where the verdicts differ.

    .venv/bin/python tools/compare_modes.py 07 solutions/07_auth/solution.py [--sandbox bwrap]

Learner mode is ``pytest katas/NN_topic --kata-target FILE``; classroom mode is ``kata grade``
with the file as the learner's stub, its code in the host process. Exit code 1 when they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders.commands.verify import classroom_outcomes, grade_outcomes
from graders.manifest import load_manifest

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kata")
    parser.add_argument("file", type=Path)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    kata = load_manifest(ROOT / "katas" / "katas.toml").find(args.kata)
    if kata is None:
        parser.error(f"no kata {args.kata!r}")
    learner = grade_outcomes(kata, str(args.file.resolve()), ROOT)
    classroom = classroom_outcomes(kata, args.file.resolve(), args.sandbox)
    differ = 0
    for name in sorted(set(learner) | set(classroom)):
        a, b = learner.get(name, "missing"), classroom.get(name, "missing")
        a = "failed" if a == "error" else a
        mark = "  " if a == b else "≠ "
        differ += a != b
        print(f"{mark}{name}: learner {a}, classroom {b}")
    print(f"{differ} of {len(set(learner) | set(classroom))} behaviours differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
