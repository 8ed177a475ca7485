"""One line that says why a behaviour failed, taken from a pytest report.

Works on reports that crossed a process boundary (pytest-xdist), so it reads
only what survives serialisation: ``longrepr`` and its ``reprcrash`` and
``reprtraceback`` entries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graders.host.loader import display_path, exception_location

TRIPPED = (
    "the test could not read your app's answer ({error}): check what the route returns"
    " (a route without `return` answers null)"
)
LEARNER_ERRORS = ("graders.host.session.LearnerError: ", "LearnerError: ", "graders.judge.channel.HostGone: ", "HostGone: ")
QUALIFIED_EXIT = "graders.judge.exits."  # ProcessExit: the app tried to end the test process
TRIPPING_ERRORS = ("AttributeError", "TypeError", "KeyError", "IndexError", "JSONDecodeError")


def failure_reason(longrepr: Any, graded_file: str = "", where: str = "") -> str:
    """The assertion message for a failed check, or ``file:line: Error: message`` for a crash.

    ``where`` is the ``file:line`` in the graded file the exception passed through, found
    while the test ran (long tracebacks, which also hold it, are built only with ``-v``).
    An error of the test's own code that never passed through the graded file means the
    test tripped over an answer of an unexpected shape, and says so.
    """
    if longrepr is None:
        return ""
    if isinstance(longrepr, str):
        return _first_line(longrepr)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, message)
        return _first_line(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        return _first_line(str(longrepr).strip().splitlines()[-1] if str(longrepr).strip() else "")
    message = str(crash.message)
    head, _, rest = message.partition("\n")
    head = head.removeprefix(QUALIFIED_EXIT)
    if head.startswith("AssertionError"):
        text = head.removeprefix("AssertionError").removeprefix(":").strip()
        return _first_line(text or rest)
    for prefix in LEARNER_ERRORS:  # the learner's code answered with an error, already one line
        if head.startswith(prefix):
            return _first_line(head.removeprefix(prefix))
    if head.startswith("Failed: "):  # pytest.fail(...)
        return _first_line(head.removeprefix("Failed: "))
    where = where or _location_in(longrepr, graded_file)
    if where:
        return f"{where}: {head}"
    missing = re.match(r"AttributeError: module 'kata_graded_\w+' has no attribute '(\w+)'", head)
    if missing and graded_file:
        return f"{display_path(Path(graded_file))} defines no `{missing.group(1)}`, which the test uses"
    if graded_file and head.split(":", 1)[0].rsplit(".", 1)[-1] in TRIPPING_ERRORS:
        return TRIPPED.format(error=_first_line(head))
    return _first_line(head)


def location_in_graded_file(exc: BaseException, graded_file: str) -> str:
    """``file:line`` of the deepest frame of ``exc``'s traceback inside the graded file, if any."""
    if not graded_file:
        return ""
    return exception_location(exc, Path(graded_file)).removesuffix(": ")


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def _location_in(longrepr: Any, graded_file: str) -> str:
    """``file:line`` of the deepest traceback entry inside the graded file, if any."""
    if not graded_file:
        return ""
    wanted = str(Path(graded_file).resolve())
    chain = getattr(longrepr, "chain", None)
    tracebacks = [element[0] for element in chain] if chain else [getattr(longrepr, "reprtraceback", None)]
    for reprtraceback in reversed(tracebacks):
        for entry in reversed(getattr(reprtraceback, "reprentries", None) or []):
            location = getattr(entry, "reprfileloc", None)
            if location is None:
                continue
            path = Path(str(location.path))
            if str(path.resolve()) == wanted:
                return f"{display_path(path)}:{location.lineno}"
    return ""
