"""``kata classroom export`` and ``kata classroom gradescope``: what a teacher hands out."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from typer.testing import CliRunner

import yaml_subset
from classroom_support import make_course
from graders.classroom import gradescope_results
from graders.classroom.export import ExportError, check_spec, export_starter, workflow
from graders.classroom.pristine import load_course
from graders.commands.cli import app

runner = CliRunner()
SPEC = "fastapi-katas @ git+https://example.org/teacher/fastapi-katas@v1.0"
INDEX = "https://pypi.example.edu/simple"
COURSE_POINTS = 7  # classroom_support: 01_demo is worth 3, 02_web 4


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
    assert sorted(files) == sorted([
        ".github/workflows/classroom.yml", ".gitignore", "README.md",
        "katas/01_demo/stub.py", "katas/01_demo/test_kata.py",
        "katas/02_web/stub.py", "katas/02_web/test_kata.py",
        ".github/kata-constraints.txt",
        "katas/katas.toml", "requirements.txt",
    ])  # fmt: skip
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
    assert install["run"] == (
        'python -m venv "$RUNNER_TEMP/kata-grader"\n'
        '"$RUNNER_TEMP/kata-grader/bin/python" -m pip install --disable-pip-version-check \\\n'
        f'  -c "$GITHUB_WORKSPACE/.github/kata-constraints.txt" \'{SPEC}\'\n'
    )
    assert install["working-directory"] == "${{ runner.temp }}"  # never the student's checkout
    grade = steps["Grade the katas"]
    assert '"$RUNNER_TEMP/kata-grader/bin/kata" grade --format github' in grade["run"]
    assert '--submission "$GITHUB_WORKSPACE"' in grade["run"] and grade["working-directory"] == "${{ runner.temp }}"
    reporter = job["steps"][-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"] == {"runners": grade["id"]}
    # The reporter reads each runner's result from <RUNNER ID UPPER-CASED>_RESULTS.
    assert reporter["env"] == {f"{grade['id'].upper()}_RESULTS": f"${{{{ steps.{grade['id']}.outputs.result }}}}"}


def test_workflow_parses_the_same_with_pyyaml_when_it_is_installed(course_root: Path, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    text = workflow(f"{SPEC} --index-url {INDEX}", ["01_demo"], max_score=3)
    assert yaml.safe_load(text) == yaml_subset.loads(text)


def test_a_subset_of_katas_gets_its_own_manifest_and_grade_command(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path, "--kata", "02")
    manifest = tomllib.loads((folder / "katas/katas.toml").read_text())
    assert [entry["id"] for entry in manifest["kata"]] == ["02_web"]
    assert not (folder / "katas/01_demo").exists()
    document = yaml_subset.loads((folder / ".github/workflows/classroom.yml").read_text())
    grade = next(s for s in document["jobs"]["run-autograding-tests"]["steps"] if s.get("id"))
    assert "/kata-grader/bin/kata\" grade 02_web --format github" in grade["run"]
    assert _decoded(grade["env"]["KATA_NOT_GRADED"])["max_score"] == 4  # 02_web alone


def test_export_refuses_a_folder_that_is_not_empty(course_root: Path, tmp_path: Path) -> None:
    (tmp_path / "starter").mkdir()
    (tmp_path / "starter" / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["classroom", "export", str(tmp_path / "starter"), "--grader-spec", SPEC, "--course", str(course_root)])
    assert result.exit_code == 1 and "is not empty" in result.output


@pytest.mark.parametrize(
    "spec",
    [
        "", "fastapi-katas", "a\nb", "fastapi-katas>=1.0", "fastapi-katas==1.*",
        "fastapi-katas @ git+https://example.org/t/fastapi-katas",  # a git URL without a tag
        f"fastapi-katas --index-url {INDEX}",  # an index does not pin a version
        "fastapi-katas==1.0 --index-url https://teacher:s3cret@pypi.example.edu/simple",  # published to students
        "fastapi-katas==1.0 --index-url file:///srv/wheels",
        f"fastapi-katas==1.0 --trusted-host x --index-url {INDEX}",
        f"fastapi-katas==1.0 --index-url {INDEX} --index-url {INDEX}",
        "fastapi-katas==1.0 --index-url",
    ],
)  # fmt: skip
def test_grader_spec_must_be_one_pinned_requirement(spec: str) -> None:
    with pytest.raises(ExportError):
        check_spec(spec)


def test_grader_spec_with_shell_characters_is_quoted_in_the_workflow() -> None:
    spec = "fastapi-katas==1.0; python_version >= '3.11'"
    run = next(s for s in yaml_subset.loads(workflow(spec, [], max_score=1))["jobs"]["run-autograding-tests"]["steps"] if "pip install" in s.get("run", ""))
    assert run["run"].strip().endswith("""'fastapi-katas==1.0; python_version >= '"'"'3.11'"'"''""")


def test_gradescope_layout_has_both_scripts_executable_at_the_zip_root(course_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gradescope"
    result = runner.invoke(app, ["classroom", "gradescope", str(folder), "--grader-spec", "fastapi-katas==1.0", "--course", str(course_root), "-k", "01"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == ["constraints.txt", "gradescope_results.py", "run_autograder", "setup.sh"]
        for info in archive.infolist():
            executable = bool((info.external_attr >> 16) & stat.S_IXUSR)
            assert executable == (info.filename in ("run_autograder", "setup.sh")), info.filename
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
        assert archive.read("constraints.txt") == (folder / "constraints.txt").read_bytes()
    assert run.startswith("#!/usr/bin/env bash") and setup.startswith("#!/usr/bin/env bash")
    assert '"$grader/bin/kata" grade 01_demo --format gradescope' in run
    assert '--out "$results"' in run and 'results="$root/results/results.json"' in run
    assert '-c "$here/constraints.txt" fastapi-katas==1.0' in setup
    assert (folder / "run_autograder").stat().st_mode & stat.S_IXUSR
    readme = (folder / "README.md").read_text()
    assert "Ubuntu 22.04" in readme and "stub.py" in readme and "Points: 3" in readme


def test_exported_starter_grades_clean_with_the_course_it_came_from(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["grade", "--course", str(course_root), "-s", str(folder), "-o", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert '"integrity": []' in out.read_text() and '"score": 0' in out.read_text()


def test_export_api_lists_what_it_wrote(course_root: Path, tmp_path: Path) -> None:
    course = load_course(course_root)
    written = export_starter(course, tmp_path / "s", "fastapi-katas==1.0", course.select(None))
    assert all(path.is_file() for path in written) and len(written) == 10


# -- helpers ------------------------------------------------------------------------------


def _decoded(encoded: str) -> dict[str, Any]:
    return json.loads(base64.b64decode(encoded))


def _steps(folder: Path) -> dict[str, dict[str, Any]]:
    document = yaml_subset.loads((folder / ".github/workflows/classroom.yml").read_text())
    return {step["name"]: step for step in document["jobs"]["run-autograding-tests"]["steps"]}


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + text)
    path.chmod(0o755)
    return path


def _gradescope(course_root: Path, tmp_path: Path, *extra: str) -> Path:
    folder = tmp_path / "gradescope"
    result = runner.invoke(app, ["classroom", "gradescope", str(folder), "--course", str(course_root), *extra])
    assert result.exit_code == 0, result.output
    return folder


# -- GitHub Classroom: the workflow --------------------------------------------------------


def test_reporter_and_grading_run_even_when_an_earlier_step_failed(course_root: Path, tmp_path: Path) -> None:
    steps = _steps(exported(course_root, tmp_path))
    assert steps["Autograding Reporter"]["if"] == "${{ !cancelled() }}"
    assert steps["Grade the katas"]["if"] == "${{ !cancelled() }}"  # so a failed install still reports a result
    assert "if" not in steps["Install the grader (pinned by the teacher)"]


def test_could_not_start_result_carries_the_courses_real_max_score(course_root: Path, tmp_path: Path) -> None:
    grade = _steps(exported(course_root, tmp_path))["Grade the katas"]
    result = _decoded(grade["env"]["KATA_NOT_GRADED"])
    # The reporter notifies Classroom only when max_score > 0: a 0/0 would leave no grade at all.
    assert result["max_score"] == COURSE_POINTS and result["status"] == "error" and result["version"] == 1
    assert [test["score"] for test in result["tests"]] == [0]
    assert set(result["tests"][0]) == {"name", "status", "message", "test_code", "filename", "line_no", "duration", "score"}


def _run_grade_step(folder: Path, tmp_path: Path, fake_kata: str | None) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Run the workflow's grading step as the runner would (bash -e), with a stand-in grader."""
    grade = _steps(folder)["Grade the katas"]
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    if fake_kata is not None:
        _script(runner_temp / "kata-grader/bin/kata", fake_kata)
    output = tmp_path / "github-output"
    output.write_text("")
    env = {
        "PATH": os.environ["PATH"], "RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(folder),
        "GITHUB_OUTPUT": str(output), **grade["env"],
    }  # fmt: skip
    done = subprocess.run(["bash", "-e", "-c", grade["run"]], cwd=runner_temp, env=env, capture_output=True, text=True)
    return output.read_text(), done


