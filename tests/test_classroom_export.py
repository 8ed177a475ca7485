"""``kata classroom export`` and ``kata classroom gradescope``: what a teacher hands out."""

from __future__ import annotations

import stat
import tomllib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import yaml_subset
from classroom_support import make_course
from graders.classroom.export import ExportError, check_spec, export_starter, workflow
from graders.classroom.pristine import load_course
from graders.cli import app

runner = CliRunner()
SPEC = "fastapi-katas @ git+https://example.org/teacher/fastapi-katas@v1.0"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course"))


def exported(course_root: Path, tmp_path: Path, *extra: str) -> Path:
    folder = tmp_path / "starter"
    result = runner.invoke(app, ["classroom", "export", str(folder), "--grader-spec", SPEC, "--course", str(course_root), *extra])
    assert result.exit_code == 0, result.output
    return folder


def test_starter_has_stubs_tests_and_readmes_but_no_solutions(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/classroom.yml", ".gitignore", "README.md",
        "katas/01_demo/stub.py", "katas/01_demo/test_kata.py",
        "katas/02_web/stub.py", "katas/02_web/test_kata.py",
        "katas/katas.toml", "requirements.txt",
    ]  # fmt: skip
    assert (folder / "katas/katas.toml").read_bytes() == (course_root / "katas/katas.toml").read_bytes()
    assert (folder / "katas/01_demo/stub.py").read_bytes() == (course_root / "katas/01_demo/stub.py").read_bytes()
    assert not any("solution" in name for name in files)
    assert SPEC in (folder / "requirements.txt").read_text()
    assert ".kata/" in (folder / ".gitignore").read_text()


def test_workflow_installs_the_pinned_grader_grades_and_reports_to_classroom(course_root: Path, tmp_path: Path) -> None:
    text = (exported(course_root, tmp_path) / ".github/workflows/classroom.yml").read_text()
    document = yaml_subset.loads(text)
    assert document["name"] == "Autograding Tests"
    assert document["on"] == ["push", "repository_dispatch"]
    assert document["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = document["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest" and job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = {step["name"]: step for step in job["steps"]}
    assert list(steps)[0] == "Checkout code" and job["steps"][0]["uses"].startswith("actions/checkout@")
    install = steps["Install the grader (pinned by the teacher)"]
    assert install["run"] == f"python -m pip install --disable-pip-version-check '{SPEC}'\n"
    assert install["working-directory"] == "${{ runner.temp }}"  # never the student's checkout
    grade = steps["Grade the katas"]
    assert grade["run"].startswith("kata grade --format github --submission \"$GITHUB_WORKSPACE\"")
    reporter = job["steps"][-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"] == {"runners": grade["id"]}
    # The reporter reads each runner's result from <RUNNER ID UPPER-CASED>_RESULTS.
    assert reporter["env"] == {f"{grade['id'].upper()}_RESULTS": f"${{{{ steps.{grade['id']}.outputs.result }}}}"}


def test_workflow_parses_the_same_with_pyyaml_when_it_is_installed(course_root: Path, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    text = workflow(SPEC, ["01_demo"])
    assert yaml.safe_load(text) == yaml_subset.loads(text)


def test_a_subset_of_katas_gets_its_own_manifest_and_grade_command(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path, "--kata", "02")
    manifest = tomllib.loads((folder / "katas/katas.toml").read_text())
    assert [entry["id"] for entry in manifest["kata"]] == ["02_web"]
    assert not (folder / "katas/01_demo").exists()
    document = yaml_subset.loads((folder / ".github/workflows/classroom.yml").read_text())
    grade = next(s for s in document["jobs"]["run-autograding-tests"]["steps"] if s.get("id"))
    assert grade["run"].startswith("kata grade 02_web --format github")


def test_export_refuses_a_folder_that_is_not_empty(course_root: Path, tmp_path: Path) -> None:
    (tmp_path / "starter").mkdir()
    (tmp_path / "starter" / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["classroom", "export", str(tmp_path / "starter"), "--grader-spec", SPEC, "--course", str(course_root)])
    assert result.exit_code == 1 and "is not empty" in result.output


@pytest.mark.parametrize("spec", ["", "fastapi-katas", "a\nb"])
def test_grader_spec_must_be_one_pinned_requirement(spec: str) -> None:
    with pytest.raises(ExportError):
        check_spec(spec)


def test_grader_spec_with_shell_characters_is_quoted_in_the_workflow() -> None:
    spec = "fastapi-katas==1.0; python_version >= '3.11'"
    run = next(s for s in yaml_subset.loads(workflow(spec, []))["jobs"]["run-autograding-tests"]["steps"] if "pip install" in s.get("run", ""))
    assert run["run"].strip().endswith("""'fastapi-katas==1.0; python_version >= '"'"'3.11'"'"''""")


def test_gradescope_layout_has_both_scripts_executable_at_the_zip_root(course_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gradescope"
    result = runner.invoke(app, ["classroom", "gradescope", str(folder), "--grader-spec", "fastapi-katas==1.0", "--course", str(course_root), "-k", "01"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == ["run_autograder", "setup.sh"]
        for info in archive.infolist():
            assert (info.external_attr >> 16) & stat.S_IXUSR, info.filename
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert run.startswith("#!/usr/bin/env bash") and setup.startswith("#!/usr/bin/env bash")
    assert "kata grade 01_demo --format gradescope --submission /autograder/submission" in run
    assert "--out /autograder/results/results.json" in run and '"score": 0' in run  # always a results.json
    assert "pip install --disable-pip-version-check fastapi-katas==1.0" in setup
    assert (folder / "run_autograder").stat().st_mode & stat.S_IXUSR


def test_exported_starter_grades_clean_with_the_course_it_came_from(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(folder), "-o", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert '"integrity": []' in out.read_text() and '"score": 0' in out.read_text()


def test_export_api_lists_what_it_wrote(course_root: Path, tmp_path: Path) -> None:
    course = load_course(course_root)
    written = export_starter(course, tmp_path / "s", "fastapi-katas==1.0", course.select(None))
    assert all(path.is_file() for path in written) and len(written) == 9
