"""The warm launcher: a command it forks behaves as the same command started fresh.

Each equivalence test runs one command both ways (``_fresh`` is plain ``subprocess.run``)
and compares what a test could see: exit code, standard output and error, the folder,
the environment, ``sys.argv``, ``sys.path[0]``, the temporary folder, signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import process_alive
from graders.host.commands import _fresh, run_to_end
from graders.host.launcher import DISABLE, plan_for
from graders.host.servers import free_port, start_server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the launcher forks; without fork it is never used")

REPORT = r"""
import json, os, sys, tempfile
print(json.dumps({
    "argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0], "tmp": tempfile.gettempdir(),
    "kata": os.environ.get("KATA_VALUE"), "main": __name__, "stdin": sys.stdin.read(),
    "sigint": str(__import__("signal").getsignal(2)), "sigterm": str(__import__("signal").getsignal(15)),
}))
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ.get("KATA_EXIT", "0")))
"""


def both(command: list[str], env: dict[str, str], cwd: Path) -> tuple[dict, dict]:
    forked = run_to_end(command, env, str(cwd), 20)
    fresh = _fresh(command, env, str(cwd), 20)
    return forked, fresh


def test_plans_only_what_a_fork_runs_the_same() -> None:
    env = dict(os.environ)
    assert plan_for([sys.executable, "-m", "uvicorn", "a:app"], env, env) == ("module", "uvicorn", ["a:app"])
    assert plan_for([sys.executable, "-c", "print(1)", "x"], env, env) == ("code", "print(1)", ["x"])
    assert plan_for([sys.executable, "-X", "dev", "-m", "uvicorn"], env, env) is None  # interpreter options
    assert plan_for(["/bin/sh", "-c", "true"], env, env) is None  # another program
    assert plan_for([sys.executable, "script.py"], env, env) is None
    assert plan_for([sys.executable, "-m", "uvicorn"], {**env, "PYTHONPATH": "/elsewhere"}, env) is None
    assert plan_for([sys.executable, "-m", "uvicorn"], {**env, DISABLE: "1"}, env) is None
    # the variables it can honour itself do not matter
    assert plan_for([sys.executable, "-m", "x"], {**env, "PYTHONUNBUFFERED": "1"}, env) is not None


def test_a_forked_command_sees_what_a_fresh_one_sees(tmp_path: Path) -> None:
    env = {**os.environ, "KATA_VALUE": "seen", "TMPDIR": str(tmp_path), "KATA_EXIT": "3"}
    forked, fresh = both([sys.executable, "-c", REPORT, "one", "two"], env, tmp_path)
    assert forked == fresh
    assert forked["code"] == 3 and '"argv": ["-c", "one", "two"]' in forked["stdout"]
    assert forked["stderr"] == "to stderr\n"


def test_a_forked_module_runs_as_python_m(tmp_path: Path) -> None:
    (tmp_path / "kata_probe_module.py").write_text(REPORT)
    env = {**os.environ, "KATA_VALUE": "m"}
    forked, fresh = both([sys.executable, "-m", "kata_probe_module", "arg"], env, tmp_path)
    forked["stdout"] = forked["stdout"].replace(str(tmp_path), "<tmp>")
    fresh["stdout"] = fresh["stdout"].replace(str(tmp_path), "<tmp>")
    assert forked == fresh
    assert '"main": "__main__"' in forked["stdout"] and '"path0": "<tmp>"' in forked["stdout"]


def test_an_uncaught_exception_prints_a_traceback_and_exits_1(tmp_path: Path) -> None:
    forked, fresh = both([sys.executable, "-c", "raise ValueError('boom')"], dict(os.environ), tmp_path)
    assert forked["code"] == fresh["code"] == 1
    assert forked["stderr"].splitlines()[-1] == fresh["stderr"].splitlines()[-1] == "ValueError: boom"


def test_a_command_over_its_time_is_stopped_with_what_it_left(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    start = time.monotonic()
    result = run_to_end([sys.executable, "-c", code], dict(os.environ), str(tmp_path), 3)
    assert time.monotonic() - start < 10
    assert result["timed_out"] and result["code"] is None and "started" in result["stdout"]
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and process_alive(child):
        time.sleep(0.05)
    assert not process_alive(child), "what the command started outlived its time limit"


def test_a_launched_server_is_its_own_process_group_and_stops_like_a_fresh_one() -> None:
    codes = {}
    for fresh in ("", "1"):
        port = free_port()
        env = {DISABLE: fresh} if fresh else {}
        server = start_server([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port, env=env)
        try:
            assert os.getpgid(server.process.pid) == server.process.pid
            assert server.process.poll() is None
            assert isinstance(server.process, subprocess.Popen) == bool(fresh)
        finally:
            codes[fresh] = server.stop(signal.SIGTERM, timeout=10)
        server.log_path.unlink(missing_ok=True)
    assert codes[""] == codes["1"] == -signal.SIGTERM


def test_a_variable_read_while_warming_up_makes_a_different_value_start_fresh(tmp_path: Path) -> None:
    # gunicorn's settings take their defaults from the environment when gunicorn.config is imported,
    # which the launcher did long before this command: a fork would print the launcher's value.
    code = "import gunicorn.config as c; print(c.ForwardedAllowIPS.default, c.Workers.default)"
    env = {**os.environ, "FORWARDED_ALLOW_IPS": "192.0.2.10", "WEB_CONCURRENCY": "3"}
    forked, fresh = both([sys.executable, "-c", code], env, tmp_path)
    assert forked == fresh
    assert forked["stdout"].split() == ["192.0.2.10", "3"]


def test_warming_up_notes_what_modules_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graders.host.launcher import EVERY_VARIABLE, differs_where_read, warm_up

    (tmp_path / "kata_reads_env.py").write_text("import os\nSETTING = os.environ.get('KATA_AT_IMPORT', 'x')\n")
    (tmp_path / "kata_copies_env.py").write_text("import os\nALL = dict(os.environ)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    read = warm_up(("kata_reads_env",))
    assert "KATA_AT_IMPORT" in read
    assert differs_where_read(read, {}, {"KATA_AT_IMPORT": "y"})
    assert not differs_where_read(read, {}, {"SOMETHING_ELSE": "y"})
    assert EVERY_VARIABLE in warm_up(("kata_copies_env",))
    assert type(os.environ).__name__ == "_Environ"  # the real one is back


ENDINGS = {
    "unclosed file": "f = open('out.txt', 'w'); f.write('hello')",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "own excepthook": (
        "import sys\nsys.excepthook = lambda *a: print('hooked', file=sys.stderr)\nraise ValueError('x')"
    ),
    "atexit": "import atexit; atexit.register(print, 'bye')",
    "thread at exit": (
        "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.3), print('late'))).start()"
    ),
    "time zone": "import time; print(time.strftime('%Z'))",
}


@pytest.mark.parametrize("code", list(ENDINGS.values()), ids=list(ENDINGS))
def test_a_forked_command_ends_as_an_interpreter_does(tmp_path: Path, code: str) -> None:
    env = {**os.environ, "TZ": "Asia/Tokyo"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    forked = run_to_end([sys.executable, "-c", code], env, str(tmp_path / "a"), 20)
    fresh = _fresh([sys.executable, "-c", code], env, str(tmp_path / "b"), 20)
    assert (forked["code"], forked["stdout"]) == (fresh["code"], fresh["stdout"])
    assert forked["stderr"].splitlines()[-1:] == fresh["stderr"].splitlines()[-1:]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert [p.read_text() for p in (tmp_path / "a").iterdir()] == [p.read_text() for p in (tmp_path / "b").iterdir()]


def test_a_missing_module_is_said_as_python_m_says_it(tmp_path: Path) -> None:
    forked, fresh = both([sys.executable, "-m", "kata_no_such_module"], dict(os.environ), tmp_path)
    assert forked["code"] == fresh["code"] == 1
    assert forked["stderr"] == fresh["stderr"] and "No module named kata_no_such_module" in fresh["stderr"]


def test_a_signal_the_asker_ignores_stays_ignored(tmp_path: Path) -> None:
    code = "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forked, fresh = both([sys.executable, "-c", code], dict(os.environ), tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert forked["stdout"] == fresh["stdout"] == "True\n"


def test_another_interpreter_than_this_one_starts_fresh() -> None:
    base = os.path.realpath(sys.executable)
    if base == os.path.abspath(sys.executable):
        pytest.skip("this interpreter is not a link into another one (no virtual environment)")
    env = dict(os.environ)
    assert plan_for([base, "-c", "pass"], env, env) is None
