"""Make sure Gradescope gets a results.json it can read, whatever happened before.

Shipped in the autograder zip and run by ``run_autograder`` after the grader, with any
Python 3 (it imports nothing but the standard library and nothing of the grader, which
may be the thing that broke). The grader's results are kept when the grader finished and
they are a JSON object with a score; otherwise they are replaced by an error result worth
0 of the course's real maximum, that says why. Either way the output formats are set to
``text`` (the specification's default for the top-level ``output`` is ``simple_format``,
which renders HTML, and these strings carry the student's error messages).

    python3 -I gradescope_results.py RESULTS_JSON --status N --max-score M
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

FORMAT_KEYS = ("output_format", "test_output_format", "test_name_format")
TEXT = "text"
MAX_READ = 64 * 1024 * 1024
NOT_RUN = (
    "The autograder could not grade this submission, so this score is not a verdict on your code. "
    "Please tell your teacher: the autograder log says what went wrong."
)


def finish(path: str, status: int, max_score: float) -> dict:
    """The results to leave at ``path`` (also written there)."""
    found, why = _read(path)
    if status != 0:
        why = f"the grader stopped with exit status {status}"
    if found is not None and status == 0:
        results = found
    else:
        detail = _grader_output(found)
        results = fallback(max_score, why + (f": {detail}" if detail else ""))
    for key in FORMAT_KEYS:
        results.setdefault(key, TEXT)
    _write(path, results)
    return results


def fallback(max_score: float, why: str) -> dict:
    """An error result: 0 points out of the real maximum, and the reason for the teacher."""
    return {
        "score": 0,
        "output": NOT_RUN,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"status": "error", "reason": why},
        "tests": [
            {
                "name": "The autograder could not run",
                "number": "0",
                "score": 0,
                "max_score": max_score,
                "status": "failed",
                "output": NOT_RUN,
                "visibility": "visible",
            }
        ],
    }


def _read(path: str) -> tuple[dict | None, str]:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_READ + 1)
    except OSError:
        return None, "the grader wrote no results.json"
    if len(data) > MAX_READ:
        return None, "the grader's results.json is too large"
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "the grader's results.json is not valid JSON"
    if not isinstance(document, dict):
        return None, "the grader's results.json is not a JSON object"
    score = document.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None, "the grader's results.json has no numeric score"
    return document, ""


def _grader_output(found: dict | None) -> str:
    output = found.get("output") if found else None
    return output.strip()[:2000] if isinstance(output, str) else ""


def _write(path: str, results: dict) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(results, stream, indent=2, ensure_ascii=True)
        stream.write("\n")
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradescope_results.py", description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--status", type=int, default=0, help="The grader's exit status.")
    parser.add_argument("--max-score", type=float, required=True, help="The course's points, known at export.")
    args = parser.parse_args(argv)
    max_score = int(args.max_score) if args.max_score.is_integer() else args.max_score
    finish(args.path, args.status, max_score)
    return 0


if __name__ == "__main__":
    sys.exit(main())