def test_grade_step_sends_the_graders_result_when_it_ran(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path)
    real = base64.b64encode(b'{"version": 1, "status": "pass", "max_score": 7, "tests": []}').decode()
    fake = f"""
args=("$@"); out="${{args[-1]}}"
echo "result=forged" >> "$GITHUB_OUTPUT"   # the grader's own write goes to a file of its own
printf '%s\\n' {real} > "$out"
"""
    output, done = _run_grade_step(folder, tmp_path, fake)
    assert done.returncode == 0, done.stderr
    assert output == f"result={real}\n"


@pytest.mark.parametrize(
    "fake_kata",
    [
        None,  # the install step failed: no grader at all
        "exit 1",  # the grader could not start (it wrote its own error result, with no points to lose)
        'printf "result=x\\n" > "${@: -1}"; kill -9 $$',  # crashed after writing part of a result
        "exit 0",  # said it was done, wrote nothing
    ],
)  # fmt: skip
def test_grade_step_sends_the_real_max_score_when_the_grader_did_not_run(
    course_root: Path, tmp_path: Path, fake_kata: str | None
) -> None:
    folder = exported(course_root, tmp_path)
    output, done = _run_grade_step(folder, tmp_path, fake_kata)
    assert done.returncode == 0, done.stderr
    assert output.count("result=") == 1 and output.startswith("result=")
    result = _decoded(output.strip().removeprefix("result="))
    assert result["max_score"] == COURSE_POINTS and result["status"] == "error"
    assert "::error title=The grader could not run::" in done.stdout


