"""Run a short command beside the learner's code (a config check, say) to its end: exit code and output.

The judge's ``run_command`` fixture (learner mode) and the host (classroom mode) both come here,
so a ``python -c`` or ``python -m`` command is forked from the warm launcher there too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from graders.host.launcher import LAUNCHER


def run_to_end(command: list[str], env: dict[str, str], cwd: str | None, timeout: float) -> dict[str, Any]:
    """``{"code", "stdout", "stderr", "timed_out"}`` of ``command`` run with exactly ``env``, stopped at ``timeout``."""
    with tempfile.TemporaryDirectory(prefix="kata-run-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch()
        err.touch()
        process = LAUNCHER.spawn(command, env, cwd or os.getcwd(), str(out), str(err))
        if process is None:
            return _fresh(command, env, cwd, timeout)
        try:
            code: int | None = process.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        try:
            os.killpg(process.pid, signal.SIGKILL)  # what it left running goes with it
        except (ProcessLookupError, PermissionError):
            pass
        stderr = _read(err) if code is not None else ""  # as subprocess.run gives it on a time-out: none
        return {"code": code, "stdout": _read(out), "stderr": stderr, "timed_out": code is None}


def _fresh(command: list[str], env: dict[str, str], cwd: str | None, timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        return {"code": None, "stdout": (exc.stdout or b"").decode("utf-8", "replace"), "stderr": "", "timed_out": True}
    return {
        "code": done.returncode, "stdout": done.stdout.decode("utf-8", "replace"),
        "stderr": done.stderr.decode("utf-8", "replace"), "timed_out": False,
    }  # fmt: skip


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
