"""A class with a hostile student of every kind: honest students get the grades they get alone.

Thirteen submissions are graded in one ``kata grade-batch -j 2``, in a separate process (a
student that stops the grader would otherwise stop this test): two solved, one untouched,
and one for each kind of attack that once worked against the grader, on the machine and
on the parent's input. The gradebook must be written, list all of them, and give the three
honest students exactly the grades they get when graded alone.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from classroom_support import by_kata, grade, make_course, make_submission, run_unstoppable, solved

OTHERS_FOLDERS = """
import glob, os, subprocess, sys, time
loop = '''
import glob, time
for _ in range(400):
    for path in glob.glob("/tmp/kata-grade-*/katas/*/stub.py"):
        try:
            open(path, "w").write("def add(a, b):\\\\n    return 0\\\\ndef greet(n):\\\\n    return ''\\\\n")
        except OSError:
            pass
    for path in glob.glob(GRADEBOOK + "*"):
        try:
            open(path, "w").write("forged")
        except OSError:
            pass
    time.sleep(0.05)
'''.replace("GRADEBOOK", repr(GRADEBOOK))
if os.fork() == 0:
    os.setsid()
    subprocess.Popen([sys.executable, "-c", loop], cwd="/", start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os._exit(0)
os.wait()
"""

HOSTILE_STUBS = {
    "reads-environ": """
import os
LOOT = []
for pid in ("self", str(os.getppid())):
    try:
        LOOT.append(open(f"/proc/{pid}/environ", "rb").read().decode("latin-1")[:200])
    except OSError:
        pass
""",
    "writes-outside-by-dir-fd": """
import os
for target in ("/tmp", os.path.expanduser("~")):
    try:
        os.write(os.open("kata-pwned", os.O_CREAT | os.O_WRONLY, dir_fd=os.open(target, os.O_RDONLY)), b"x")
    except OSError:
        pass
""",
    "rebinds-the-guard": """
try:
    import graders.classroom.guard as guard
    guard.ALLOWED = ("/",)
    guard.ROOT = "/"
    open("/tmp/kata-pwned-guard", "w").write("x")
except Exception:
    pass
""",
    "detached-rewriter": OTHERS_FOLDERS,
    "plants-a-pth": """
import os, sysconfig
try:
    purelib = sysconfig.get_paths()["purelib"]
    os.write(os.open("zz_kata_batch.pth", os.O_CREAT | os.O_WRONLY, dir_fd=os.open(purelib, os.O_RDONLY)), b"/x\\n")
except OSError:
    pass
""",
    "stops-the-grader": """
import os, signal
for pid in {os.getppid(), os.getpgid(0)}:
    if pid not in (os.getpid(), 1):
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
""",
    "lone-surrogate": "",  # greet() answers one (below)
    "deep-json-on-every-fd": """
import os
for fd in range(3, 64):
    try:
        os.write(fd, b"[" * 200000)
    except OSError:
        pass
""",
}
SOLVED_FUNCTIONS = "\ndef add(a, b):\n    return a + b\n\ndef greet(name):\n    return f'Hello, {name}!'\n"
SURROGATE_GREET = "\ndef add(a, b):\n    return a + b\n\ndef greet(name):\n    return '\\ud800 hello'\n"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def build_class(course_root: Path, folder: Path, gradebook: Path) -> list[str]:
    """Three honest submissions and one per attack; returns the names of the honest ones."""
    make_submission(course_root, folder / "a-solved", solved(course_root))
    make_submission(course_root, folder / "b-solved", solved(course_root))
    make_submission(course_root, folder / "c-untouched")
    for name, body in HOSTILE_STUBS.items():
        prefix = f"GRADEBOOK = {str(gradebook)!r}\n" if "GRADEBOOK" in body else ""
        functions = SURROGATE_GREET if name == "lone-surrogate" else SOLVED_FUNCTIONS
        make_submission(course_root, folder / f"h-{name}", {"01_demo": prefix + body + functions})
    bad_name = make_submission(course_root, folder / "h-non-utf8-file-name")
    os.close(os.open(os.fsencode(bad_name / "katas" / "01_demo") + b"/\xff\xfe-notes.py", os.O_CREAT | os.O_WRONLY))
    nested = make_submission(course_root, folder / "h-deep-katas-toml", solved(course_root))
    (nested / "katas" / "katas.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    return ["a-solved", "b-solved", "c-untouched"]


def test_a_hostile_class_leaves_honest_grades_and_the_gradebook_intact(course_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    book = tmp_path / "book"
    honest = build_class(course_root, folder, book)
    class_size = 3 + len(HOSTILE_STUBS) + 2
    assert len(list(folder.iterdir())) == class_size
    kata = Path(sys.executable).parent / "kata"
    command = [str(kata), "grade-batch", str(folder), "--course", str(course_root), "-j", "2", "--timeout", "20",
               "--test-timeout", "3", "--csv", f"{book}.csv", "--json", f"{book}.json", "--no-progress"]  # fmt: skip
    code, output, errors = run_unstoppable(command, timeout=400)
    assert code == 0, (output + errors).decode(errors="replace")[-3000:]
    rows = {row["student"]: row for row in csv.DictReader(Path(f"{book}.csv").open(encoding="utf-8"))}
    document = json.loads(Path(f"{book}.json").read_text(encoding="utf-8"))
    assert len(rows) == class_size and len(document["students"]) == class_size
    for name in honest:
        alone = by_kata(grade(course_root, folder / name, jobs=1))
        in_class = next(s for s in document["students"] if s["student"] == name)
        got = {k["kata"]: (k["score"], k["status"]) for k in in_class["katas"]}
        assert got == {k: (g.score, g.status) for k, g in alone.items()}, name
    assert rows["a-solved"]["total"] == rows["a-solved"]["max_total"]
    assert rows["c-untouched"]["total"] == "0"
    assert not Path("/tmp/kata-pwned-guard").exists()
    assert "forged" not in Path(f"{book}.csv").read_text(encoding="utf-8")


def test_without_a_sandbox_the_same_class_is_still_graded_and_written(course_root: Path, tmp_path: Path) -> None:
    """Grades of the attacked may differ here (documented); a gradebook is written all the same."""
    folder = tmp_path / "class"
    book = tmp_path / "book"
    build_class(course_root, folder, book)
    for name in ("h-stops-the-grader", "h-detached-rewriter", "h-plants-a-pth", "h-writes-outside-by-dir-fd"):
        import shutil

        shutil.rmtree(folder / name)  # these attack the machine, which `none` does not defend
    kata = Path(sys.executable).parent / "kata"
    done = subprocess.run(
        [str(kata), "grade-batch", str(folder), "--course", str(course_root), "-j", "2", "--timeout", "20",
         "--test-timeout", "3", "--csv", f"{book}.csv", "--json", f"{book}.json", "--no-progress", "--sandbox", "none"],
        capture_output=True, timeout=400,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-3000:]
    assert len(json.loads(Path(f"{book}.json").read_text(encoding="utf-8"))["students"]) == 3 + len(HOSTILE_STUBS) + 2 - 4


@pytest.fixture(autouse=True)
def _clean_up_planted_files():
    yield
    import sysconfig

    Path(sysconfig.get_paths()["purelib"], "zz_kata_batch.pth").unlink(missing_ok=True)
    Path("/tmp/kata-pwned-guard").unlink(missing_ok=True)
    Path("/tmp/kata-pwned").unlink(missing_ok=True)