# -- pinned dependencies and the index -------------------------------------------------------


def test_starter_pins_every_dependency_of_the_grader_at_the_installed_version(course_root: Path, tmp_path: Path) -> None:
    folder = exported(course_root, tmp_path)
    lines = (folder / ".github/kata-constraints.txt").read_text().splitlines()
    pins = {Requirement(line).name: str(Requirement(line).specifier) for line in lines if line and not line.startswith("#")}
    for name in ("fastapi", "starlette", "pydantic", "pydantic-core", "pytest", "pluggy", "typer", "cryptography"):
        assert pins[name] == f"=={metadata.version(name)}", name  # direct and transitive alike
    assert "fastapi-katas" not in pins  # the spec pins the grader itself
    assert "pytest-xdist" not in pins  # an extra the grader does not ask for
    assert all(spec.startswith("==") for spec in pins.values())
    install = _steps(folder)["Install the grader (pinned by the teacher)"]["run"]
    assert '-c "$GITHUB_WORKSPACE/.github/kata-constraints.txt"' in install
    assert "-c .github/kata-constraints.txt" in (folder / "requirements.txt").read_text().splitlines()


def test_index_url_reaches_the_workflow_the_requirements_and_setup_sh(course_root: Path, tmp_path: Path) -> None:
    spec = f"fastapi-katas==1.0 --index-url {INDEX} --extra-index-url=https://pypi.org/simple"
    folder = exported(course_root, tmp_path, "--grader-spec", spec)
    install = _steps(folder)["Install the grader (pinned by the teacher)"]["run"]
    assert install.rstrip().endswith(f"fastapi-katas==1.0 --index-url {INDEX} --extra-index-url https://pypi.org/simple")
    requirements = (folder / "requirements.txt").read_text().splitlines()
    assert requirements[-3:] == [f"--index-url {INDEX}", "--extra-index-url https://pypi.org/simple", "fastapi-katas==1.0"]
    setup = (_gradescope(course_root, tmp_path, "--grader-spec", spec) / "setup.sh").read_text()
    assert f'-c "$here/constraints.txt" fastapi-katas==1.0 --index-url {INDEX} --extra-index-url https://pypi.org/simple' in setup


def test_index_url_options_are_quoted_for_the_shell() -> None:
    spec = check_spec("fastapi-katas==1.0 --index-url 'https://pypi.example.edu/simple?a=1&b=2'")
    assert spec.pip_args() == ["fastapi-katas==1.0", "--index-url", "https://pypi.example.edu/simple?a=1&b=2"]
    assert spec.shell() == "fastapi-katas==1.0 --index-url 'https://pypi.example.edu/simple?a=1&b=2'"


