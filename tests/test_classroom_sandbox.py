"""The OS sandbox around a graded run: each class of escape a hostile student tried, under every protection.

Each attack runs at import time in the demo kata's stub and smuggles what it found out
through ``greet()``, whose return value the failure message shows: a secret that reaches
the result has escaped. Every case runs under each protection this machine offers, and
where the attack is known to work without one (``none``) that is checked too, so each
test is seen to be able to fail.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from classroom_support import by_kata, grade, make_course, make_submission, run_unstoppable, solved

from conftest import SOLUTION
from graders.classroom.isolation import (
    BWRAP,
    LANDLOCK,
    LANDLOCK_UID,
    NONE,
    UID,
    IsolationError,
    choose,
)
from graders.classroom.results import ERROR, FLAG_GRADER_CHANGED, PASS
from graders.classroom.sandbox import SandboxSettings

REPO = Path(__file__).resolve().parents[1]
SOLUTION_FILE = REPO / "solutions" / "01_first_app" / "solution.py"
PROTECTIONS = [BWRAP, LANDLOCK_UID, LANDLOCK, UID]
HIDING = [BWRAP, LANDLOCK_UID, LANDLOCK]  # a uid alone still reads world-readable files


# A grader other uids can read, as .ci/run installs it (the uid sandboxes cannot use a Python under /root).
FALLBACK_PYTHON = os.environ.get("KATA_FALLBACK_PYTHON", "/opt/kata-fallback/bin/python")


def python_for(mode: str) -> str:
    if mode in (LANDLOCK_UID, UID) and Path(FALLBACK_PYTHON).is_file():
        return FALLBACK_PYTHON
    return sys.executable


def available(mode: str) -> str:
    try:
        choose(mode, python_for(mode))
    except IsolationError as exc:
        return str(exc)
    return ""


def protection(mode: str) -> object:
    reason = available(mode)
    return pytest.param(mode, marks=pytest.mark.skipif(bool(reason), reason=reason or "available"), id=mode)


def settings(mode: str) -> SandboxSettings:
    return SandboxSettings(deadline=30, test_timeout=5, sandbox=mode, python=python_for(mode))


def attack(body: str) -> str:
    """A stub that runs ``body`` at import, then solves add() and returns LOOT from greet()."""
    return f"LOOT = []\n{body}\n\ndef add(a, b):\n    return a + b\n\ndef greet(name):\n    return repr(LOOT)\n"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def graded_demo(course_root: Path, tmp_path: Path, stub: str, mode: str):
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": stub})
    result = grade(course_root, submission, katas=["01_demo"], settings=settings(mode), jobs=1)
    return result.katas[0], json.dumps(result.to_json())


# -- the caller's environment, home and reference solutions ---------------------------

READ_EVERYTHING = """
import os
def read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("latin-1")
    except OSError:
        return ""
def pids():
    try:
        return os.listdir("/proc")
    except OSError:
        return []
for pid in pids():
    if pid.isdigit():
        LOOT.append(read(f"/proc/{pid}/environ"))
LOOT.append(read(f"/proc/{os.getppid()}/environ"))
for path in PATHS:
    LOOT.append(read(path))
LOOT[:] = [x[x.find("SECRET"):][:60] for x in LOOT if "SECRET" in x]
"""


def steal(paths: list[Path]) -> str:
    return attack(f"PATHS = {[str(p) for p in paths]!r}\n{READ_EVERYTHING}")


@pytest.mark.parametrize("mode", [protection(m) for m in HIDING])
def test_the_callers_environment_home_and_solutions_are_out_of_reach(
    course_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    home = tmp_path / "teacher-home"
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text("oauth_token: SECRET-gh-token-42\n")
    solution_copy = tmp_path / "course-checkout" / "solutions" / "solution.py"
    solution_copy.parent.mkdir(parents=True)
    solution_copy.write_text("# SECRET-reference-solution\n")
    stub = steal([home / ".config/gh/hosts.yml", solution_copy, SOLUTION_FILE])
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": stub})
    text = grade_in_a_child(course_root, submission, mode, {"GITHUB_TOKEN": "SECRET-github-token-42"})
    assert "SECRET-" not in text and SOLUTION_FILE.read_text()[:60] not in text
    result = json.loads(text)
    assert result["katas"][0]["behaviours"][0]["status"] == PASS, "the stub itself still imports and works"
    assert result["sandbox"] == mode


def test_without_a_sandbox_the_same_attack_reads_the_callers_environment(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": steal([])})
    text = grade_in_a_child(course_root, submission, NONE, {"GITHUB_TOKEN": "SECRET-github-token-42"})
    assert "SECRET-github-token-42" in text  # why the sandbox exists; `none` is named in the result


@pytest.mark.parametrize("mode", [protection(m) for m in HIDING])
def test_the_reference_solutions_of_the_teachers_checkout_are_out_of_reach(
    course_root: Path, tmp_path: Path, mode: str
) -> None:
    body = f"""
