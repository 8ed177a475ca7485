"""Every kata in the manifest keeps its promises: stub fails everything, solutions pass everything.

Runs each kata's own tests in a fresh pytest process, as a learner would, with
``--no-grade-card`` so the project's own progress file is never touched.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from graders.manifest import Kata, load_manifest
from graders.commands.verify import grade_outcomes

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest(ROOT / "katas" / "katas.toml")
KATAS = list(MANIFEST.katas)
ALT_SOLUTIONS = ROOT / "tests" / "alt_solutions"
README_SECTIONS = ("## The interview question", "## Your task", "## Grade it", "## What to read", "## Once it is done")


def grade(kata: Kata, target: str) -> dict[str, str]:
    outcomes = grade_outcomes(kata, target, ROOT)
    assert outcomes, f"{kata.dir} collected no tests"
    return outcomes


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_untouched_stub_fails_every_behaviour(kata: Kata) -> None:
    outcomes = grade(kata, "stub")
    passing = [name for name, outcome in outcomes.items() if outcome not in {"failed", "error"}]
    assert not passing, f"{kata.dir}: the untouched stub does not fail these tests: {passing}"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_untouched_stub_imports_cleanly(kata: Kata) -> None:
    # A tests kata's stub is a test module: it imports the kata's app from its own folder.
    path = "sys.path.insert(0, str(Path(sys.argv[1]).parent));" if kata.kind == "tests" else ""
    completed = subprocess.run(
        [sys.executable, "-c", f"import sys; from pathlib import Path; {path} from graders.host.loader import import_graded_file;"
         " import_graded_file(Path(sys.argv[1]))", str(kata.stub)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, f"{kata.dir}: the stub does not import:\n{completed.stderr[-2000:]}"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_reference_solution_passes_every_behaviour(kata: Kata) -> None:
    outcomes = grade(kata, "solution")
    failing = {name: outcome for name, outcome in outcomes.items() if outcome != "passed"}
    assert not failing, f"{kata.dir}: the reference solution does not pass: {failing}"


def kata_dir_of(path: Path) -> str:
    """tests/alt_solutions/<kata>/[any folder/]solution.py belongs to <kata>."""
    return path.relative_to(ALT_SOLUTIONS).parts[0]


def is_alternative_solution(path: Path) -> bool:
    """A .py file under tests/alt_solutions/<kata>/, but not a companion learner file such as gunicorn.conf.py."""
    kata = MANIFEST.by_dir(kata_dir_of(path))
    return kata is None or path.name not in kata.learner_files or path.name == "stub.py"


ALTERNATIVES = sorted(p for p in ALT_SOLUTIONS.rglob("*.py") if is_alternative_solution(p))


@pytest.mark.parametrize("path", ALTERNATIVES, ids=[str(p.relative_to(ALT_SOLUTIONS)) for p in ALTERNATIVES])
def test_independently_written_solutions_pass_too(path: Path) -> None:
    kata = MANIFEST.by_dir(kata_dir_of(path))
    assert kata is not None, f"{path} is not filed under a kata's folder name"
    outcomes = grade(kata, str(path))
    failing = {name: outcome for name, outcome in outcomes.items() if outcome != "passed"}
    assert not failing, f"{path.relative_to(ROOT)} is a correct solution but fails: {failing}"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_kata_has_its_files_hints_and_readme_sections(kata: Kata) -> None:
    for path in (kata.stub, kata.tests, kata.readme, kata.solution):
        assert path.is_file(), f"{kata.dir}: {path.relative_to(ROOT)} is missing"
    assert len(kata.hints) == 3, f"{kata.dir}: expected three hints, gentle to explicit, got {len(kata.hints)}"
    readme = kata.readme.read_text(encoding="utf-8")
    missing = [section for section in README_SECTIONS if section not in readme]
    assert not missing, f"{kata.dir}/README.md lacks {missing}"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_the_answer_in_depth_waits_beside_the_solution(kata: Kata) -> None:
    readme = kata.readme.read_text(encoding="utf-8")
    assert "answer in depth" not in readme.split("## Once it is done")[0].lower(), f"{kata.dir}/README.md gives the answer away"
    answer = kata.answer.read_text(encoding="utf-8")
    assert "### Follow-up questions" in answer, f"{kata.answer.relative_to(ROOT)} lacks its follow-up questions"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_manifest_knows_the_pristine_stub(kata: Kata) -> None:
    actual = hashlib.sha256(kata.stub.read_bytes()).hexdigest()
    assert kata.stub_sha256 == actual, f"{kata.dir}: set stub_sha256 = \"{actual}\" in katas/katas.toml"


@pytest.mark.parametrize("kata", KATAS, ids=[k.dir for k in KATAS])
def test_manifest_knows_the_pristine_tests(kata: Kata) -> None:
    actual = hashlib.sha256(kata.tests.read_bytes()).hexdigest()
    assert kata.tests_sha256 == actual, f"{kata.dir}: set tests_sha256 = \"{actual}\" in katas/katas.toml"


def test_every_kata_folder_is_in_the_manifest() -> None:
    folders = {p.name for p in (ROOT / "katas").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders == {k.dir for k in KATAS}, "katas/ and katas/katas.toml list different katas"


def test_kata_numbers_follow_the_teaching_order() -> None:
    numbers = [int(k.number) for k in KATAS]
    assert numbers == list(range(1, len(KATAS) + 1))