# -- Gradescope ------------------------------------------------------------------------------


def test_gradescope_scripts_are_valid_bash_and_pass_shellcheck(course_root: Path, tmp_path: Path) -> None:
    folder = _gradescope(course_root, tmp_path, "--grader-spec", f"fastapi-katas==1.0 --index-url {INDEX}")
    export_folder = exported(course_root, tmp_path)
    scripts = [folder / "setup.sh", folder / "run_autograder"]
    for script in scripts:
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    steps = _steps(export_folder)
    for name in ("Install the grader (pinned by the teacher)", "Grade the katas"):
        done = subprocess.run(["bash", "-n"], input=steps[name]["run"], capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stderr)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    done = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    for name in ("Install the grader (pinned by the teacher)", "Grade the katas"):
        done = subprocess.run(["shellcheck", "-s", "bash", "-"], input=steps[name]["run"], capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stdout)


def _fake_system(tmp_path: Path, python3_is_new: bool) -> tuple[Path, Path]:
    """Stand-ins for apt-get, add-apt-repository, useradd and the Pythons, each logging its call."""
    bin_dir, log = tmp_path / "fake-bin", tmp_path / "calls.log"
    for tool in ("apt-get", "add-apt-repository", "useradd"):
        _script(bin_dir / tool, f'echo "{tool} $*" >> {log}\n')
    _script(bin_dir / "id", "exit 1\n")  # no user "student" yet
    fake_venv_python = f'echo "venv-python $*" >> {log}\n'
    fake_python = f"""
if [ "$1" = -c ]; then exit {0 if python3_is_new else 1}; fi
echo "$(basename "$0") $*" >> {log}
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/usr/bin/env bash\\n%s' '{fake_venv_python}' > "$3/bin/python"
  printf '#!/usr/bin/env bash\\necho "kata $*" >> {log}\\n' > "$3/bin/kata"
  chmod 700 "$3/bin/python" "$3/bin/kata"
fi
"""
    _script(bin_dir / "python3", fake_python)
    _script(bin_dir / "python3.12", fake_python.replace("exit 1", "exit 0"))
    return bin_dir, log


