"""The Gradescope autograder: ``setup.sh``, ``run_autograder`` and what they need, zipped.

Who runs what (Gradescope starts both scripts as root; its best-practices page asks that
student code run as a user without privileges):

- ``setup.sh`` (root, once, when the image is built) installs a Python of 3.11 or newer:
  the system's where it is new enough, else Python 3.12 from the deadsnakes PPA (the
  default base image is Ubuntu 22.04, whose Python is 3.10). It creates the grader's
  virtual environment in ``/opt/kata-grader``, owned by root and readable by everyone, so
  a graded run under another uid can import from it but not change it; installs the
  grader there with every dependency pinned. No account is added: the grader gives every
  graded run a uid of its own, far above any real account (``isolation.UID_BASE``), which is
  what the page's ``student`` user is for, without one uid shared by every run.
- ``run_autograder`` (root, every submission) runs the grader as root: only root can hand
  the student's code to another uid, and the grader's own process, which judges the run,
  must not share a uid with the code it judges. Then it makes sure a readable
  ``results.json`` is there, worth 0 of the real maximum when the grader could not run.

``KATA_AUTOGRADER_ROOT`` and ``KATA_GRADER_HOME`` move ``/autograder`` and ``/opt/kata-grader``;
they exist for this project's tests only.
"""

from __future__ import annotations

import json
import shlex
import stat
import zipfile
from pathlib import Path

from graders.classroom import gradescope_results
from graders.classroom.export import (
    ExportError,
    _write,
    check_spec,
    constraints,
    course_points,
)
from graders.classroom.pristine import PristineCourse, PristineError, load_course

GRADER_HOME = "/opt/kata-grader"
MIN_PYTHON = (3, 11)
PPA_PYTHON = "python3.12"  # deadsnakes builds 3.11–3.13 for Ubuntu 22.04
RESULTS_CHECK = "gradescope_results.py"
SLACK = 120  # seconds on top of every kata's deadline: start-up, collection, writing

SETUP_SH = """\
#!/usr/bin/env bash
# Written by `kata classroom gradescope`: runs once, as root, when Gradescope builds the autograder image.
# Python: the system's when it is {min_python}+ (Ubuntu 24.04), else {ppa_python} from the deadsnakes PPA
# (Ubuntu 22.04, Gradescope's default image, has 3.10). The grader: a virtual environment in
# {grader_home} that every user can read and only root can change, every dependency pinned.
set -euo pipefail
umask 022
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
grader="${{KATA_GRADER_HOME:-{grader_home}}}"
export DEBIAN_FRONTEND=noninteractive

new_enough() {{
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= ({min_tuple}) else 1)' >/dev/null 2>&1
}}

apt-get update
if command -v python3 >/dev/null 2>&1 && new_enough python3; then
  apt-get install -y --no-install-recommends python3-venv ca-certificates
  python="$(command -v python3)"
else
  apt-get install -y --no-install-recommends software-properties-common gpg-agent ca-certificates
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y --no-install-recommends {ppa_python} {ppa_python}-venv
  python="$(command -v {ppa_python})"
fi
new_enough "$python" || {{ echo "setup.sh: $python is older than {min_python}" >&2; exit 1; }}

rm -rf "$grader"
"$python" -m venv "$grader"
"$grader/bin/python" -m pip install --disable-pip-version-check --no-cache-dir \\
  -c "$here/constraints.txt" {spec}
"$grader/bin/kata" --version
chmod -R a+rX,go-w "$grader"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Written by `kata classroom gradescope`: runs as root for every submission and always leaves results.json.
# The grader grades the submission with its own pristine tests, taking only the learner files from it,
# and runs the student's code without root's privileges; then {check} makes sure Gradescope
# can read the result, and turns a grader that could not run into 0 of {max_score} points that says so.
set -uo pipefail
umask 022
root="${{KATA_AUTOGRADER_ROOT:-/autograder}}"
grader="${{KATA_GRADER_HOME:-{grader_home}}}"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
chmod o= "$root/results" "$root/source" 2>/dev/null

# A zip of the repository's folder unpacks one level down: grade what is inside it.
submission="$root/submission"
if [ ! -e "$submission/katas" ] && [ ! -e "$submission/stub.py" ]; then
  inner=()
  for entry in "$submission"/*; do
    if [ -e "$entry" ] && [ "${{entry##*/}}" != __MACOSX ]; then inner+=("$entry"); fi
  done
  if [ "${{#inner[@]}}" -eq 1 ] && [ -d "${{inner[0]}}" ] && [ ! -L "${{inner[0]}}" ]; then
    submission="${{inner[0]}}"
  fi
fi

status=0
cd /tmp 2>/dev/null || cd /
if [ -x "$grader/bin/kata" ]; then
  timeout --kill-after=15 {budget} "$grader/bin/kata" grade{katas} --format gradescope \\
    --submission "$submission" --timeout {deadline:g} --out "$results" || status=$?
else
  echo "run_autograder: $grader/bin/kata is missing: setup.sh did not finish" >&2
  status=127
fi

for python in "$grader/bin/python" {ppa_python} python3; do
  if "$python" -I "$root/source/{check}" "$results" --status "$status" --max-score {max_score}; then
    exit 0
  fi
done
echo "run_autograder: no Python could check $results; writing the last-resort result" >&2
printf '%s\\n' {last_resort} > "$results"
"""

