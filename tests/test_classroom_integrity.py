"""What a submission may change, what is reported when it changes more, and the grader's own files."""

from __future__ import annotations

from pathlib import Path

import pytest

from classroom_support import FAST, by_kata, grade, make_course, make_submission, solved
from conftest import Course
from graders.classroom.grading import Grader
from graders.classroom.integrity import GraderFingerprint, _hash_tree, fingerprint_grader, load_submission
from graders.classroom.pristine import load_course
from graders.classroom.results import ERROR, FLAG_GRADER_CHANGED, PASS
from graders.manifest import ManifestError, load_manifest


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def findings(course_root: Path, submission: Path) -> tuple[list[str], list[str], list[str]]:
    course = load_course(course_root)
    report = load_submission(submission, course, course.select(None)).integrity
    return report.changed, report.added, report.missing


def test_an_untouched_copy_of_the_course_has_nothing_to_report(course_root: Path, tmp_path: Path) -> None:
    assert findings(course_root, make_submission(course_root, tmp_path / "s", solved(course_root))) == ([], [], [])


def test_changed_and_added_files_are_found_wherever_they_change_a_run(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "s")
    (submission / "katas/02_web/test_kata.py").write_text("def test_root():\n    pass\n")
    (submission / "katas/01_demo/helpers.py").write_text("x = 1\n")
    (submission / "katas/01_demo/notes.txt").write_text("my notes\n")  # not code: ignored
    (submission / "conftest.py").write_text("")
    (submission / "katas/pytest.ini").write_text("[pytest]\n")
    (submission / "sitecustomize.py").write_text("")
    (submission / "evil.pth").write_text("import os\n")
    (submission / "graders").mkdir()
    changed, added, missing = findings(course_root, submission)
    assert changed == ["katas/02_web/test_kata.py"] and missing == []
    assert sorted(added) == sorted([
        "katas/01_demo/helpers.py", "conftest.py", "sitecustomize.py", "evil.pth",
        "katas/pytest.ini", "graders/ (a copy of the grader)",
    ])  # fmt: skip


def test_manifest_is_compared_by_its_entries_not_its_bytes(course_root: Path, tmp_path: Path) -> None:
    submission = make_submission(course_root, tmp_path / "s")
    manifest = submission / "katas/katas.toml"
    manifest.write_text("# my comment\n" + manifest.read_text())
    assert findings(course_root, submission)[0] == []
    manifest.write_text(manifest.read_text().replace("First hint for 01_demo.", "A hint of my own."))
    assert findings(course_root, submission)[0] == ["katas/katas.toml"]


def test_a_removed_protected_file_is_noted_but_is_not_tampering(tmp_path: Path) -> None:
    course = Course(tmp_path / "course")
    folder = course.kata("01_demo")
    (folder / "data.json").write_text("{}")
    submission = make_submission(tmp_path / "course", tmp_path / "s")
    (submission / "katas/01_demo/data.json").unlink()
    loaded = load_course(tmp_path / "course")
    report = load_submission(submission, loaded, loaded.select(None)).integrity
    assert report.missing == ["katas/01_demo/data.json"] and not report.tampered
    assert report.missing_lines() == ["katas/01_demo/data.json was removed; the original was used."]


def test_learner_files_from_the_manifest_are_the_students_and_reach_the_run(tmp_path: Path) -> None:
    course = Course(tmp_path / "course")
    tests = (
        "from pathlib import Path\n\n"
        "def test_config(kata_file):\n"
        "    '''gunicorn.conf.py sets two workers.'''\n"
        "    text = (Path(kata_file).parent / 'gunicorn.conf.py').read_text()\n"
        "    assert 'workers = 2' in text, f'gunicorn.conf.py → expected workers = 2, got {text!r}'\n"
    )
    folder = course.kata("10_deploy", tests=tests)
    (folder / "gunicorn.conf.py").write_text("# TODO\n")
    manifest = tmp_path / "course/katas/katas.toml"
    manifest.write_text(manifest.read_text().replace('hints = [', 'learner_files = ["stub.py", "gunicorn.conf.py"]\nhints = [', 1))
    submission = make_submission(tmp_path / "course", tmp_path / "s")
    (submission / "katas/10_deploy/gunicorn.conf.py").write_text("workers = 2\n")
    loaded = load_course(tmp_path / "course")
    assert loaded.katas[0].learner_files == ("stub.py", "gunicorn.conf.py")
    result = grade(tmp_path / "course", submission)
    assert result.integrity_notes == [] and (result.score, result.status) == (1, PASS)