@pytest.mark.parametrize("python3_is_new", [False, True], ids=["ubuntu-22.04", "ubuntu-24.04"])
def test_setup_sh_updates_apt_first_installs_a_new_python_and_a_readable_pinned_grader(
    course_root: Path, tmp_path: Path, python3_is_new: bool
) -> None:
    folder = _gradescope(course_root, tmp_path, "--grader-spec", f"fastapi-katas==1.0 --index-url {INDEX}")
    source = tmp_path / "autograder/source"
    shutil.copytree(folder, source)
    bin_dir, log = _fake_system(tmp_path, python3_is_new)
    home = tmp_path / "opt/kata-grader"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "KATA_GRADER_HOME": str(home)}
    done = subprocess.run(["bash", str(source / "setup.sh")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    apt = [call for call in calls if call.startswith(("apt-get", "add-apt-repository"))]
    assert apt[0] == "apt-get update"  # before anything is installed
    if python3_is_new:
        assert not any("deadsnakes" in call for call in calls)
        assert f"python3 -m venv {home}" in calls
    else:  # Ubuntu 22.04's Python 3.10: Python 3.12 from the deadsnakes PPA, then a fresh index
        assert apt[1:] == [
            "apt-get install -y --no-install-recommends software-properties-common gpg-agent ca-certificates",
            "add-apt-repository -y ppa:deadsnakes/ppa",
            "apt-get update",
            "apt-get install -y --no-install-recommends python3.12 python3.12-venv",
        ]
        assert f"python3.12 -m venv {home}" in calls
    assert (
        f"venv-python -m pip install --disable-pip-version-check --no-cache-dir "
        f"-c {source}/constraints.txt fastapi-katas==1.0 --index-url {INDEX}"
    ) in calls
    assert "kata --version" in calls  # the installed grader starts
    assert not any(call.startswith("useradd") for call in calls)  # each graded run gets a uid of its own
    for path in [home, *home.rglob("*")]:  # readable (and runnable) by the unprivileged user, writable by root only
        mode = path.stat().st_mode
        assert mode & stat.S_IROTH and not mode & (stat.S_IWGRP | stat.S_IWOTH), path
        if path.is_dir() or path.name in ("python", "kata"):
            assert mode & stat.S_IXOTH, path


def _autograder_root(course_root: Path, tmp_path: Path, *extra: str) -> Path:
    """A stand-in /autograder: the zip extracted into source/, an empty submission/."""
    folder = _gradescope(course_root, tmp_path, "--grader-spec", "fastapi-katas==1.0", *extra)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    return root


def _run_autograder(root: Path, grader_home: Path) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    env = {"PATH": os.environ["PATH"], "KATA_AUTOGRADER_ROOT": str(root), "KATA_GRADER_HOME": str(grader_home)}
    done = subprocess.run(["bash", str(root / "source/run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    results = json.loads((root / "results/results.json").read_text())
    return results, done


def _fake_grader(home: Path, body: str) -> Path:
    _script(home / "bin/kata", body)
    (home / "bin/python").symlink_to(sys.executable)
    return home


@pytest.mark.parametrize(
    "body, why",
    [
        (None, "the grader stopped with exit status 127"),  # setup.sh never finished
        ("exit 3", "the grader stopped with exit status 3"),
        ('echo "{not json" > "${@: -1}"', "not valid JSON"),
        ('echo "[1, 2]" > "${@: -1}"', "not a JSON object"),
        ('echo \'{"score": NaN, "tests": []}\' > "${@: -1}"', "no numeric score"),
        ("exit 0", "wrote no results.json"),
    ],
)  # fmt: skip
def test_run_autograder_always_leaves_a_readable_result_worth_the_real_maximum(
    course_root: Path, tmp_path: Path, body: str | None, why: str
) -> None:
    root = _autograder_root(course_root, tmp_path)
    home = tmp_path / "opt/kata-grader"
    if body is not None:
        _fake_grader(home, body)
    results, done = _run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and results["output_format"] == "text"
    assert [test["max_score"] for test in results["tests"]] == [COURSE_POINTS]
    assert why in results["extra_data"]["reason"]


def test_run_autograder_writes_the_last_resort_result_when_no_python_runs(course_root: Path, tmp_path: Path) -> None:
    root = _autograder_root(course_root, tmp_path)
    (root / "source/gradescope_results.py").write_text("raise SystemExit(1)\n")  # no Python can check
    results, done = _run_autograder(root, tmp_path / "missing")
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and results["output_format"] == "text"
    assert results["tests"][0]["max_score"] == COURSE_POINTS


def test_run_autograder_keeps_the_graders_result_and_grades_a_folder_zipped_one_level_down(
    course_root: Path, tmp_path: Path
) -> None:
    root = _autograder_root(course_root, tmp_path)
    starter = exported(course_root, tmp_path)
    shutil.copytree(starter, root / "submission/my-katas")  # a zip of the repository's folder
    (root / "submission/__MACOSX").mkdir()
    log = tmp_path / "kata.log"
    home = _fake_grader(tmp_path / "opt/kata-grader", f"""
echo "$*" > {log}
echo '{{"score": 2, "output": "<b>not html</b>", "tests": [{{"name": "t", "score": 2, "max_score": 7}}]}}' > "${{@: -1}}"
""")
    results, done = _run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 2 and results["tests"] == [{"name": "t", "score": 2, "max_score": 7}]
    assert {results[key] for key in gradescope_results.FORMAT_KEYS} == {"text"}  # student text is never HTML
    assert f"--submission {root}/submission/my-katas " in log.read_text()
    assert not (root / "results").stat().st_mode & stat.S_IRWXO  # hidden from the unprivileged user


def test_run_autograder_grades_for_real_with_the_installed_grader(course_root: Path, tmp_path: Path) -> None:
    root = _autograder_root(course_root, tmp_path, "-k", "01")
    submission = root / "submission"
    (submission / "stub.py").write_bytes((course_root / "solutions/01_demo/solution.py").read_bytes())
    home = tmp_path / "opt/kata-grader"
    kata = Path(sys.executable).with_name("kata")
    _fake_grader(home, f'exec {kata} "$@" --course {course_root} --quiet\n')
    results, done = _run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 3 and results["output_format"] == "text", results
    assert sum(test["max_score"] for test in results["tests"]) == 3


def test_results_check_keeps_a_chosen_format_and_explains_a_grader_that_stopped(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"score": 1, "output_format": "md"}))
    assert gradescope_results.finish(str(path), 0, 5)["output_format"] == "md"
    path.write_text(json.dumps({"score": 0, "output": "the grader could not start: the course has no kata '9'"}))
    results = gradescope_results.finish(str(path), 1, 5)
    assert results["extra_data"]["reason"].endswith("the course has no kata '9'")
    assert json.loads(path.read_text()) == results and not (tmp_path / "results.json.tmp").exists()
