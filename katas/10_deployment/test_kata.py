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
import posixpath
import re
import shlex
import sys
import time
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from graders.dockerfile import Dockerfile, DockerfileError, Image, Step, parse_pairs
from graders.dockerfile import expand as expand_variables
from graders.dockerfile import parse as parse_dockerfile

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


# Loads Gunicorn's configuration as `gunicorn` would (the command line, then gunicorn.conf.py),
# starts nothing, and prints the worker class with the classes it is built on.
WORKER_CLASS = """
import json, sys
sys.argv[0] = "gunicorn"
from gunicorn.app.wsgiapp import WSGIApplication
worker = WSGIApplication(prog="gunicorn").cfg.worker_class
print(json.dumps([f"{c.__module__}.{c.__qualname__}" for c in worker.__mro__]))
"""

# A GET sent from another local address than 127.0.0.1 (127.0.0.2 is loopback too, but
# a trust list of "127.0.0.1" does not name it): what a proxy the app must not trust sees.
FROM_ADDRESS = """
import http.client, json, sys
port, source, path, headers = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    print(json.dumps({"status": response.status, "body": response.read().decode("utf-8", "replace")}))
except OSError as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
"""

# Imports the graded file and starts its lifespan, as a server would, and says how that ended.
START_APP = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("graded_app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["graded_app"] = module
try:
    spec.loader.exec_module(module)
    from starlette.testclient import TestClient
    with TestClient(module.app):
        pass
except SystemExit as exc:
    print(json.dumps({"exit": repr(exc.code)}))
except BaseException as exc:
    print(json.dumps({"raised": f"{type(exc).__name__}: {exc}"}))
else:
    print(json.dumps({"started": True}))
"""


def last_json_line(result, what: str) -> dict:
    """The JSON a helper script printed last (the learner's code may print before it)."""
    for line in reversed(result.stdout.splitlines()):
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        if isinstance(answer, dict):
            return answer
    tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
    pytest.fail(f"{what} → ended with exit code {result.returncode} and no answer: {tail}", pytrace=False)


# -- the Dockerfile, read as Docker reads it (graders/dockerfile.py) ----------------------


def dockerfile(kata_file: Path) -> Dockerfile:
    """The Dockerfile next to the graded file; its folder is the build context."""
    path = companion(kata_file, "Dockerfile")
    folder = path.parent
    context = [
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    try:
        return parse_dockerfile(path.read_text(encoding="utf-8"), context)
    except DockerfileError as exc:
        pytest.fail(f"Dockerfile → {exc}", pytrace=False)


# An init process in front of the server (ENTRYPOINT ["tini", "--"]) and the options that take a value.
INITS = {"tini": {"-p", "-e"}, "tini-static": {"-p", "-e"}, "dumb-init": {"-r", "--rewrite"}, "catatonit": set()}
SHELLS = {"sh", "bash", "dash", "ash"}


def without_init(argv: list[str]) -> list[str]:
    """The command an init process (tini, dumb-init) starts, its own options dropped."""
    while argv and Path(argv[0]).name in INITS:
        takes_value = INITS[Path(argv[0]).name]
        i = 1
        while i < len(argv) and argv[i].startswith("-"):
            if argv[i] == "--":
                i += 1
                break
            i += 2 if argv[i] in takes_value else 1
        argv = argv[i:]
    return argv


def server_command(image: Image) -> tuple[list[str] | None, str]:
    """What the container runs once an init process and a ``sh -c "exec …"`` are looked through, or why not."""
    argv, why = image.command()
    if argv is None:
        return None, why
    argv = without_init(argv)
    if len(argv) >= 3 and Path(argv[0]).name in SHELLS and argv[1] == "-c":
        script = argv[2]
        words = shlex.split(expand_variables(script, image.env)) if not re.search(r"[;&|\n`]|\$\(", script) else []
        if not words or words[0] != "exec":
            return None, f'{json.dumps(argv)}: a shell runs the server, not exec\'d (write ["sh", "-c", "exec gunicorn …"] or no shell)'
        argv = without_init(words[1:])
    return argv, ""


def gunicorn_args(argv: list[str]) -> list[str] | None:
    """The arguments given to Gunicorn, or None when the command does not run Gunicorn."""
    if argv and Path(argv[0]).name == "gunicorn":
        return argv[1:]
    if len(argv) >= 3 and Path(argv[0]).name.startswith("python") and argv[1] == "-m" and argv[2] == "gunicorn":
        return argv[3:]
    return None


def option_values(args: list[str], short: str, long: str) -> list[str]:
    values = []
    for i, arg in enumerate(args):
        if arg in (short, long) and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(long + "="):
            values.append(arg.split("=", 1)[1])
        elif short and arg.startswith(short) and len(arg) > len(short) and not arg.startswith("--"):
            values.append(arg[len(short) :])
    return values


def all_gunicorn_args(image: Image, args: list[str]) -> list[str]:
    """Gunicorn reads GUNICORN_CMD_ARGS too; the command line comes last and wins."""
    extra = image.env.get("GUNICORN_CMD_ARGS", "")
    return [*shlex.split(extra), *args] if extra else args


def binds_all_interfaces(address: str) -> bool:
    """``0.0.0.0:8000`` (or ``[::]:8000``, ``:8000``) with a port that is a number."""
    host, _, port = address.rpartition(":")
    return host in ("", "0.0.0.0", "[::]") and port.isdigit()


def copied_into(image: Image, name: str) -> list[str]:
    """Where the context file ``name`` lands in the image."""
    return [path for path, source in image.files().items() if source == name]


INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+install\b(?P<args>[^;&|\n]*)|\buv\s+sync\b|\bpoetry\s+install\b|\bpdm\s+install\b|\bpipenv\s+install\b")
TOOLS = {"pip", "setuptools", "wheel", "uv"}


def installs_dependencies(command: str) -> bool:
    """A RUN that installs the app's dependencies (not one that only upgrades pip itself)."""
    for match in INSTALL.finditer(command.replace("\\\n", " ")):
        args = match.group("args")
        if args is None:
            return True
        try:
            words = shlex.split(args) if args.strip() else []
        except ValueError:
            words = args.split()
        if "-r" in words or "--requirement" in words or any(w.startswith(("--requirement=", "-r")) for w in words):
            return True
        packages = {re.split(r"[=<>!~\[]", w)[0].lower() for w in words if not w.startswith("-")}
        if packages - TOOLS:
            return True
    return False


def brings_code(step: Step, stem: str) -> bool:
    return step.copy is not None and f"{stem}.py" in step.copy.files.values()


def brings_dependencies(docker: Dockerfile, step: Step) -> bool:
    """A RUN that installs them, or a COPY --from a stage whose image installed them."""
    if step.copy is None:
        return installs_dependencies(step.command)
    origin = step.copy.from_stage
    return origin is not None and any(installs_dependencies(s.command) for s in docker.image(origin).steps if s.copy is None)


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


@pytest.mark.rule(2)
def test_healthz_answers_ok(client):
    """GET /healthz answers 200 {"status": "ok"}: the process is alive."""
    response = client.get("/healthz", headers=IDENTITY)
    assert response.status_code == 200, f"GET /healthz → expected 200, got {response.status_code}: {response.text}"
    assert response.json() == {"status": "ok"}, f'GET /healthz → expected {{"status": "ok"}}, got {response.text}'


@pytest.mark.rule(3)
def test_readyz_is_ready_after_startup(client):
    """Once start-up has run, GET /readyz answers 200 {"status": "ready"}."""
    response = client.get("/readyz", headers=IDENTITY)
    assert response.status_code == 200, (
        f"GET /readyz after start-up → expected 200, got {response.status_code}: {response.text}"
    )
    assert response.json() == {"status": "ready"}, (
        f'GET /readyz after start-up → expected {{"status": "ready"}}, got {response.text}'
    )


@pytest.mark.rule(2, 3)
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


@pytest.mark.rule(3)
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


@pytest.mark.rule(3)
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

@pytest.mark.rule(1)
def test_title_defaults_to_kata_deploy(client):
    """Without APP_NAME, the API's title in /openapi.json is "Kata Deploy"."""
    title = client.get("/openapi.json", headers=IDENTITY).json().get("info", {}).get("title")
    assert title == "Kata Deploy", f"GET /openapi.json with APP_NAME unset → expected title 'Kata Deploy', got {title!r}"


@pytest.mark.rule(1)
def test_title_comes_from_app_name(monkeypatch, request):
    """With APP_NAME="Orders API" in the environment, the API's title is "Orders API"."""
    monkeypatch.setenv("APP_NAME", "Orders API")
    client = request.getfixturevalue("client")  # the app is imported now, with APP_NAME set
    title = client.get("/openapi.json", headers=IDENTITY).json().get("info", {}).get("title")
    assert title == "Orders API", f"GET /openapi.json with APP_NAME='Orders API' → expected that title, got {title!r}"


# -- Gunicorn, for real ------------------------------------------------------------------


@pytest.mark.rule(1)
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


@pytest.mark.rule(4, 6, 7)
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
@pytest.mark.rule(7)
def test_worker_count_is_web_concurrency_or_one_per_core(kata_file, run_command):
    """gunicorn.conf.py asks for WEB_CONCURRENCY workers, or one per CPU core when it is unset."""
    from_env = gunicorn_settings(run_command, kata_file, cores=5, WEB_CONCURRENCY="3").get("workers")
    assert from_env == "3", f"gunicorn --print-config with WEB_CONCURRENCY=3 on 5 cores → expected workers = 3, got {from_env}"
    from_cores = gunicorn_settings(run_command, kata_file, cores=5).get("workers")
    assert from_cores == "5", f"gunicorn --print-config with WEB_CONCURRENCY unset on 5 cores → expected workers = 5, got {from_cores}"


@pytest.mark.rule(5, 8)
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


@pytest.mark.rule(5, 8)
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


@pytest.mark.rule(5, 9)
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
        prefixed = http.get("/api/whoami")
    assert {"url": "/api"} in servers, f"GET /openapi.json with ROOT_PATH=/api → expected servers to list {{'url': '/api'}}, got {servers}"
    assert prefixed.status_code == 404, (
        f"GET /api/whoami with ROOT_PATH=/api → expected 404 (the proxy strips the prefix; only the server knows it),"
        f" got {prefixed.status_code}: {prefixed.text[:120]}"
    )


@pytest.mark.rule(9)
def test_the_app_itself_knows_no_prefix(monkeypatch, request):
    """Served without Gunicorn, the app adds no prefix even with ROOT_PATH=/api set: the prefix is the server's setting."""
    monkeypatch.setenv("ROOT_PATH", "/api")
    client = request.getfixturevalue("client")  # the app is imported now, with ROOT_PATH set
    response = client.get("/whoami", headers=IDENTITY)
    assert response.status_code == 200, f"GET /whoami → expected 200, got {response.status_code}: {response.text}"
    url = json_body(response).get("url")
    assert url == "http://testserver/whoami", (
        f"GET /whoami in-process with ROOT_PATH=/api → expected url 'http://testserver/whoami', got {url!r}"
        " (set root_path on the Uvicorn workers, not FastAPI(root_path=...))"
    )


@pytest.mark.rule(8)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
def test_by_default_only_127_0_0_1_is_trusted(serve, kata_file, run_command):
    """With FORWARDED_ALLOW_IPS unset, X-Forwarded-* from another address (127.0.0.2) change nothing."""
    server = start_gunicorn(serve, kata_file, WEB_CONCURRENCY="1")
    command = [sys.executable, "-c", FROM_ADDRESS, str(server.port), "127.0.0.2", "/whoami", json.dumps(PROXY_HEADERS)]
    answer = last_json_line(run_command(command, timeout=20), "GET /whoami from 127.0.0.2")
    sent = "GET /whoami from 127.0.0.2 with X-Forwarded-* headers, FORWARDED_ALLOW_IPS unset"
    assert "error" not in answer, f"{sent} → the request failed: {answer.get('error')}"
    assert answer["status"] == 200, f"{sent} → expected 200, got {answer['status']}: {answer['body'][:200]}"
    expected = {"url": "http://shop.example.com/whoami", "client": "127.0.0.2"}
    try:
        body = json.loads(answer["body"])
    except ValueError:
        body = answer["body"][:200]
    assert body == expected, f"{sent} → expected them ignored {expected} (trust only 127.0.0.1), got {body}"


@pytest.mark.rule(6)
@pytest.mark.kata_timeout(60)
def test_workers_are_uvicorn_worker_from_uvicorn_worker(kata_file, run_command):
    """Gunicorn's worker_class is uvicorn_worker.UvicornWorker or a subclass (not the deprecated uvicorn.workers one)."""
    conf = companion(kata_file, "gunicorn.conf.py")
    command = [sys.executable, "-c", WORKER_CLASS, "-c", str(conf), "--chdir", str(kata_file.parent), f"{kata_file.stem}:app"]
    result = run_command(command, cwd=kata_file.parent, timeout=25)
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    if result.returncode != 0 or not lines:
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
        pytest.fail(f"gunicorn -c {conf.name}: reading worker_class failed ({result.returncode}): {tail}", pytrace=False)
    classes = json.loads(lines[-1])
    names = [name for name in classes if name.endswith(".UvicornWorker")]
    assert not any(name.startswith("uvicorn.workers.") for name in classes), (
        f"gunicorn.conf.py → worker_class is built on uvicorn.workers.UvicornWorker (deprecated), got {classes[0]}:"
        " use uvicorn_worker.UvicornWorker"
    )
    assert any(name.startswith("uvicorn_worker.") for name in names), (
        f"gunicorn.conf.py → expected worker_class uvicorn_worker.UvicornWorker (or a subclass), got {classes[0]}"
    )


@pytest.mark.rule(1)
@pytest.mark.kata_timeout(40)
def test_without_database_url_the_app_raises_naming_it(kata_file, run_command, monkeypatch):
    """Without DATABASE_URL, starting the app raises an error naming DATABASE_URL (no sys.exit())."""
    monkeypatch.delenv("DATABASE_URL")
    result = run_command([sys.executable, "-c", START_APP, str(kata_file)], cwd=kata_file.parent, timeout=30)
    answer = last_json_line(result, "importing and starting the app without DATABASE_URL")
    sent = "importing and starting the app without DATABASE_URL"
    assert "exit" not in answer, (
        f"{sent} → sys.exit({answer.get('exit')}) was called: let the exception propagate (a worker that exits"
        " is started again by Gunicorn)"
    )
    assert "raised" in answer, f"{sent} → expected it to refuse (an exception naming DATABASE_URL), but it started"
    assert "database_url" in answer["raised"].lower(), f"{sent} → expected an error naming DATABASE_URL, got {answer['raised'][:160]}"


# -- the Dockerfile, read as Docker reads it -------------------------------------------------


@pytest.mark.rule(10)
def test_dockerfile_uses_a_slim_python_base(kata_file):
    """The image the Dockerfile ends with is built on a slim base (python:3.x-slim)."""
    docker = dockerfile(kata_file)
    image = docker.image()
    root = image.chain[0]
    base = image.base
    tag = base.rsplit("/", 1)[-1].partition(":")[2].split("@")[0]
    shown = f"FROM {root.written_base}" + (f" (= {base})" if base != root.written_base else "")
    assert "slim" in tag, f"Dockerfile → expected a slim base image such as python:3.12-slim, got {shown}"


@pytest.mark.rule(11)
def test_dockerfile_runs_as_a_non_root_user(kata_file):
    """The container runs as a user other than root, one the Dockerfile creates (or a numeric uid)."""
    image = dockerfile(kata_file).image()
    assert image.user is not None, "Dockerfile → expected a USER line: without one the server runs as root"
    user = image.user.split(":")[0].strip()
    assert user not in ("root", "0", ""), f"Dockerfile → expected a non-root USER, got USER {image.user or '(empty)'}"
    if not (user.isdigit() or user == "nobody"):
        created = any(
            re.search(r"\b(useradd|adduser)\b", step.command) and re.search(rf"(?<![\w-]){re.escape(user)}(?![\w-])", step.command)
            for step in image.steps
            if step.copy is None
        )
        assert created, f"Dockerfile → USER {user}, but no RUN useradd/adduser of the final image creates {user!r}"


@pytest.mark.rule(12)
def test_dockerfile_cmd_runs_gunicorn_in_exec_form(kata_file):
    """The CMD is in exec form (a JSON list) and runs gunicorn with gunicorn.conf.py, serving <module>:app."""
    image = dockerfile(kata_file).image()
    argv, why = server_command(image)
    assert argv is not None, (
        f'Dockerfile → expected CMD in exec form (CMD ["gunicorn", ...]), got {why}\n'
        "In shell form /bin/sh is PID 1 and the SIGTERM of docker stop never reaches gunicorn."
    )
    args = gunicorn_args(argv)
    assert args is not None, f"Dockerfile → expected the command to run gunicorn, got {argv}"
    target = f"{kata_file.stem}:app"
    assert target in args, f"Dockerfile → expected gunicorn to serve {target}, got {argv}"
    args = all_gunicorn_args(image, args)
    configs = option_values(args, "-c", "--config")
    if configs and configs[-1].startswith("python:"):
        return  # a config module on the Python path: nothing to find by name
    config = posixpath.join(image.workdir, configs[-1] if configs else "gunicorn.conf.py")
    config = posixpath.normpath(config)
    where = copied_into(image, "gunicorn.conf.py")
    assert config in where, (
        f"Dockerfile → gunicorn reads {config}, but gunicorn.conf.py is copied to {', '.join(where) or 'nowhere'}"
    )
    folders = {image.workdir, *(posixpath.join(image.workdir, d) for d in option_values(args, "", "--chdir"))}
    folders |= {posixpath.join(image.workdir, d) for d in option_values(args, "", "--pythonpath") for d in d.split(",")}
    folders |= {d for d in image.env.get("PYTHONPATH", "").split(":") if d}
    modules = copied_into(image, f"{kata_file.stem}.py")
    assert any(posixpath.dirname(m) in {posixpath.normpath(f) for f in folders} for m in modules), (
        f"Dockerfile → gunicorn imports {target} from {image.workdir}, but {kata_file.stem}.py is copied to"
        f" {', '.join(modules) or 'nowhere'}"
    )


@pytest.mark.rule(13)
@pytest.mark.kata_timeout(60)
def test_dockerfile_server_listens_on_all_interfaces(kata_file, run_command):
    """In the container, gunicorn binds 0.0.0.0 (CMD --bind, ENV PORT or bind in gunicorn.conf.py), not 127.0.0.1."""
    image = dockerfile(kata_file).image()
    argv, _ = server_command(image)
    if argv is None:  # a shell-form CMD fails another test; read its words anyway
        argv = shlex.split(image.cmd) if isinstance(image.cmd, str) else []
    from_env = shlex.split(image.env.get("GUNICORN_CMD_ARGS", ""))
    binds = option_values(gunicorn_args(argv) or [], "-b", "--bind") or option_values(from_env, "-b", "--bind")
    if binds:  # the command line wins over GUNICORN_CMD_ARGS, which wins over gunicorn.conf.py
        where = f"--bind {' '.join(binds)}"
        ok = all(binds_all_interfaces(bind) for bind in binds)
    else:  # gunicorn.conf.py's bind, or Gunicorn's default (0.0.0.0:$PORT when the image sets PORT)
        port = {"PORT": image.env["PORT"]} if "PORT" in image.env else {}
        bind = gunicorn_settings(run_command, kata_file, **port).get("bind", "?")
        where = f"bind = {bind} (gunicorn.conf.py{', ENV PORT=' + port['PORT'] if port else ''})"
        ok = bool(re.fullmatch(r"\['(0\.0\.0\.0|\[::\])?:\d+'\]", bind))
    assert ok, (
        f"Dockerfile → expected gunicorn to listen on 0.0.0.0 and a port number in the container, got {where}\n"
        "127.0.0.1 inside a container is reachable only from inside that container."
    )


@pytest.mark.rule(14)
def test_dockerfile_installs_dependencies_before_copying_the_code(kata_file):
    """Dependencies are installed before the app's code is copied, so code edits reuse the cached layer."""
    docker = dockerfile(kata_file)
    stem = kata_file.stem
    for stage in docker.stages:
        code_seen = False
        for step in docker.image(stage).steps:
            code_seen = code_seen or brings_code(step, stem)
            if code_seen and step.copy is None and installs_dependencies(step.command):
                pytest.fail(
                    f"Dockerfile → {step.instruction.shown()} comes after the code is copied: every code edit reinstalls everything",
                    pytrace=False,
                )
    steps = docker.image().steps
    first_code = next((n for n, step in enumerate(steps) if brings_code(step, stem)), None)
    assert first_code is not None, f"Dockerfile → expected a COPY of the app code ({stem}.py, or .) into the image"
    assert any(brings_dependencies(docker, step) for step in steps[:first_code]), (
        "Dockerfile → expected a RUN pip install (of requirements.txt) before the app code is copied"
    )


@pytest.mark.rule(15)
def test_dockerfile_bakes_in_no_database_url(kata_file):
    """No ENV sets DATABASE_URL and no ARG gives it a value: configuration comes at run time."""
    docker = dockerfile(kata_file)
    if docker.global_args.get("DATABASE_URL") is not None:
        pytest.fail("Dockerfile → ARG DATABASE_URL=… bakes the setting into the image; pass it with docker run -e", pytrace=False)
    for stage in docker.stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("ENV", "ARG"):
                continue
            pairs = parse_pairs(instruction.arguments, instruction.keyword, allow_bare=instruction.keyword == "ARG")
            baked = any(name == "DATABASE_URL" and value is not None for name, value in pairs)
            assert not baked, (
                f"Dockerfile → {instruction.shown(60)} bakes the setting into the image; pass DATABASE_URL with docker run -e"
            )
