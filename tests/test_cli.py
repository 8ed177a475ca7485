"""The ``kata`` command, driven through Typer's CliRunner on a small course."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import HALF_DONE, SOLUTION, Course
from graders.commands.cli import app

runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Course:
    course = Course(tmp_path)
    course.kata("01_demo")
    course.kata("02_auth")
    for name in ("01_demo", "02_auth"):
        (tmp_path / "katas" / name / "README.md").write_text(f"# {name}\n\n## Your task\n\nDo the {name} thing.\n")
        (tmp_path / "solutions" / name / "answer.md").write_text(f"# {name}: the answer in depth\n\nSecret.\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KATA_COURSE", raising=False)
    monkeypatch.setattr("graders.commands.pristine.packaged_katas_dir", lambda: None)
    return course


def record(course: Course, kata: str, score: int, top: int) -> None:
    import hashlib

    stub = course.root / "katas" / kata / "stub.py"
    path = course.progress
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {"format_version": 1, "katas": {}, "hints_shown": {}}
    data["katas"][kata] = {
        "score": score, "max": top, "passed": [], "failed": [],
        "stub_sha256": hashlib.sha256(stub.read_bytes()).hexdigest(), "graded_at": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip
    path.write_text(json.dumps(data))


def test_version_is_shown() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "fastapi-katas" in result.output


def test_first_run_welcomes_then_shows_the_current_kata(demo: Course) -> None:
    first = runner.invoke(app, [])
    assert first.exit_code == 0, first.output
    assert "Welcome to fastapi-katas" in first.output and "Now: 01_demo" in first.output
    assert "Secret." not in first.output
    second = runner.invoke(app, [])
    assert "Welcome" not in second.output and "Now: 01_demo" in second.output


def test_status_screen_is_short_and_says_what_to_type(demo: Course) -> None:
    runner.invoke(app, [])
    result = runner.invoke(app, [])
    lines = result.output.rstrip().splitlines()
    assert len(lines) <= 14, result.output
    assert all(len(line) <= 80 for line in lines), result.output
    assert "What is 01_demo?" in result.output and "katas/01_demo/stub.py" in result.output
    assert "0/2 katas done" in result.output
    for command in ("kata run", "kata watch", "kata hint", "kata list"):
        assert command in result.output


def test_commands_are_spelled_as_this_shell_can_run_them(demo: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    import graders.shell

    graders.shell.on_path.cache_clear()
    monkeypatch.setenv("PATH", "/nowhere")
    try:
        result = runner.invoke(app, [])
    finally:
        graders.shell.on_path.cache_clear()
    scripts = graders.shell._scripts()
    if (scripts / "kata").exists():
        assert "bin/kata run" in result.output and ". .venv/bin/activate" in result.output, result.output


def test_help_is_for_learners(demo: Course) -> None:
    result = runner.invoke(app, ["--help"])
    listed = [line.split()[1] for line in result.output.splitlines() if line.startswith("│ ") and len(line.split()) > 2]
    for learner in ("run", "watch", "hint", "list", "go", "next", "reset", "solution", "progress", "show", "interview"):
        assert learner in listed, result.output
    for other in ("grade", "grade-batch", "classroom", "verify", "new"):
        assert other not in listed, result.output
    assert "Teachers and authors" in result.output


def test_current_kata_is_the_first_not_done(demo: Course) -> None:
    record(demo, "01_demo", 3, 3)
    result = runner.invoke(app, [])
    assert "Now: 02_auth" in result.output


def test_progress_shows_each_status_and_score(demo: Course) -> None:
    record(demo, "01_demo", 1, 3)
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0
    assert "01_demo" in result.output and "in progress" in result.output and "1/3" in result.output
    assert "not started" in result.output and "0/2 katas done" in result.output


def test_progress_notices_a_stub_changed_since_last_graded(demo: Course) -> None:
    record(demo, "01_demo", 1, 3)
    (demo.root / "katas/01_demo/stub.py").write_text(HALF_DONE + "\n# edited\n")
    result = runner.invoke(app, ["progress"])
    assert "changed since last graded" in result.output


def test_progress_reports_a_corrupt_file_in_one_line(demo: Course) -> None:
    demo.progress.parent.mkdir()
    demo.progress.write_text("{oops")
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0
    assert "corrupt" in result.output and "Traceback" not in result.output


def test_list_shows_the_interview_questions(demo: Course) -> None:
    result = runner.invoke(app, ["list"])
    assert "What is 02_auth?" in result.output


def test_list_keeps_every_kata_name_whole_at_80_columns(demo: Course) -> None:
    demo.kata("03_a_rather_long_kata_name_to_type")
    manifest = demo.root / "katas" / "katas.toml"
    manifest.write_text(manifest.read_text().replace("What is 02_auth?", "What is 02_auth? " + "And more words. " * 12))
    result = runner.invoke(app, ["list", "--no-choose"])
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines), result.output
    assert any(line.startswith("03_a_rather_long_kata_name_to_type ") for line in lines), result.output


def test_list_chooses_a_kata_to_go_to(demo: Course) -> None:
    result = runner.invoke(app, ["list", "--choose"], input="2\n")
    assert result.exit_code == 0, result.output
    assert "Now: 02_auth" in result.output
    assert "Now: 02_auth" in runner.invoke(app, []).output


def test_list_resets_a_kata_chosen_from_it(demo: Course) -> None:
    git_commit_all(demo.root)
    stub = demo.root / "katas/01_demo/stub.py"
    original = stub.read_text()
    stub.write_text("mine\n")
    result = runner.invoke(app, ["list", "--choose"], input="r 1\ny\n")
    assert result.exit_code == 0, result.output
    assert stub.read_text() == original


def test_show_prints_the_task_but_not_the_answer(demo: Course) -> None:
    result = runner.invoke(app, ["show", "2"])
    assert result.exit_code == 0 and "Do the 02_auth thing." in result.output and "Secret." not in result.output


def test_unknown_kata_suggests_the_closest_name(demo: Course) -> None:
    result = runner.invoke(app, ["show", "auht"])
    assert result.exit_code == 1
    assert "There is no kata 'auht'. Did you mean 02_auth?" in result.output


def test_a_long_hint_wraps_with_an_indent_and_keeps_code_whole(demo: Course) -> None:
    manifest = demo.root / "katas" / "katas.toml"
    code = "`oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)`"
    manifest.write_text(manifest.read_text().replace('"Second hint."', f'"Use {code}, ' + 'then more words. ' * 10 + '"', 1))
    result = runner.invoke(app, ["hint"])
    lines = result.output.splitlines()
    assert len(lines) > 1 and all(len(line) <= 80 for line in lines), result.output
    assert all(line.startswith("  ") for line in lines[1:]), result.output
    assert "`oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)`" in result.output


def test_hints_go_on_from_the_one_on_the_card_and_are_remembered(demo: Course) -> None:
    first = runner.invoke(app, ["hint"])
    assert "Hint 2/3: Second hint." in first.output, first.output
    assert "First hint" not in first.output, "hint 1 is already on every failing card"
    second = runner.invoke(app, ["hint"])
    assert "Hint 3/3" in second.output and "Second hint." not in second.output and "last hint" in second.output
    again = runner.invoke(app, ["hint"])
    assert "Hint 3/3" in again.output


def test_next_refuses_until_the_kata_is_done(demo: Course) -> None:
    result = runner.invoke(app, ["next"])
    assert result.exit_code == 1 and "01_demo is not done yet" in result.output
    record(demo, "01_demo", 3, 3)
    result = runner.invoke(app, ["next"])
    assert result.exit_code == 0 and "Now: 02_auth" in result.output


def test_go_moves_to_any_kata_and_back(demo: Course) -> None:
    assert "Now: 02_auth" in runner.invoke(app, ["next", "--skip"]).output
    assert "Now: 02_auth" in runner.invoke(app, []).output
    assert "Now: 01_demo" in runner.invoke(app, ["go", "1"]).output
    assert "Now: 01_demo" in runner.invoke(app, []).output


def test_a_done_kata_stays_current_until_the_learner_moves_on(demo: Course) -> None:
    runner.invoke(app, [])
    record(demo, "01_demo", 3, 3)
    result = runner.invoke(app, [])
    assert "Now: 01_demo" in result.output and "done" in result.output and "kata next" in result.output


def test_solving_a_kata_gone_back_to_then_next_agree(demo: Course) -> None:
    runner.invoke(app, ["next", "--skip"])  # on 02 now
    runner.invoke(app, ["go", "1"])
    record(demo, "01_demo", 3, 3)
    result = runner.invoke(app, ["next"])
    assert result.exit_code == 0 and "Now: 02_auth" in result.output, result.output


def test_run_grades_the_current_kata_and_records_progress(demo: Course) -> None:
    (demo.root / "katas/01_demo/stub.py").write_text(SOLUTION)
    completed = subprocess.run([sys.executable, "-m", "graders.commands.launcher", "run"], cwd=demo.root, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3/3 · done" in completed.stdout
    flowing = " ".join(completed.stdout.split())  # the card wraps where the path of `kata` makes it wrap
    assert "01_demo is solved" in flowing and "katas/01_demo/SOLUTION.md" in flowing
    assert "kata next` moves on to 02_auth" in flowing
    progress = json.loads(demo.progress.read_text())
    assert progress["katas"]["01_demo"]["score"] == 3 and progress["current"] == "01_demo"
    written = (demo.root / "katas/01_demo/SOLUTION.md").read_text()
    assert "def greet" in written and "Secret." in written


def test_a_kata_whose_tests_were_edited_is_not_done(demo: Course) -> None:
    import hashlib

    tests = demo.root / "katas/01_demo/test_kata.py"
    manifest = demo.root / "katas" / "katas.toml"
    digest = hashlib.sha256(tests.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text().replace('id = "01_demo"', f'id = "01_demo"\ntests_sha256 = "{digest}"', 1))
    tests.write_text("def test_nothing(kata_module):\n    pass\n")
    completed = subprocess.run([sys.executable, "-m", "pytest", "katas/01_demo", "-p", "no:cacheprovider"], cwd=demo.root, capture_output=True, text=True)
    assert "differs from the original: this grade does not count and is not recorded" in " ".join(
        completed.stdout.split()
    )
    assert "1/1 · tests changed" in completed.stdout, completed.stdout
    progress = demo.root / ".kata" / "progress.json"
    assert not progress.exists() or "01_demo" not in json.loads(progress.read_text()).get("katas", {})
    assert "not solved yet" in runner.invoke(app, ["solution", "1"]).output
    assert "01_demo is not done yet" in runner.invoke(app, ["next"]).output


def test_no_course_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KATA_COURSE", raising=False)
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 1 and "No course found here" in result.output


def test_progress_imports_neither_fastapi_nor_pytest(demo: Course) -> None:
    code = (
        "import sys; sys.argv = ['kata', 'progress']\n"
        "from graders.commands.launcher import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('fastapi', 'pytest', 'starlette', 'pydantic', 'typer') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=demo.root, capture_output=True, text=True)
    assert "HEAVY []" in completed.stdout, completed.stdout + completed.stderr


def git_commit_all(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "course"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_reset_restores_the_original_stub_and_keeps_a_backup(demo: Course) -> None:
    git_commit_all(demo.root)
    stub = demo.root / "katas/01_demo/stub.py"
    original = stub.read_text()
    stub.write_text("my precious work\n")
    git_commit_all(demo.root)  # even committed work is found behind
    result = runner.invoke(app, ["reset", "01", "--yes"])
    assert result.exit_code == 0, result.output
    assert stub.read_text() == original
    backups = list((demo.root / ".kata/backups").glob("01_demo-*-stub.py"))
    assert [b.read_text() for b in backups] == ["my precious work\n"]


def test_reset_asks_first_and_keeps_the_work_when_refused(demo: Course) -> None:
    git_commit_all(demo.root)
    stub = demo.root / "katas/01_demo/stub.py"
    stub.write_text("my precious work\n")
    result = runner.invoke(app, ["reset", "01"], input="n\n")
    assert result.exit_code == 1
    assert stub.read_text() == "my precious work\n"


def test_reset_outside_git_explains_why_it_cannot(demo: Course) -> None:
    result = runner.invoke(app, ["reset", "01", "--yes"])
    assert result.exit_code == 1 and "Cannot reset 01_demo" in result.output


def test_reset_without_git_uses_the_installed_copy(demo: Course, tmp_path_factory, monkeypatch) -> None:
    import shutil

    packaged = tmp_path_factory.mktemp("site-packages") / "katas"
    shutil.copytree(demo.root / "katas", packaged)
    monkeypatch.setattr("graders.commands.pristine.packaged_katas_dir", lambda: packaged)
    stub = demo.root / "katas/01_demo/stub.py"
    original = stub.read_text()
    stub.write_text("mine\n")
    result = runner.invoke(app, ["reset", "1", "--yes"])
    assert result.exit_code == 0, result.output
    assert stub.read_text() == original


def test_reset_restores_the_kata_s_other_files_and_forgets_its_grade(demo: Course) -> None:
    git_commit_all(demo.root)
    tests = demo.root / "katas/01_demo/test_kata.py"
    readme = demo.root / "katas/01_demo/README.md"
    originals = tests.read_text(), readme.read_text()
    tests.write_text("def test_nothing():\n    pass\n")
    readme.write_text("scribbles\n")
    record(demo, "01_demo", 1, 3)
    result = runner.invoke(app, ["reset", "1", "--yes"])
    assert result.exit_code == 0, result.output
    assert (tests.read_text(), readme.read_text()) == originals
    assert "01_demo" not in json.loads(demo.progress.read_text())["katas"]
    assert "last grade forgotten" in result.output


def test_solution_waits_until_the_kata_is_done(demo: Course) -> None:
    refused = runner.invoke(app, ["solution", "01"])
    assert refused.exit_code == 1 and "not solved yet" in refused.output
    record(demo, "01_demo", 3, 3)
    shown = runner.invoke(app, ["solution", "01"])
    assert shown.exit_code == 0 and "def greet" in shown.output and "Secret." in shown.output
    assert (demo.root / "katas/01_demo/SOLUTION.md").is_file(), "the solution is kept in a file"


def test_solution_stays_open_after_a_failing_experiment(demo: Course) -> None:
    from graders.progress import update_progress

    record(demo, "01_demo", 3, 3)
    update_progress(demo.root, lambda progress: None)  # what the plugin does after a grade
    record(demo, "01_demo", 1, 3)
    update_progress(demo.root, lambda progress: None)
    shown = runner.invoke(app, ["solution", "01"])
    assert shown.exit_code == 0 and "def greet" in shown.output


def test_solution_code_is_never_cut_at_80_columns(demo: Course) -> None:
    long_line = "    return " + " + ".join(f"'part{n}'" for n in range(20)) + "  # the end of the line"
    (demo.root / "solutions/01_demo/solution.py").write_text(f"def greet(name):\n{long_line}\n")
    record(demo, "01_demo", 3, 3)
    shown = runner.invoke(app, ["solution", "01"])
    assert all(len(line) <= 80 for line in shown.output.splitlines()), shown.output
    assert "'part19' # the end of the line" in " ".join(shown.output.split())


def test_teacher_flag_shows_the_solution_early(demo: Course) -> None:
    result = runner.invoke(app, ["solution", "01", "--teacher"])
    assert result.exit_code == 0 and "def greet" in result.output


def test_new_scaffolds_a_kata_that_verify_accepts(demo: Course) -> None:
    created = runner.invoke(app, ["new", "03_websockets", "--title", 'Talk "live"'])
    assert created.exit_code == 0, created.output
    for path in ("katas/03_websockets/stub.py", "katas/03_websockets/test_kata.py", "solutions/03_websockets/solution.py"):
        assert (demo.root / path).is_file()
    verified = runner.invoke(app, ["verify", "03"])
    assert verified.exit_code == 0, verified.output


def test_new_scaffolds_a_tests_kata_that_verify_accepts(demo: Course) -> None:
    created = runner.invoke(app, ["new", "03_testing", "--kind", "tests"])
    assert created.exit_code == 0, created.output
    for path in ("service.py", "test_service.py", "versions/working.py", "versions/bugs.toml", "test_kata.py"):
        assert (demo.root / "katas/03_testing" / path).is_file()
    assert 'kind = "tests"' in (demo.root / "katas/katas.toml").read_text()
    verified = runner.invoke(app, ["verify", "03"])
    assert verified.exit_code == 0, verified.output


def test_new_refuses_a_taken_number_or_a_bad_name(demo: Course) -> None:
    assert "is taken" in runner.invoke(app, ["new", "02_other"]).output
    assert "is not a kata name" in runner.invoke(app, ["new", "Web Sockets"]).output
    assert "is not a kind of kata" in runner.invoke(app, ["new", "04_other", "--kind", "exam"]).output


def test_verify_names_a_stub_that_passes(demo: Course) -> None:
    (demo.root / "katas/01_demo/stub.py").write_text(SOLUTION)
    result = runner.invoke(app, ["verify", "01"])
    assert result.exit_code == 1
    assert "the untouched stub passes: test_adds, test_greets" in result.output
    assert "stub_sha256 in katas.toml should be" in result.output


def test_reset_restores_every_learner_file_of_the_kata(demo: Course) -> None:
    manifest = demo.root / "katas" / "katas.toml"
    manifest.write_text(manifest.read_text().replace('id = "02_auth"', 'id = "02_auth"\nlearner_files = ["stub.py", "gunicorn.conf.py"]'))
    conf = demo.root / "katas/02_auth/gunicorn.conf.py"
    conf.write_text("workers = 1\n")
    git_commit_all(demo.root)
    conf.write_text("workers = 99\n")
    result = runner.invoke(app, ["reset", "02", "--yes"])
    assert result.exit_code == 0, result.output
    assert conf.read_text() == "workers = 1\n"
    backups = list((demo.root / ".kata/backups").glob("02_auth-*-gunicorn.conf.py"))
    assert [b.read_text() for b in backups] == ["workers = 99\n"]
    assert not list((demo.root / ".kata/backups").glob("02_auth-*-stub.py")), "an unchanged stub needs no backup"
