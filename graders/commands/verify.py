"""Author checks for the course: every stub fails every behaviour, every solution passes,
every README rule is checked by a test and every test names its rule.

Each kata is graded in its own pytest process, as a learner would run it,
with ``--no-grade-card`` so nobody's progress file is touched.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from graders.manifest import Kata, file_sha256
from graders.traceability import trace_files


@dataclass
class Verdict:
    """What ``kata verify`` found for one kata; ``problems`` empty means the kata keeps its promises."""

    kata: Kata
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def grade_outcomes(kata: Kata, target: str, cwd: Path) -> dict[str, str]:
    """Each test's outcome (passed / failed / error / skipped) when ``target`` is graded."""
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as folder:
        report = Path(folder) / "report.xml"
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", str(kata.path), f"--kata-target={target}", "--no-grade-card",
             "-p", "no:cacheprovider", "-q", f"--junitxml={report}"],
            cwd=cwd, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if not report.exists():
            tail = (completed.stdout + completed.stderr).strip().splitlines()[-5:]
            raise RuntimeError(f"pytest wrote no report for {kata.dir}: {' / '.join(tail)}")
        outcomes: dict[str, str] = {}
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            tags = {child.tag for child in case}
            outcome = "passed"
            for tag, name in (("skipped", "skipped"), ("failure", "failed"), ("error", "error")):
                if tag in tags:
                    outcome = name
            outcomes[case.get("name", "?")] = outcome
        return outcomes


def trace_kata(kata: Kata) -> Verdict:
    """Every README rule has a test and every test names its rule (read, not run)."""
    verdict = Verdict(kata)
    for path in (kata.tests, kata.readme):
        if not path.is_file():
            verdict.problems.append(f"{path.name} is missing ({path})")
    if not verdict.problems:
        try:
            verdict.problems += trace_files(kata.readme, kata.tests).problems
        except (SyntaxError, UnicodeDecodeError) as exc:
            verdict.problems.append(f"cannot read the rules: {exc}")
    return verdict


def verify_kata(kata: Kata, cwd: Path) -> Verdict:
    verdict = Verdict(kata)
    for path in (kata.stub, kata.tests, kata.readme, kata.solution):
        if not path.is_file():
            verdict.problems.append(f"{path.name} is missing ({path})")
    if verdict.problems:
        return verdict
    verdict.problems += trace_kata(kata).problems
    if kata.stub_sha256 != file_sha256(kata.stub):
        verdict.problems.append(f'stub_sha256 in katas.toml should be "{file_sha256(kata.stub)}"')
    if len(kata.hints) != 3:
        verdict.problems.append(f"expected three hints, found {len(kata.hints)}")
    try:
        stub = grade_outcomes(kata, "stub", cwd)
        solution = grade_outcomes(kata, "solution", cwd)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        verdict.problems.append(str(exc))
        return verdict
    if not stub:
        verdict.problems.append("its tests collected nothing")
    passing = sorted(name for name, outcome in stub.items() if outcome not in {"failed", "error"})
    if passing:
        verdict.problems.append(f"the untouched stub passes: {', '.join(passing)}")
    failing = sorted(name for name, outcome in solution.items() if outcome != "passed")
    if failing:
        verdict.problems.append(f"the solution fails: {', '.join(failing)}")
    return verdict


def classroom_outcomes(kata: Kata, target: Path, sandbox: str = "auto") -> dict[str, str]:
    """Each test's outcome (passed / failed) when ``kata grade`` grades ``target`` as the learner's file.

    ``target``'s folder supplies the kata's other learner files (gunicorn.conf.py, …) when it
    has them; the course's own copies are used otherwise.
    """
    import shutil

    from graders.classroom.expected import collect_expected
    from graders.classroom.grading import Grader
    from graders.classroom.integrity import fingerprint_grader, load_submission
    from graders.classroom.pristine import load_course
    from graders.classroom.sandbox import SandboxSettings

    course = load_course(kata.katas_dir.parent)
    chosen = course.select([kata.dir])
    settings = SandboxSettings(deadline=300, sandbox=sandbox)
    with tempfile.TemporaryDirectory(prefix="kata-modes-") as folder:
        submission = Path(folder) / "student"
        own = submission / "katas" / kata.dir
        own.mkdir(parents=True)
        for name in kata.learner_files:
            source = target if name == kata.stub.name else target.parent / name
            if not source.is_file():
                source = kata.path / name
            shutil.copyfile(source, own / name)
        grader = Grader(course, chosen, settings, fingerprint_grader(), collect_expected(course, chosen, settings))
        grade = grader.grade_one(load_submission(submission, course, chosen), chosen[0])
    return {b.nodeid.rpartition("::")[2]: "passed" if b.status == "pass" else "failed" for b in grade.behaviours}
