"""Kata 10 · Deploying FastAPI: settings, probes, Gunicorn workers, proxies and the container.

The graded file is the app. Its two companions are read from the same folder:
``gunicorn.conf.py`` (started for real, on 127.0.0.1) and ``Dockerfile`` (parsed, not built).
The app is reached through `client`, and through the kata's `probes.py` (`learner.probe`) for
requests before start-up and after shutdown; Gunicorn runs through `serve` and is talked to
through `server.client()`; its resolved settings come from `run_command` (`--print-config`
imports the learner's gunicorn.conf.py, so it runs beside the learner's code).
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

DATABASE_URL = "sqlite:///./kata.db"
# Variables that change what the app, Gunicorn or the tests see: each test sets its own.
CLEARED = ("APP_NAME", "ROOT_PATH", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS", "PORT")
PROXY_HEADERS = {"Host": "shop.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
# Bodies asked for uncompressed: an app with GZipMiddleware is graded the same in both modes
# (in classroom mode a compressed answer arrives decoded but still labelled gzip, and fails to read).
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(autouse=True)
def deploy_env(monkeypatch):
    """Every test starts from the same environment: DATABASE_URL set, nothing else of ours."""
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)


# -- companions and commands -------------------------------------------------------------


def companion(kata_file: Path, name: str) -> Path:
    path = kata_file.parent / name
    if not path.is_file():
        pytest.fail(f"no {name} next to {kata_file.name} (looked for {path})", pytrace=False)
    return path


def _no_control_socket() -> list[str]:
    """Gunicorn 25.1+ opens a control socket shared by every Gunicorn of the user; tests run several."""
    major, minor = (int(part) for part in re.findall(r"\d+", version("gunicorn"))[:2])
    return ["--no-control-socket"] if (major, minor) >= (25, 1) else []


def gunicorn_command(kata_file: Path) -> list[str]:
    """Gunicorn with the learner's config, serving the graded app, on a free local port."""
    return [
        sys.executable, "-m", "gunicorn",
        "-c", str(companion(kata_file, "gunicorn.conf.py")),
        "--bind", "127.0.0.1:{port}",
        "--chdir", str(kata_file.parent),
        *_no_control_socket(),
        f"{kata_file.stem}:app",
    ]  # fmt: skip


def json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def expect_200(server, response: httpx.Response, sent: str) -> None:
    """A failed request under Gunicorn is explained by the server's log, so quote its last line."""
    if response.status_code != 200:
        pytest.fail(
            f"{sent} → expected 200, got {response.status_code}; gunicorn's last line: {server.last_lines(1)}"
            f"\n{response.text[:200]}\n{server.last_lines(12)}",
            pytrace=False,
        )


def start_gunicorn(serve, kata_file: Path, **env: str):
    return serve(command=gunicorn_command(kata_file), env=env, cwd=kata_file.parent, ready_path="/healthz", timeout=30)


# Runs Gunicorn's --print-config on a machine that pretends to have KATA_FAKE_CORES cores.
PRINT_CONFIG = """
import os, sys
cores = int(os.environ["KATA_FAKE_CORES"])
os.cpu_count = lambda: cores
if hasattr(os, "sched_getaffinity"):
    os.sched_getaffinity = lambda pid: set(range(cores))
if hasattr(os, "process_cpu_count"):
    os.process_cpu_count = lambda: cores
sys.argv[0] = "gunicorn"
from gunicorn.app.wsgiapp import run
run(prog="gunicorn")
"""