import os
for base in {[str(REPO), str(REPO / 'solutions')]!r}:
    try:
        LOOT.extend(os.listdir(base))
    except OSError:
        pass
try:
    LOOT.append(open({str(SOLUTION_FILE)!r}).read()[:80])
except OSError:
    pass
"""
    demo, text = graded_demo(course_root, tmp_path, attack(body), mode)
    assert SOLUTION_FILE.read_text()[:60] not in text
    if mode == BWRAP:  # Landlock lets the import system list a checkout's folders (names, not contents)
        assert "01_first_app" not in text


# -- writing outside the grading folder -----------------------------------------------

WRITE_OUTSIDE = """
import os, subprocess
def attempt(label, action):
    try:
        action()
        LOOT.append(label)
    except Exception as exc:
        pass
attempt("open", lambda: open(os.path.join(TARGET, "by-open"), "w").write("x"))
attempt("dir_fd", lambda: os.write(os.open("by-dir-fd", os.O_CREAT | os.O_WRONLY, dir_fd=os.open(TARGET, os.O_RDONLY)), b"x"))
def rebind_guard():
    import graders.classroom.guard as guard
    for name in ("ALLOWED", "ROOT"):
        setattr(guard, name, "/")
    open(os.path.join(TARGET, "after-rebinding"), "w").write("x")
attempt("guard", rebind_guard)
attempt("shell", lambda: subprocess.run(["sh", "-c", f"echo x > {TARGET}/by-shell"], check=True))
"""


def outside_target(tmp_path: Path) -> Path:
    target = tmp_path / "outside"
    target.mkdir()
    target.chmod(0o777)
    return target


@pytest.mark.parametrize("mode", [protection(m) for m in PROTECTIONS])
def test_nothing_outside_the_grading_folder_can_be_written(course_root: Path, tmp_path: Path, mode: str) -> None:
    target = outside_target(tmp_path)
    demo, _ = graded_demo(course_root, tmp_path, attack(f"TARGET = {str(target)!r}\n{WRITE_OUTSIDE}"), mode)
    assert sorted(p.name for p in target.iterdir()) == []
    assert demo.behaviours[0].status == PASS


def test_without_a_sandbox_the_learners_code_writes_outside(course_root: Path, tmp_path: Path) -> None:
    target = outside_target(tmp_path)
    graded_demo(course_root, tmp_path, attack(f"TARGET = {str(target)!r}\n{WRITE_OUTSIDE}"), NONE)
    written = sorted(p.name for p in target.iterdir())
    assert {"by-open", "by-dir-fd", "by-shell"} <= set(written)  # nothing stops the learner's process


# -- processes left behind ------------------------------------------------------------


def left_behind(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def detached_loop(marker: str, target: Path) -> str:
    loop = f"import time\\nwhile True:\\n    time.sleep(0.05)\\n    try:\\n        open({str(target)!r} + '/late', 'w').write('x')\\n    except OSError:\\n        pass\\n# {marker}"
    return f"""