README = """\
# Gradescope autograder for fastapi-katas

Upload `autograder.zip` on the assignment's *Configure Autograder* page. The default base
image (Ubuntu 22.04) works: `setup.sh` installs Python {ppa_version} itself. Katas graded:
{katas}. Points: {max_score}. Let the autograder run at least {minutes} minutes (the
assignment's autograder timeout), or it is stopped before it can write a result.

## What students submit

- **From GitHub or Bitbucket** (best): the student's repository made from the starter, as it is.
- **A zip upload** of that repository, folders kept: `katas/NN_topic/stub.py`, or the
  `NN_topic/stub.py` folders alone. A zip holding one folder with all of that inside is fine.
- **A single `stub.py`**, only when the assignment grades one kata.

Dragging several `stub.py` files into the upload box cannot work: every kata's file has that
name, and the upload keeps no folders, so they overwrite one another.
"""


def write_autograder(
    folder: Path, spec: str, katas: list[str], deadline: float = 120.0, *, course: PristineCourse | None = None
) -> Path:
    """Write setup.sh, run_autograder, constraints.txt and the results check, and autograder.zip with them at its root."""
    grader = check_spec(spec)
    try:
        course = course if course is not None else load_course()
        chosen = course.select(katas or None)
    except PristineError as exc:
        raise ExportError(str(exc)) from None
    if not chosen:
        raise ExportError("the course has no kata to export")
    max_score = course_points(course, chosen)
    named = "".join(f" {shlex.quote(k.kata.id)}" for k in chosen) if katas else ""
    files = autograder_files(grader.shell(), named, deadline, max_score, len(chosen), constraints())
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        _write(folder, name, text, executable=name in ("setup.sh", "run_autograder"))
    minutes = -(-(deadline * len(chosen) + SLACK) // 60)
    listing = ", ".join(k.kata.id for k in chosen)
    _write(folder, "README.md", README.format(
        ppa_version=PPA_PYTHON.removeprefix("python"), katas=listing, max_score=max_score, minutes=f"{minutes:g}",
    ))  # fmt: skip
    zip_path = folder / "autograder.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name in ("setup.sh", "run_autograder") else 0o644
            info.external_attr = (mode | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return zip_path


def autograder_files(
    spec_shell: str, katas_shell: str, deadline: float, max_score: int, kata_count: int, pins: str
) -> dict[str, str]:
    """The autograder's files by name, as they go to the zip's root (Gradescope's /autograder/source)."""
    last_resort = gradescope_results.fallback(max_score, "no Python could run the results check")
    for key in gradescope_results.FORMAT_KEYS:
        last_resort[key] = gradescope_results.TEXT
    names = {
        "grader_home": GRADER_HOME, "ppa_python": PPA_PYTHON,
        "min_python": ".".join(map(str, MIN_PYTHON)), "min_tuple": ", ".join(map(str, MIN_PYTHON)),
    }  # fmt: skip
    return {
        "setup.sh": SETUP_SH.format(spec=spec_shell, **names),
        "run_autograder": RUN_AUTOGRADER.format(
            katas=katas_shell, deadline=deadline, max_score=max_score, check=RESULTS_CHECK,
            budget=f"{deadline * kata_count + SLACK:g}", last_resort=shlex.quote(json.dumps(last_resort)), **names,
        ),  # fmt: skip
        "constraints.txt": pins,
        RESULTS_CHECK: Path(gradescope_results.__file__).read_text(encoding="utf-8"),
    }
