"""A warm grading worker for ``kata watch``: pytest and FastAPI imported once, a fork per grade.

Importing pytest, FastAPI and Starlette's TestClient is most of a cold grade's
time. This process pays it once, then forks a child for each grade, so every
grade starts from the same clean, already-imported state. The worker never
starts a thread, which keeps ``fork`` safe. Commands arrive as JSON lines on
stdin; each result goes back as a JSON line on the file descriptor given as
the first argument. A grade that outlives its deadline is killed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def warm_up() -> None:
    """Import what every grade needs, before the first fork.

    Besides FastAPI and the TestClient, one pytest run over an empty folder loads
    every pytest plugin of the environment (anyio's alone costs a quarter second),
    without importing any kata, so no learner file is ever cached here.
    """
    import contextlib
    import io
    import tempfile

    import fastapi  # noqa: F401
    import pytest
    import starlette.testclient  # noqa: F401

    import graders.judge.plugin  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="kata-warm-") as empty, contextlib.redirect_stdout(io.StringIO()):
        pytest.main([empty, "-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"])


def grade_in_child(args: list[str], cwd: str) -> int:
    """Fork, run pytest in the child, return its exit code (or -signal when it was killed)."""
    pid = os.fork()
    if pid == 0:  # the child: grade, then leave without running the parent's cleanup
        code = 3
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            os.chdir(cwd)
            import pytest

            # Plugins imported during warm-up (anyio, graders) cannot be assert-rewritten;
            # pytest would warn about that on every grade. Their asserts are not graded.
            code = int(pytest.main([*args, "-W", "ignore::pytest.PytestAssertRewriteWarning"]))
        except BaseException:  # noqa: BLE001 - whatever happened, the child must exit
            pass
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def wait_for(pid: int, deadline: float) -> int:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -int(signal.SIGKILL)
        time.sleep(0.005)


def main() -> None:
    # The watcher ends this worker by closing its stdin (or killing its session); a stray
    # SIGINT must not print a traceback over the learner's terminal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    results = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    warm_up()
    results.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        started = time.monotonic()
        pid = grade_in_child(request["args"], request["cwd"])
        code = wait_for(pid, started + float(request.get("deadline", 120)))
        results.write(json.dumps({"code": code, "seconds": time.monotonic() - started}) + "\n")


if __name__ == "__main__":
    main()
