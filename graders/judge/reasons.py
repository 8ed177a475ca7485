"""One line that says why a behaviour failed, taken from a pytest report.

Works on reports that crossed a process boundary (pytest-xdist), so it reads
only what survives serialisation: ``longrepr`` and its ``reprcrash`` and
``reprtraceback`` entries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graders.host.loader import display_path


def failure_reason(longrepr: Any, graded_file: str = "") -> str:
    """The assertion message for a failed check, or ``file:line: Error: message`` for a crash."""
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
    if head.startswith("AssertionError"):
        text = head.removeprefix("AssertionError").removeprefix(":").strip()
        return _first_line(text or rest)
    if head.startswith("Failed: "):  # pytest.fail(...)
        return _first_line(head.removeprefix("Failed: "))
    where = _location_in(longrepr, graded_file)
    return f"{where}: {head}" if where else _first_line(head)


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