import os, subprocess, sys
if os.fork() == 0:
    os.setsid()
    subprocess.Popen([sys.executable, "-c", "{loop}"], cwd="/", start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os._exit(0)
os.wait()
"""


@pytest.mark.parametrize("mode", [*(protection(m) for m in PROTECTIONS), NONE])
def test_a_process_started_in_a_new_session_elsewhere_ends_with_the_run(
    course_root: Path, tmp_path: Path, mode: str
) -> None:
    marker = f"kata-left-behind-{os.getpid()}-{mode}"
    target = outside_target(tmp_path)
    demo, _ = graded_demo(course_root, tmp_path, attack(detached_loop(marker, target)), mode)
    time.sleep(0.3)
    try:
        assert left_behind(marker) == []  # the run's subreaper ends it, even with no sandbox
        if mode != NONE:
            assert not (target / "late").exists()
    finally:
        for pid in left_behind(marker):
            os.kill(pid, signal.SIGKILL)


# -- what every later Python start reads ----------------------------------------------

GRADER_CACHE = REPO / "graders" / "__pycache__"


def plant(purelib: Path) -> str:
    return attack(f"""
import os
for path in ({str(purelib / 'zz_kata_planted.pth')!r}, {str(GRADER_CACHE / 'zz_kata_planted.cpython-311.pyc')!r}):
    try:
        folder = os.open(os.path.dirname(path), os.O_RDONLY)
        handle = os.open(os.path.basename(path), os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=folder)
        os.write(handle, b"/nonexistent-kata-planted\\n")
        LOOT.append(os.path.basename(path))
    except OSError:
        pass
""")


@pytest.fixture
def planted_paths():
    purelib = Path(sysconfig.get_paths()["purelib"])
    paths = [purelib / "zz_kata_planted.pth", GRADER_CACHE / "zz_kata_planted.cpython-311.pyc"]
    yield purelib, paths
    for path in paths:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("mode", [protection(m) for m in [BWRAP, LANDLOCK_UID, LANDLOCK]])
def test_no_pth_file_or_bytecode_can_be_planted(course_root: Path, tmp_path: Path, planted_paths, mode: str) -> None:
    purelib, paths = planted_paths
    demo, _ = graded_demo(course_root, tmp_path, plant(purelib), mode)
    assert [p for p in paths if p.exists()] == []
    assert demo.behaviours[0].status == PASS


def test_where_they_can_be_planted_the_self_check_catches_them(
    course_root: Path, tmp_path: Path, planted_paths
) -> None:
    purelib, paths = planted_paths
    demo, _ = graded_demo(course_root, tmp_path, plant(purelib), NONE)
    assert any(p.exists() for p in paths), "the control: with no sandbox the files are written"
    assert FLAG_GRADER_CHANGED in demo.flags and demo.status == ERROR and demo.score == 0


# -- stopping the grader ----------------------------------------------------------------

STOP_PARENT = """
import os, signal
try:
    listed = {int(p) for p in os.listdir("/proc") if p.isdigit()}
except OSError:
    listed = set()
for pid in {os.getppid(), os.getpgid(0)} | listed:
    if pid not in (os.getpid(), 1):
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
"""

GRADE_IN_A_CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from classroom_support import grade
from graders.classroom.sandbox import SandboxSettings
result = grade(Path({course!r}), Path({submission!r}), katas=["01_demo"],
               settings=SandboxSettings(deadline=30, test_timeout=5, sandbox={mode!r}, python={python!r}), jobs=1)
print(json.dumps(result.to_json()))
"""


def grade_in_a_child(course_root: Path, submission: Path, mode: str, env: dict[str, str] | None = None) -> str:
    """The result document of grading ``submission`` from a separate grader process (its own environment)."""
    script = GRADE_IN_A_CHILD.format(
        tests=str(REPO / "tests"), course=str(course_root), submission=str(submission), mode=mode,
        python=python_for(mode),
    )
    code, out, err = run_unstoppable([sys.executable, "-c", script], timeout=120, env={**os.environ, **(env or {})})
    assert code == 0, err.decode()[-2000:]
    return out.decode().strip().splitlines()[-1]


@pytest.mark.parametrize("mode", [protection(m) for m in PROTECTIONS])
def test_a_run_cannot_stop_the_grader(course_root: Path, tmp_path: Path, mode: str) -> None:
    submission = make_submission(course_root, tmp_path / "student", {"01_demo": attack(STOP_PARENT)})
    result = json.loads(grade_in_a_child(course_root, submission, mode))
    assert result["sandbox"] == mode
    # Under bwrap or a bare uid the run can stop its own wrapper, which shares its uid: its own
    # kata then runs into the deadline (an error), but the grader is never reached.
    assert result["katas"][0]["behaviours"][0]["status"] in ((PASS, ERROR) if mode in (BWRAP, UID) else (PASS,))


# -- symbolic links in a submission -------------------------------------------------------


def test_a_kata_folder_that_links_to_another_students_work_is_not_graded(course_root: Path, tmp_path: Path) -> None:
    other = make_submission(course_root, tmp_path / "other", solved(course_root))
    mine = make_submission(course_root, tmp_path / "mine")
    import shutil

    shutil.rmtree(mine / "katas" / "01_demo")
    (mine / "katas" / "01_demo").symlink_to(other / "katas" / "01_demo")
    result = grade(course_root, mine, katas=["01_demo"], jobs=1)
    demo = by_kata(result)["01_demo"]
    assert demo.score == 0
    assert any("symbolic link" in note for note in demo.notes)
    assert SOLUTION.strip() in (other / "katas" / "01_demo" / "stub.py").read_text()


def test_a_katas_folder_that_links_outside_the_submission_is_not_walked(course_root: Path, tmp_path: Path) -> None:
    mine = make_submission(course_root, tmp_path / "mine")
    import shutil

    shutil.rmtree(mine / "katas")
    (mine / "katas").symlink_to("/usr")
    result = grade(course_root, mine, jobs=1)
    assert result.score == 0
    assert all(any("symbolic link" in note for note in kata.notes) for kata in result.katas)