def gunicorn_settings(run_command, kata_file: Path, cores: int = 2, **env: str) -> dict[str, str]:
    """The settings Gunicorn resolves from the learner's config (no server is started).

    ``--print-config`` imports gunicorn.conf.py, learner code: it runs beside it (``run_command``).
    """
    conf = companion(kata_file, "gunicorn.conf.py")
    command = [
        sys.executable, "-c", PRINT_CONFIG,
        "-c", str(conf), "--print-config", "--chdir", str(kata_file.parent), f"{kata_file.stem}:app",
    ]  # fmt: skip
    result = run_command(command, env={**env, "KATA_FAKE_CORES": str(cores)}, cwd=kata_file.parent, timeout=25)
    if result.timed_out:
        pytest.fail(f"gunicorn -c {conf.name} --print-config → still running after 25 s", pytrace=False)
    if result.returncode != 0:
        last = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()][-6:]
        pytest.fail(
            f"gunicorn -c {conf.name} --print-config exited with {result.returncode}: " + " | ".join(last),
            pytrace=False,
        )
    settings = {}
    for line in result.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name.strip()] = value.strip()
    return settings


# -- a small Dockerfile reader -----------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile_lines(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each logical line: comments dropped, continuations joined."""
    raw = text.splitlines()
    result: list[tuple[str, str]] = []
    i = 0
    while i < len(raw):
        line = raw[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [line]
        while parts[-1].rstrip().endswith("\\") and i < len(raw):
            parts[-1] = parts[-1].rstrip()[:-1]
            nxt = raw[i]
            i += 1
            if nxt.lstrip().startswith("#"):
                parts.append("\\")  # a comment inside a continuation is skipped
                continue
            parts.append(nxt)
        logical = " ".join(part.strip() for part in parts if part != "\\")
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", logical)
        if heredoc:  # RUN <<EOF ... EOF: the body belongs to this instruction
            body = []
            while i < len(raw) and raw[i].strip() != heredoc.group(1):
                body.append(raw[i])
                i += 1
            i += 1
            logical += "\n" + "\n".join(body)
        instruction, _, arguments = logical.strip().partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def dockerfile_stages(kata_file: Path) -> list[Stage]:
    lines = dockerfile_lines(companion(kata_file, "Dockerfile").read_text(encoding="utf-8"))
    stages: list[Stage] = []
    for instruction, arguments in lines:
        if instruction == "FROM":
            words = [word for word in arguments.split() if not word.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(base=words[0] if words else "", name=name))
        elif stages:
            stages[-1].instructions.append((instruction, arguments))
    if not stages:
        pytest.fail("Dockerfile → expected at least one FROM line, found none", pytrace=False)
    return stages


def stage_chain(stages: list[Stage], stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, oldest first."""
    chain = [stage]
    while True:
        parent = next((s for s in stages if s.name and s.name == chain[0].base and s is not chain[0]), None)
        if parent is None or parent in chain:
            return chain
        chain.insert(0, parent)


def final_instructions(stages: list[Stage]) -> list[tuple[str, str]]:
    return [pair for stage in stage_chain(stages, stages[-1]) for pair in stage.instructions]


def exec_form(arguments: str) -> list[str] | None:
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def copy_sources(arguments: str) -> tuple[list[str], bool]:
    """The sources of a COPY/ADD, and whether it copies from another stage or image."""
    words = exec_form(arguments)
    if words is None:
        words = shlex.split(arguments)
    from_elsewhere = any(word.startswith("--from") for word in words)
    plain = [word for word in words if not word.startswith("--")]
    return plain[:-1], from_elsewhere


def copies_code(arguments: str, stem: str) -> bool:
    """Whether a COPY/ADD brings the app's code (the whole folder, *.py or the module itself)."""
    sources, from_elsewhere = copy_sources(arguments)
    code = {".", "*", "*.py", f"{stem}.py"}
    return not from_elsewhere and any((source.removeprefix("./").rstrip("/") or ".") in code for source in sources)


INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+install\b(?P<args>[^;&|]*)|\buv\s+sync\b|\bpoetry\s+install\b|\bpdm\s+install\b|\bpipenv\s+install\b")
TOOLS = {"pip", "setuptools", "wheel", "uv"}


def installs_dependencies(arguments: str) -> bool:
    """A RUN that installs the app's dependencies (not one that only upgrades pip itself)."""
    for match in INSTALL.finditer(arguments):
        args = match.group("args")
        if args is None:
            return True
        words = shlex.split(args.replace("\\\n", " "), comments=False) if args.strip() else []
        if "-r" in words or "--requirement" in words or any(w.startswith("--requirement=") for w in words):
            return True
        packages = {w.split("==")[0].split(">=")[0].lower() for w in words if not w.startswith("-")}
        if packages - TOOLS:
            return True
    return False


def server_argv(stages: list[Stage]) -> tuple[list[str] | None, str]:
    """The container's command (ENTRYPOINT + CMD) if both are in exec form, and what was found."""
    entrypoint: str | None = None
    cmd: str | None = None
    for instruction, arguments in final_instructions(stages):
        if instruction == "ENTRYPOINT":
            entrypoint, cmd = arguments, None  # a new ENTRYPOINT resets an inherited CMD
        elif instruction == "CMD":
            cmd = arguments
    if cmd is None and entrypoint is None:
        return None, "no CMD"
    parts = []
    for label, value in (("ENTRYPOINT", entrypoint), ("CMD", cmd)):
        if value is None:
            continue
        words = exec_form(value)
        if words is None:
            return None, f"{label} {value} (shell form)"
        parts.extend(words)
    return parts, " ".join(f"{label} {value}" for label, value in (("ENTRYPOINT", entrypoint), ("CMD", cmd)) if value)


def gunicorn_args(argv: list[str]) -> list[str] | None:
    """The arguments given to Gunicorn, or None when the command does not run Gunicorn."""
    if argv and Path(argv[0]).name == "gunicorn":
        return argv[1:]
    for i in range(len(argv) - 2):
        if Path(argv[i]).name.startswith("python") and argv[i + 1] == "-m" and argv[i + 2] == "gunicorn":
            return argv[i + 3 :]
    return None


def option_values(args: list[str], short: str, long: str) -> list[str]:
    values = []
    for i, arg in enumerate(args):
        if arg in (short, long) and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(long + "="):
            values.append(arg.split("=", 1)[1])
        elif arg.startswith(short) and len(arg) > len(short) and not arg.startswith("--"):
            values.append(arg[len(short) :])
    return values


def binds_all_interfaces(address: str) -> bool:
    host = address.rsplit(":", 1)[0] if ":" in address and not address.startswith("unix:") else address
    return host in ("", "0.0.0.0", "[::]", "::")


# -- the app in-process: probes and settings ---------------------------------------------


def around_lifespan(learner, *, before=(), during=(), after=()) -> dict[str, list[httpx.Response]]:
    """GET requests before start-up, after it and after shutdown (``probes.requests_around_lifespan``).

    Each answer comes back as the ``httpx.Response`` a client would have received.
    """
    answers = learner.probe("requests_around_lifespan", list(before), list(during), list(after))
    if answers.get("problem"):
        pytest.fail(answers["problem"], pytrace=False)
    return {
        when: [
            httpx.Response(
                answer["status"],
                headers=[(k, v) for k, v in answer["headers"]],
                content=base64.b64decode(answer["body"]),
                request=httpx.Request("GET", "http://testserver" + answer["path"]),
            )
            for answer in answers[when]
        ]
        for when in ("before", "during", "after")
    }


def test_healthz_answers_ok(client):
    """GET /healthz answers 200 {"status": "ok"}: the process is alive."""
    response = client.get("/healthz", headers=IDENTITY)
    assert response.status_code == 200, f"GET /healthz → expected 200, got {response.status_code}: {response.text}"
    assert response.json() == {"status": "ok"}, f'GET /healthz → expected {{"status": "ok"}}, got {response.text}'


def test_readyz_is_ready_after_startup(client):
    """Once start-up has run, GET /readyz answers 200 {"status": "ready"}."""
    response = client.get("/readyz", headers=IDENTITY)
    assert response.status_code == 200, (
        f"GET /readyz after start-up → expected 200, got {response.status_code}: {response.text}"
    )
    assert response.json() == {"status": "ready"}, (
        f'GET /readyz after start-up → expected {{"status": "ready"}}, got {response.text}'
    )


@pytest.mark.points(2)
def test_readyz_is_503_before_startup_while_healthz_is_200(learner):
    """Before start-up has run, GET /readyz answers 503 while GET /healthz still answers 200."""
    ready, alive = around_lifespan(learner, before=["/readyz", "/healthz"])["before"]  # the lifespan has not run
    assert ready.status_code == 503, (
        f"GET /readyz before start-up → expected 503, got {ready.status_code}: {ready.text}"
    )
    assert alive.status_code == 200, (
        f"GET /healthz before start-up → expected 200 (alive, just not ready), got {alive.status_code}: {alive.text}"
    )


def test_readyz_is_503_once_shutdown_begins(learner):
    """After shutdown has run, GET /readyz answers 503 again, so no new traffic is sent."""
    answers = around_lifespan(learner, during=["/readyz"], after=["/readyz"])
    (during,), (after,) = answers["during"], answers["after"]
    assert during.status_code == 200, (
        f"GET /readyz after start-up → expected 200, got {during.status_code}: {during.text}"
    )
    assert after.status_code == 503, (
        f"GET /readyz after shutdown → expected 503, got {after.status_code}: {after.text}"
    )


def test_readyz_says_not_ready_while_503(learner):
    """While not ready (before start-up, after shutdown), GET /readyz answers {"status": "not ready"}."""
    answers = around_lifespan(learner, before=["/readyz"], during=["/readyz"], after=["/readyz"])
    (before,), (after,) = answers["before"], answers["after"]
    assert before.status_code == 503 and before.json() == {"status": "not ready"}, (
        f'GET /readyz before start-up → expected 503 {{"status": "not ready"}}, got {before.status_code}: {before.text}'
    )
    assert after.status_code == 503 and after.json() == {"status": "not ready"}, (
        f'GET /readyz after shutdown → expected 503 {{"status": "not ready"}}, got {after.status_code}: {after.text}'
    )

def test_title_defaults_to_kata_deploy(client):
    """Without APP_NAME, the API's title in /openapi.json is "Kata Deploy"."""
    title = client.get("/openapi.json", headers=IDENTITY).json().get("info", {}).get("title")
    assert title == "Kata Deploy", f"GET /openapi.json with APP_NAME unset → expected title 'Kata Deploy', got {title!r}"


def test_title_comes_from_app_name(monkeypatch, request):
    """With APP_NAME="Orders API" in the environment, the API's title is "Orders API"."""
    monkeypatch.setenv("APP_NAME", "Orders API")
    client = request.getfixturevalue("client")  # the app is imported now, with APP_NAME set
    title = client.get("/openapi.json", headers=IDENTITY).json().get("info", {}).get("title")
    assert title == "Orders API", f"GET /openapi.json with APP_NAME='Orders API' → expected that title, got {title!r}"


# -- Gunicorn, for real ------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_missing_database_url_stops_gunicorn_with_its_name(serve, kata_file, monkeypatch):
    """Started without DATABASE_URL, Gunicorn exits (no restart loop) with a message naming DATABASE_URL."""
    monkeypatch.delenv("DATABASE_URL")
    server = serve(command=gunicorn_command(kata_file), env={"WEB_CONCURRENCY": "1"}, cwd=kata_file.parent, ready_path=None)
    deadline = time.monotonic() + 25
    code = None
    with server.client(timeout=1, headers=IDENTITY, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                break
            try:
                answer = http.get("/healthz")
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            pytest.fail(
                f"gunicorn without DATABASE_URL → expected it to refuse to start, but GET /healthz answered {answer.status_code}",
                pytrace=False,
            )
    assert code is not None, (
        "gunicorn without DATABASE_URL → still running after 25 s without answering: workers restarting in a loop?"
        f"\n{server.last_lines(8)}"
    )
    assert code != 0, f"gunicorn without DATABASE_URL → expected a non-zero exit code, got {code}"
    assert "database_url" in server.output().lower(), (
        f"gunicorn without DATABASE_URL → exited with {code} but never named DATABASE_URL; it printed:"
        f"\n{server.last_lines(8)}"
    )


@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_gunicorn_runs_two_uvicorn_workers(serve, kata_file):
    """Under Gunicorn with WEB_CONCURRENCY=2, GET /pid is answered by two different worker processes."""
    server = start_gunicorn(serve, kata_file, WEB_CONCURRENCY="2")
    pids: set[int] = set()
    answers = 0
    deadline = time.monotonic() + 20
    # No keep-alive: each request is a new connection, which any idle worker may accept.
    with server.client(timeout=5, headers=IDENTITY, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        while time.monotonic() < deadline and (len(pids) < 2 or answers < 20):
            response = http.get("/pid")
            expect_200(server, response, "GET /pid under gunicorn")
            pid = json_body(response).get("pid")
            assert isinstance(pid, int), f'GET /pid under gunicorn → expected {{"pid": <a number>}}, got {response.text[:200]}'
            pids.add(pid)
            answers += 1
    assert server.process.pid not in pids, (
        f"GET /pid under gunicorn → answered with the Gunicorn master's own pid {server.process.pid}, not a worker's"
    )
    assert len(pids) == 2, (
        f"GET /pid ×{answers} under gunicorn with WEB_CONCURRENCY=2 → expected answers from 2 worker pids, got {sorted(pids)}"
    )


@pytest.mark.kata_timeout(60)
def test_worker_count_is_web_concurrency_or_one_per_core(kata_file, run_command):
    """gunicorn.conf.py asks for WEB_CONCURRENCY workers, or one per CPU core when it is unset."""
    from_env = gunicorn_settings(run_command, kata_file, cores=5, WEB_CONCURRENCY="3").get("workers")
    assert from_env == "3", f"gunicorn --print-config with WEB_CONCURRENCY=3 on 5 cores → expected workers = 3, got {from_env}"
    from_cores = gunicorn_settings(run_command, kata_file, cores=5).get("workers")
    assert from_cores == "5", f"gunicorn --print-config with WEB_CONCURRENCY unset on 5 cores → expected workers = 5, got {from_cores}"


@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_trusted_proxy_headers_make_https_urls(serve, kata_file):
    """From a trusted proxy (127.0.0.1 by default), X-Forwarded-Proto/-For give https URLs and the real client."""
    server = start_gunicorn(serve, kata_file, WEB_CONCURRENCY="1")
    with server.client(timeout=5, headers=IDENTITY) as http:
        response = http.get("/whoami", headers=PROXY_HEADERS)
    expect_200(server, response, "GET /whoami under gunicorn")
    expected = {"url": "https://shop.example.com/whoami", "client": "203.0.113.7"}
    assert json_body(response) == expected, (
        f"GET /whoami from 127.0.0.1 with X-Forwarded-Proto: https, X-Forwarded-For: 203.0.113.7"
        f" → expected {expected}, got {response.text[:200]}"
    )


@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_untrusted_proxy_headers_are_ignored(serve, kata_file):
    """When FORWARDED_ALLOW_IPS does not list the sender, its X-Forwarded-* headers change nothing."""
    server = start_gunicorn(serve, kata_file, WEB_CONCURRENCY="1", FORWARDED_ALLOW_IPS="192.0.2.10")
    with server.client(timeout=5, headers=IDENTITY) as http:
        response = http.get("/whoami", headers=PROXY_HEADERS)
    expect_200(server, response, "GET /whoami under gunicorn")
    expected = {"url": "http://shop.example.com/whoami", "client": "127.0.0.1"}
    assert json_body(response) == expected, (
        "GET /whoami from 127.0.0.1 with X-Forwarded-* headers, FORWARDED_ALLOW_IPS=192.0.2.10"
        f" → expected them ignored {expected}, got {response.text[:200]}"
    )


@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_root_path_prefixes_urls_and_docs(serve, kata_file):
    """With ROOT_PATH=/api, URLs the app builds start with /api and /openapi.json lists /api as its server."""
    server = start_gunicorn(serve, kata_file, WEB_CONCURRENCY="1", ROOT_PATH="/api")
    with server.client(timeout=5, headers=IDENTITY) as http:
        response = http.get("/whoami", headers={"Host": "shop.example.com"})
        expect_200(server, response, "GET /whoami (the proxy strips /api) with ROOT_PATH=/api")
        url = json_body(response).get("url")
        assert url == "http://shop.example.com/api/whoami", (
            f"GET /whoami with ROOT_PATH=/api → expected url 'http://shop.example.com/api/whoami', got {url!r}"
        )
        servers = json_body(http.get("/openapi.json")).get("servers", [])
    assert {"url": "/api"} in servers, f"GET /openapi.json with ROOT_PATH=/api → expected servers to list {{'url': '/api'}}, got {servers}"


# -- the Dockerfile, read line by line -----------------------------------------------------


def test_dockerfile_uses_a_slim_python_base(kata_file):
    """The image the Dockerfile ends with is built on a slim base (python:3.x-slim)."""
    stages = dockerfile_stages(kata_file)
    base = stage_chain(stages, stages[-1])[0].base
    tag = base.rsplit("/", 1)[-1].partition(":")[2].split("@")[0]
    assert "slim" in tag, f"Dockerfile → expected a slim base image such as python:3.12-slim, got FROM {base}"


def test_dockerfile_runs_as_a_non_root_user(kata_file):
    """The container runs as a user other than root, one the Dockerfile creates (or a numeric uid)."""
    stages = dockerfile_stages(kata_file)
    users = [arguments.split(":")[0].strip() for instruction, arguments in final_instructions(stages) if instruction == "USER"]
    assert users, "Dockerfile → expected a USER line: without one the server runs as root"
    user = users[-1]
    assert user not in ("root", "0", ""), f"Dockerfile → expected a non-root USER, got USER {user}"
    if not (user.isdigit() or user.startswith("$") or user == "nobody"):
        created = any(
            instruction == "RUN" and re.search(r"\b(useradd|adduser)\b", arguments) and re.search(rf"\b{re.escape(user)}\b", arguments)
            for stage in stages
            for instruction, arguments in stage.instructions
        )
        assert created, f"Dockerfile → USER {user}, but no RUN useradd/adduser creates {user!r}"


def test_dockerfile_cmd_runs_gunicorn_in_exec_form(kata_file):
    """The CMD is in exec form (a JSON list) and runs gunicorn with gunicorn.conf.py, serving <module>:app."""
    stages = dockerfile_stages(kata_file)
    argv, found = server_argv(stages)
    assert argv is not None, (
        f'Dockerfile → expected CMD in exec form (CMD ["gunicorn", ...]), got {found}\n'
        "In shell form /bin/sh is PID 1 and the SIGTERM of docker stop never reaches gunicorn."
    )
    args = gunicorn_args(argv)
    assert args is not None, f"Dockerfile → expected the command to run gunicorn, got {argv}"
    target = f"{kata_file.stem}:app"
    assert target in args, f"Dockerfile → expected gunicorn to serve {target}, got {argv}"
    configs = option_values(args, "-c", "--config")
    if configs:
        assert Path(configs[-1]).name == "gunicorn.conf.py", f"Dockerfile → expected -c gunicorn.conf.py, got -c {configs[-1]}"
    copied = any(
        instruction in ("COPY", "ADD")
        and any(Path(source).name == "gunicorn.conf.py" or source.removeprefix("./") in (".", "", "*") for source in copy_sources(arguments)[0])
        for instruction, arguments in final_instructions(stages)
    )
    assert copied, "Dockerfile → expected gunicorn.conf.py to be copied into the image"


@pytest.mark.kata_timeout(60)
def test_dockerfile_server_listens_on_all_interfaces(kata_file, run_command):
    """In the container, gunicorn binds 0.0.0.0 (CMD --bind, ENV PORT or bind in gunicorn.conf.py), not 127.0.0.1."""
    stages = dockerfile_stages(kata_file)
    argv, found = server_argv(stages)
    if argv is None:  # a shell-form CMD fails another test; read its words anyway
        cmd = [arguments for instruction, arguments in final_instructions(stages) if instruction == "CMD"]
        argv = shlex.split(cmd[-1]) if cmd and exec_form(cmd[-1]) is None else []
    binds = option_values(gunicorn_args(argv) or [], "-b", "--bind")
    if binds:
        where = f"--bind {binds[-1]} in the CMD"
        ok = all(binds_all_interfaces(bind) for bind in binds)
    elif any(instruction == "ENV" and re.search(r"(^|\s)PORT(=|\s)", arguments) for instruction, arguments in final_instructions(stages)):
        where, ok = "ENV PORT (gunicorn then binds 0.0.0.0:$PORT)", True
    else:
        bind = gunicorn_settings(run_command, kata_file).get("bind", "?")
        where = f"bind = {bind} from gunicorn.conf.py"
        ok = bool(re.search(r"'(0\.0\.0\.0|\[::\]|::)?:\d+'", bind))
    assert ok, (
        f"Dockerfile → expected gunicorn to listen on 0.0.0.0 in the container, got {where}\n"
        "127.0.0.1 inside a container is reachable only from inside that container."
    )


def test_dockerfile_installs_dependencies_before_copying_the_code(kata_file):
    """Dependencies are installed before the app's code is copied, so code edits reuse the cached layer."""
    stages = dockerfile_stages(kata_file)
    stem = kata_file.stem
    installing_stages = {
        stage.name for stage in stages if any(i == "RUN" and installs_dependencies(a) for i, a in stage.instructions)
    }
    for stage in stages:
        code_seen = False
        for instruction, arguments in [pair for s in stage_chain(stages, stage) for pair in s.instructions]:
            if instruction in ("COPY", "ADD") and copies_code(arguments, stem):
                code_seen = True
            elif instruction == "RUN" and installs_dependencies(arguments) and code_seen:
                pytest.fail(f"Dockerfile → RUN {arguments[:80]} comes after the code is copied: every code edit reinstalls everything", pytrace=False)
    instructions = final_instructions(stages)
    first_code = next((n for n, (i, a) in enumerate(instructions) if i in ("COPY", "ADD") and copies_code(a, stem)), None)
    assert first_code is not None, f"Dockerfile → expected a COPY of the app code ({stem}.py or .) into the image"

    def brings_dependencies(instruction: str, arguments: str) -> bool:
        if instruction == "RUN":
            return installs_dependencies(arguments)
        if instruction == "COPY":
            words = exec_form(arguments) or shlex.split(arguments)
            sources = [w.split("=", 1)[1] for w in words if w.startswith("--from=")]
            return any(source in installing_stages for source in sources)
        return False

    assert any(brings_dependencies(i, a) for i, a in instructions[:first_code]), (
        "Dockerfile → expected a RUN pip install (of requirements.txt) before the app code is copied"
    )


def test_dockerfile_bakes_in_no_database_url(kata_file):
    """The Dockerfile sets no DATABASE_URL: configuration comes from the environment at run time."""
    for stage in dockerfile_stages(kata_file):
        for instruction, arguments in stage.instructions:
            if instruction in ("ENV", "ARG"):
                assert not re.search(r"\bDATABASE_URL\b", arguments), (
                    f"Dockerfile → {instruction} {arguments[:80]} bakes the setting into the image; pass DATABASE_URL with docker run -e"
                )