@pytest.mark.parametrize("value", ['["../stub.py"]', '["/etc/passwd"]', "[]", '"stub.py"'])
def test_learner_files_must_stay_inside_the_kata_folder(tmp_path: Path, value: str) -> None:
    Course(tmp_path).kata("01_demo")
    manifest = tmp_path / "katas/katas.toml"
    manifest.write_text(manifest.read_text().replace("hints = [", f"learner_files = {value}\nhints = [", 1))
    with pytest.raises(ManifestError, match="learner_files"):
        load_manifest(manifest)


def test_grader_fingerprint_notices_a_changed_added_or_removed_file(tmp_path: Path) -> None:
    (tmp_path / "plugin.py").write_text("A = 1\n")
    (tmp_path / "model.py").write_text("B = 1\n")
    fingerprint = GraderFingerprint(tmp_path, _hash_tree(tmp_path), [], editable=False)
    assert fingerprint.changed() == []
    (tmp_path / "plugin.py").write_text("A = 2\n")
    (tmp_path / "model.py").unlink()
    (tmp_path / "sneaky.py").write_text("")
    assert fingerprint.changed() == ["model.py", "plugin.py", "sneaky.py"]


def test_this_grader_is_an_intact_editable_install() -> None:
    fingerprint = fingerprint_grader()
    assert fingerprint.editable and fingerprint.problems == []
    assert "judge/plugin.py" in fingerprint.hashes and "classroom/sandbox.py" in fingerprint.hashes


class ChangesDuringTheRun(GraderFingerprint):
    """Intact before the first kata runs, changed after it."""

    calls = 0

    def changed(self) -> list[str]:
        self.calls += 1
        return [] if self.calls == 1 else ["plugin.py"]


def grade_with(fingerprint: GraderFingerprint, course_root: Path, tmp_path: Path) -> object:
    course = load_course(course_root)
    chosen = course.select(["01"])
    grader = Grader.prepare(course, chosen, FAST, fingerprint)
    submission = load_submission(make_submission(course_root, tmp_path / "s", solved(course_root)), course, chosen)
    return by_kata(grader.grade(submission))["01_demo"]


def test_a_grader_changed_during_a_run_gives_no_points(course_root: Path, tmp_path: Path) -> None:
    kata = grade_with(ChangesDuringTheRun(tmp_path, {}, [], editable=False), course_root, tmp_path)
    assert (kata.status, kata.score) == (ERROR, 0) and FLAG_GRADER_CHANGED in kata.flags
    assert kata.message == "the grader's own files changed while this kata was graded (plugin.py); no points were given"


def test_katas_after_the_grader_was_changed_are_not_graded(course_root: Path, tmp_path: Path) -> None:
    already = GraderFingerprint(tmp_path, {"plugin.py": "at start-up"}, [], editable=False)
    kata = grade_with(already, course_root, tmp_path)
    assert (kata.status, kata.score, kata.duration) == (ERROR, 0, 0.0) and FLAG_GRADER_CHANGED in kata.flags
    assert kata.message.startswith("not graded: the grader's own files were changed by an earlier grading run")


def test_in_the_teachers_checkout_a_changed_grader_is_only_flagged(course_root: Path, tmp_path: Path) -> None:
    kata = grade_with(ChangesDuringTheRun(tmp_path, {}, [], editable=True), course_root, tmp_path)
    assert (kata.status, kata.score) == (PASS, 3) and FLAG_GRADER_CHANGED in kata.flags
