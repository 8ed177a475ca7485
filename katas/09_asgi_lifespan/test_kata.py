"""Kata 09 · ASGI, Uvicorn, startup and shutdown: a pure ASGI middleware, a lifespan, a raw ASGI app.

The first tests use the `client` fixture (Starlette's TestClient beside the app, lifespan
included); what must happen beside the app itself (a client whose lifespan never ran, a
lifespan started and stopped on the test's say-so, the middleware list, raw ASGI lifespan and
websocket conversations) is done by the kata's probes.py, which reports what happened. The
last tests run the graded app under a real Uvicorn process on 127.0.0.1 and stop it with a signal.
"""

import base64
import json
import math
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

SHUTDOWN_ENV = "KATA_SHUTDOWN_FILE"
HEADER = "x-process-time"
NOT_LOADED = {"detail": "model not loaded"}
LIFESPAN_WAIT = 5.0  # seconds the lifespan conversation waits for each answer
WEBSOCKET_WAIT = 3.0  # seconds the websocket conversation waits for each answer


@pytest.fixture
def shutdown_file(shared_tmp_path, monkeypatch):
    """A report path in KATA_SHUTDOWN_FILE, set before the graded file is imported."""
    path = shared_tmp_path / "shutdown-report.json"
    monkeypatch.setenv(SHUTDOWN_ENV, str(path))
    return path


def process_time(response, sent: str) -> float:
    """The X-Process-Time header as a number, or a failed test that says what came back."""
    raw = response.headers.get(HEADER)
    assert raw is not None, f"{sent} → expected an X-Process-Time header, got headers {dict(response.headers)}"
    try:
        value = float(raw)
    except ValueError:
        pytest.fail(f"{sent} → expected X-Process-Time to be a number of seconds, got {raw!r}", pytrace=False)
    assert math.isfinite(value) and value >= 0, f"{sent} → expected X-Process-Time ≥ 0 seconds, got {raw!r}"
    return value


def read_report(path, how: str, output: str = "") -> dict:
    assert path.is_file(), f"{how} → expected the shutdown to write {SHUTDOWN_ENV}, but no file appeared. {output}"
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError:
        pytest.fail(f"{how} → expected JSON in {SHUTDOWN_ENV}, got {text!r}", pytrace=False)


def slow_chunks(chunks: list[bytes], pause: float) -> Iterator[bytes]:
    """A request body uploaded piece by piece, pausing between pieces."""
    for index, chunk in enumerate(chunks):
        if index:
            time.sleep(pause)
        yield chunk


def uvicorn_logging_info(kata_file) -> list[str]:
    """Uvicorn serving the graded app, at log level info: it then says when the shutdown completed."""
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(kata_file.parent), f"{kata_file.stem}:app",
        "--host", "127.0.0.1", "--port", "{port}", "--log-level", "info",
    ]  # fmt: skip


SHUTDOWN_COMPLETE = "Application shutdown complete"


def check_clean_stop(server, code: int | None, stop_with: signal.Signals, how: str) -> None:
    """After ``server.stop(stop_with)`` gave ``code``: the shutdown completed and the process ended by itself."""
    output = server.output()
    assert "Application shutdown failed" not in output, f"{how} → the shutdown raised. {last_lines(server)}"
    assert code in (0, -stop_with), f"{how} → expected a clean exit, got exit code {code}. {last_lines(server)}"
    assert SHUTDOWN_COMPLETE in output, (
        f"{how} → the shutdown never completed (Uvicorn did not log '{SHUTDOWN_COMPLETE}'):"
        f" does it end the process itself? {last_lines(server)}"
    )


def last_lines(server, count: int = 3) -> str:
    lines = [line for line in server.output().splitlines() if line.strip()]
    return ("Uvicorn printed: " + " | ".join(lines[-count:])) if lines else ""


def answered(outcome: dict, sent: str) -> httpx.Response:
    """The response a probe's request got, or a failed test saying what the app raised instead."""
    if "error" in outcome:
        pytest.fail(f"{sent} → the app raised {outcome['error']}", pytrace=False)
    data = outcome["response"]
    return httpx.Response(
        data["status"], headers=[tuple(pair) for pair in data["headers"]], content=base64.b64decode(data["body"])
    )


@contextmanager
def started_lifespan(learner, what: str) -> Iterator[None]:
    """A client entered beside the app, as a server runs it: the startup on entry, the shutdown on exit."""
    started = learner.probe("start_lifespan")
    if "error" in started:
        pytest.fail(f"{what}: starting the app (its lifespan startup) failed: {started['error']}", pytrace=False)
    try:
        yield
    except BaseException:
        learner.probe("stop_lifespan")
        raise
    stopped = learner.probe("stop_lifespan")
    if "error" in stopped:
        pytest.fail(f"{what}: stopping the app (its lifespan shutdown) failed: {stopped['error']}", pytrace=False)


def report_after(learner, shutdown_file, texts: list[str], how: str) -> dict:
    """Start the app, POST /predict each text (each must answer 200), stop it: the report it wrote."""
    with started_lifespan(learner, how):
        for text in texts:
            response = in_lifespan(learner, text)
            assert response.status_code == 200, (
                f'{how}: POST /predict {{"text": "{text}"}} → expected 200, got {response.status_code}: {response.text}'
            )
    return read_report(shutdown_file, how)


def in_lifespan(learner, text: str) -> httpx.Response:
    sent = f'POST /predict {{"text": "{text}"}}'
    return answered(learner.probe("request_in_lifespan", "POST", "/predict", {"text": text}), sent)


def lifespan_problem(steps: list[dict]) -> str | None:
    """What went wrong in the lifespan conversation the probe held with the app; None when both events completed."""
    for step in steps:
        event = step["sent"]
        if "returned" in step:
            why = f" ({step['returned']})" if step["returned"] else ""
            return (
                f"the app returned without answering {event}{why}: does your middleware pass"
                " lifespan scopes on to the app?"
            )
        if step.get("timed_out"):
            return f"no answer to {event} within {LIFESPAN_WAIT:g} s"
        answer = step["answer"]
        if answer.get("type") == f"{event}.failed":
            lines = [line.strip() for line in str(answer.get("message", "")).splitlines() if line.strip()]
            return f"{event} → the app answered {event}.failed: {lines[-1] if lines else 'no message'}"
        if answer.get("type") != f"{event}.complete":
            return f"{event} → expected {event}.complete, got {answer}"
    if len(steps) < 2:
        return "the lifespan conversation ended early"
    return None


def websocket_problem(outcome: dict, waiting_for: str) -> str | None:
    if "returned" in outcome:
        why = f" ({outcome['returned']})" if outcome["returned"] else ""
        return f"the app returned without {waiting_for}{why}"
    if outcome.get("timed_out"):
        return f"no {waiting_for} within {WEBSOCKET_WAIT:g} s"
    return None


def websocket_answers(report: dict, texts: list[str]) -> tuple[str | None, dict, list]:
    """(problem, accept message, JSON answers) from the websocket conversation the probe held."""
    accept = report["accept"].get("message")
    problem = websocket_problem(report["accept"], "accepting the connection (websocket.accept)")
    if problem is None and accept["type"] != "websocket.accept":
        problem = f"expected websocket.accept, got {accept}"
    answers: list = []
    replies = report["replies"]
    for index, text in enumerate(texts if problem is None else []):
        reply = replies[index] if index < len(replies) else {"timed_out": True}
        problem = websocket_problem(reply, f"answer to {text!r}")
        if problem is not None:
            break
        message = reply["message"]
        if message.get("type") != "websocket.send":
            problem = f"sent {text!r}, expected a websocket.send, got {message}"
            break
        try:
            answers.append(json.loads(message.get("text") or message.get("bytes") or ""))
        except ValueError:
            problem = f"sent {text!r}, expected a JSON answer, got {message}"
            break
    return problem, accept or {}, answers


# -- the lifespan, through the TestClient ------------------------------------------------------


@pytest.mark.rule(1, 3)
def test_predict_uses_the_model_loaded_at_startup(client):
    """POST /predict {"text": "good great"} answers 200 {"score": 3.0} once the app has started."""
    response = client.post("/predict", json={"text": "good great"})
    assert response.status_code == 200, (
        f'POST /predict {{"text": "good great"}} → expected 200, got {response.status_code}: {response.text}'
    )
    assert response.json() == {"score": 3.0}, (
        f'POST /predict {{"text": "good great"}} → expected {{"score": 3.0}}, got {response.text}'
    )


GIVEN_WEIGHTS = {"good": 1.0, "great": 2.0, "love": 2.0, "bad": -1.0, "awful": -2.0, "hate": -2.0}


@pytest.mark.rule(3)
def test_predict_scores_each_word_with_the_given_model(client):
    """POST /predict scores each word of the given SentimentModel with its weight ("hate" → -2.0)."""
    for word, weight in GIVEN_WEIGHTS.items():
        response = client.post("/predict", json={"text": word})
        assert response.status_code == 200, (
            f'POST /predict {{"text": "{word}"}} → expected 200, got {response.status_code}: {response.text}'
        )
        assert response.json() == {"score": weight}, (
            f'POST /predict {{"text": "{word}"}} → expected {{"score": {weight}}} (the given model, unchanged),'
            f" got {response.text}"
        )

@pytest.mark.rule(3)
def test_predict_refuses_a_body_without_text(client):
    """POST /predict with a body that is not {"text": <a string>} answers 422 (the given PredictIn, unchanged)."""
    for body in ({}, {"text": 5}, {"text": None}, {"words": "good"}):
        response = client.post("/predict", json=body)
        assert response.status_code == 422, f"POST /predict {json.dumps(body)} → expected 422, got {response.status_code}: {response.text}"


@pytest.mark.rule(1, 3)
def test_no_model_before_startup(learner):
    """Before the lifespan has run, POST /predict answers 503 {"detail": "model not loaded"}."""
    sent = "POST /predict without startup"
    response = answered(learner.probe("request_without_startup", "POST", "/predict", {"text": "good"}), sent)
    assert response.status_code == 503, (
        f"POST /predict without startup → expected 503 (load the model in the lifespan, not at import"
        f" or on first use), got {response.status_code}: {response.text}"
    )
    assert response.json() == NOT_LOADED, f"POST /predict without startup → expected {NOT_LOADED}, got {response.text}"


@pytest.mark.rule(2, 3)
def test_model_is_released_at_shutdown(learner):
    """After shutdown, the model is gone: POST /predict answers 503 again."""
    with started_lifespan(learner, "POST /predict after startup"):
        during = in_lifespan(learner, "good")
    assert during.status_code == 200, f"POST /predict after startup → expected 200, got {during.status_code}: {during.text}"
    after = answered(learner.probe("request_without_startup", "POST", "/predict", {"text": "good"}), "POST /predict after shutdown")
    assert after.status_code == 503, (
        f"POST /predict after shutdown → expected 503 (release the model), got {after.status_code}: {after.text}"
    )
    assert after.json() == NOT_LOADED, f"POST /predict after shutdown → expected {NOT_LOADED}, got {after.text}"


@pytest.mark.rule(2, 3)
@pytest.mark.points(2)
def test_shutdown_writes_the_report(shutdown_file, learner):
    """At shutdown, the app writes {"predictions": N} to the file named by KATA_SHUTDOWN_FILE."""
    with started_lifespan(learner, "3 predictions, then shutdown"):
        for text in ("good", "bad", "great day"):
            response = in_lifespan(learner, text)
            assert response.status_code == 200, (
                f'POST /predict {{"text": "{text}"}} → expected 200, got {response.status_code}: {response.text}'
            )
        assert not shutdown_file.exists(), (
            f"3 predictions, app still running → expected no report yet, found {shutdown_file.read_text()!r}"
        )
    report = read_report(shutdown_file, "3 predictions, then shutdown")
    assert report == {"predictions": 3}, f'3 predictions, then shutdown → expected {{"predictions": 3}}, got {report}'


@pytest.mark.rule(1, 2)
def test_each_startup_loads_a_fresh_model(shutdown_file, learner):
    """A second startup loads a new model: its report counts only its own predictions."""
    first = report_after(learner, shutdown_file, ["good", "bad"], "1st run: 2 predictions, then shutdown")
    assert first == {"predictions": 2}, f'1st run: 2 predictions, then shutdown → expected {{"predictions": 2}}, got {first}'
    second = report_after(learner, shutdown_file, ["love"], "2nd run of the same app: 1 prediction, then shutdown")
    assert second == {"predictions": 1}, (
        f'2nd run: 1 prediction, then shutdown → expected {{"predictions": 1}}, got {second}'
        " (create the model in the lifespan, not when the file is imported)"
    )


@pytest.mark.rule(2)
def test_no_report_without_the_variable(learner, monkeypatch):
    """With KATA_SHUTDOWN_FILE unset, the app writes no file at all, at startup or shutdown."""
    monkeypatch.delenv(SHUTDOWN_ENV, raising=False)
    outcome = learner.probe("writes_around_lifespan", ["good", "bad"])
    if "error" in outcome:
        pytest.fail(f"{SHUTDOWN_ENV} unset, 2 predictions, then shutdown: {outcome['error']}", pytrace=False)
    statuses = outcome["statuses"]
    assert statuses == [200, 200], f"{SHUTDOWN_ENV} unset: POST /predict ×2 → expected 200 200, got {statuses}"
    writes = [f"{w['where']}: open({w['path']!r}, {w['mode']!r})" for w in outcome["writes"]]
    assert not writes, f"{SHUTDOWN_ENV} unset, 2 predictions, then shutdown → expected no file written, got {'; '.join(writes)}"


# -- the middleware ----------------------------------------------------------------------------


@pytest.mark.rule(5)
def test_middleware_is_pure_asgi(learner):
    """The timing middleware is registered on the app as pure ASGI middleware, not BaseHTTPMiddleware."""
    registered = learner.probe("describe_middleware")["middleware"]
    assert registered, "app.user_middleware → expected your middleware (app.add_middleware(...)), found none"
    based = [m["shown"] for m in registered if m["base_http"]]
    assert not based, (
        f"app.user_middleware → expected a pure ASGI middleware, found BaseHTTPMiddleware [{', '.join(based)}]"
        " (@app.middleware('http') registers one)"
    )


@pytest.mark.rule(5)
@pytest.mark.points(2)
def test_every_http_response_has_x_process_time(client):
    """Every HTTP response carries X-Process-Time in seconds: 200, 422, 404 and the raw app's."""
    requests = [
        ("POST /predict (valid)", lambda: client.post("/predict", json={"text": "good"}), "application/json"),
        ("POST /predict (no text)", lambda: client.post("/predict", json={}), "application/json"),
        ("GET /no-such-page", lambda: client.get("/no-such-page"), "application/json"),
        ("GET /raw/hello", lambda: client.get("/raw/hello"), "text/plain"),
    ]
    for sent, send, kind in requests:
        response = send()
        value = process_time(response, sent)
        assert value < 5, f"{sent} → expected X-Process-Time in seconds (well under 5), got {value}"
        shown = response.headers.get("content-type")
        assert (shown or "").startswith(kind), (
            f"{sent} → expected X-Process-Time added to the app's headers (content-type {kind} kept), got content-type {shown!r}"
        )


@pytest.mark.rule(1, 5)
def test_lifespan_runs_through_the_middleware(learner):
    """With the middleware in place, the lifespan still runs: the model answers, timed."""
    problem = lifespan_problem(learner.probe("lifespan_conversation", LIFESPAN_WAIT))
    assert problem is None, f"lifespan scope → {problem}"
    with started_lifespan(learner, 'POST /predict {"text": "love"}'):
        response = in_lifespan(learner, "love")
    process_time(response, 'POST /predict {"text": "love"}')
    assert response.status_code == 200, (
        f'POST /predict {{"text": "love"}} with the middleware → expected 200 (the lifespan must reach'
        f" the app), got {response.status_code}: {response.text}"
    )


@pytest.mark.rule(4, 5)
def test_websocket_passes_through_the_middleware(client, learner):
    """/ws answers each text with {"score": ...}, through the middleware, with no timing header."""
    timed = client.post("/predict", json={"text": "good"})
    assert HEADER in timed.headers, (
        "websocket /ws is graded with your middleware in place: register it first"
        f" (POST /predict had no X-Process-Time, headers {dict(timed.headers)})"
    )
    texts = ["awful bad", "I love it"]
    problem, accept, answers = websocket_answers(learner.probe("websocket_conversation", texts, WEBSOCKET_WAIT), texts)
    assert problem is None, f"websocket /ws → {problem}"
    names = {str(name).lower() for name, _ in accept.get("headers", [])}
    assert HEADER not in names, (
        "websocket /ws → expected the middleware to leave websockets alone, but the handshake got X-Process-Time"
    )
    for text, answer, score in zip(texts, answers, (-3.0, 2.0)):
        assert answer == {"score": score}, f"websocket /ws sent {text!r} → expected {{'score': {score}}}, got {answer}"


# -- the raw ASGI app --------------------------------------------------------------------------


@pytest.mark.rule(6)
def test_raw_app_answers_with_the_path_inside_the_mount(client):
    """GET /raw/hello/world answers 200 text/plain "GET /hello/world" plus a newline."""
    response = client.get("/raw/hello/world")
    assert response.status_code == 200, f"GET /raw/hello/world → expected 200, got {response.status_code}: {response.text}"
    assert response.headers.get("content-type", "").startswith("text/plain"), (
        f"GET /raw/hello/world → expected content-type text/plain, got {response.headers.get('content-type')!r}"
    )
    assert response.text == "GET /hello/world\n", f"GET /raw/hello/world → expected 'GET /hello/world\\n', got {response.text!r}"
    deep = client.get("/raw/a/raw/b")  # only the mount's own prefix goes
    assert deep.text == "GET /a/raw/b\n", f"GET /raw/a/raw/b → expected 'GET /a/raw/b\\n', got {deep.text!r}"


@pytest.mark.rule(6)
def test_raw_app_speaks_only_asgi_messages(learner):
    """The app mounted at /raw answers with ASGI messages only: no Starlette Request or Response inside."""
    sent = "POST /raw/echo 'ab','cd' straight to the mounted app"
    report = learner.probe("raw_app_conversation", "POST", "/echo", ["ab", "cd"])
    if "problem" in report:
        pytest.fail(f"{sent} → {report['problem']}", pytrace=False)
    if "returned" in report:
        pytest.fail(f"{sent} → the app raised {report['returned'] or 'nothing but sent no answer'}", pytrace=False)
    if report.get("timed_out"):
        pytest.fail(f"{sent} → no complete answer within 3 s (read messages until more_body is false)", pytrace=False)
    body = "".join(str(m.get("body", "")) for m in report["messages"] if m.get("type") == "http.response.body")
    assert body == "POST /echo\nabcd", f"{sent} → expected 'POST /echo\\nabcd', got {body!r}"
    assert not report["framework"], (
        f"{sent} → expected plain ASGI messages, but it used Starlette's {', '.join(report['framework'])}"
        " (send http.response.start and http.response.body yourself)"
    )


@pytest.mark.rule(6)
def test_raw_app_echoes_the_request_body(client):
    """POST /raw/echo with the body "ping" answers "POST /echo", a newline, then "ping"."""
    response = client.post("/raw/echo", content=b"ping")
    assert response.status_code == 200, f"POST /raw/echo 'ping' → expected 200, got {response.status_code}: {response.text}"
    assert response.text == "POST /echo\nping", f"POST /raw/echo 'ping' → expected 'POST /echo\\nping', got {response.text!r}"


# -- under a real Uvicorn ----------------------------------------------------------------------


@pytest.mark.kata_timeout(30)
@pytest.mark.rule(1, 3)
def test_uvicorn_serves_the_startup_model(serve):
    """Under Uvicorn, the first POST /predict is answered by the model loaded at startup."""
    server = serve()
    with server.client(timeout=5) as http:
        response = http.post("/predict", json={"text": "great"})
    assert response.status_code == 200, (
        f"Uvicorn: POST /predict → expected 200, got {response.status_code}: {response.text} {last_lines(server)}"
    )
    assert response.json() == {"score": 2.0}, f'Uvicorn: POST /predict {{"text": "great"}} → expected {{"score": 2.0}}, got {response.text}'
    process_time(response, "Uvicorn: POST /predict")


@pytest.mark.kata_timeout(30)
@pytest.mark.rule(5)
def test_x_process_time_measures_the_request(serve):
    """Under Uvicorn, X-Process-Time covers the wait for a slow body (≥ 0.3 s) and is small for a quick one."""
    server = serve()
    with server.client(timeout=10) as http:
        body = slow_chunks([b'{"text": "go', b"od gr", b'eat"}'], pause=0.3)
        slow = http.post("/predict", content=body, headers={"content-type": "application/json"})
        quick = http.post("/predict", json={"text": "good"})
    slow_time = process_time(slow, "Uvicorn: POST /predict, body sent over 0.6 s")
    quick_time = process_time(quick, "Uvicorn: POST /predict, quick")
    assert 0.3 <= slow_time < 30, (
        f"Uvicorn: POST /predict, body sent over 0.6 s → expected X-Process-Time between 0.3 and 30 seconds,"
        f" got {slow_time} (start the clock when the request comes in, stop it when the response starts)"
    )
    assert quick_time < slow_time, (
        f"Uvicorn: a quick POST /predict after a 0.6 s one → expected a smaller X-Process-Time, got"
        f" {quick_time} vs {slow_time} (start the clock for each request)"
    )


@pytest.mark.kata_timeout(30)
@pytest.mark.rule(6)
def test_raw_app_reads_a_body_that_arrives_in_pieces(serve):
    """Under Uvicorn, the raw app echoes a body uploaded in three pieces, not just the first."""
    server = serve()
    with server.client(timeout=10) as http:
        response = http.post("/raw/upload", content=slow_chunks([b"one,", b"two,", b"three"], pause=0.1))
    assert response.status_code == 200, (
        f"Uvicorn: POST /raw/upload in 3 pieces → expected 200, got {response.status_code}: {response.text} {last_lines(server)}"
    )
    assert response.text == "POST /upload\none,two,three", (
        f"Uvicorn: POST /raw/upload 'one,' 'two,' 'three' → expected 'POST /upload\\none,two,three',"
        f" got {response.text!r} (read messages until more_body is false)"
    )


@pytest.mark.rule(2, 7)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(30)
@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown_under_uvicorn(serve, kata_file, shared_tmp_path, stop_with):
    """Under Uvicorn, stopping the server with a signal runs the shutdown, which writes the report."""
    report_path = shared_tmp_path / "shutdown-report.json"
    server = serve(command=uvicorn_logging_info(kata_file), env={SHUTDOWN_ENV: str(report_path)})
    how = f"Uvicorn: 2 predictions, then {stop_with.name}"
    with server.client(timeout=5) as http:
        for text in ("good", "hate"):
            response = http.post("/predict", json={"text": text})
            assert response.status_code == 200, (
                f'Uvicorn: POST /predict {{"text": "{text}"}} → expected 200, got {response.status_code}: {response.text}'
            )
    assert not report_path.exists(), f"{how}: server still running → expected no report yet, found {report_path.read_text()!r}"
    code = server.stop(stop_with)
    report = read_report(report_path, f"{how} (exit code {code})", last_lines(server))
    assert report == {"predictions": 2}, f'{how} → expected {{"predictions": 2}}, got {report}'
    check_clean_stop(server, code, stop_with, how)


LISTING = "import json, os, sys; print(json.dumps(sorted(os.listdir(sys.argv[1]))))"


def files_in(run_command, folder) -> set[str]:
    """The names in ``folder`` as the learner's side sees it (compiled-bytecode folders left out)."""
    result = run_command([sys.executable, "-c", LISTING, str(folder)], timeout=20)
    assert result.returncode == 0, f"listing {folder} failed: {result.stderr.strip()[-200:]}"
    return set(json.loads(result.stdout)) - {"__pycache__"}


@pytest.mark.rule(2, 7)
@pytest.mark.kata_timeout(40)
def test_uvicorn_shutdown_without_the_variable_leaves_no_file(serve, kata_file, shared_tmp_path, run_command, monkeypatch):
    """Under Uvicorn with KATA_SHUTDOWN_FILE unset, SIGTERM writes no file: not in the cwd, TMPDIR or the kata folder."""
    monkeypatch.delenv(SHUTDOWN_ENV, raising=False)
    kata_folder_before = files_in(run_command, kata_file.parent)
    # An empty folder is the server's working directory and its TMPDIR.
    server = serve(command=uvicorn_logging_info(kata_file), env={"TMPDIR": str(shared_tmp_path)}, cwd=shared_tmp_path)
    how = f"Uvicorn, {SHUTDOWN_ENV} unset: 1 prediction, then SIGTERM"
    with server.client(timeout=5) as http:
        response = http.post("/predict", json={"text": "good"})
    assert response.status_code == 200, f"{how}: POST /predict → expected 200, got {response.status_code}: {response.text}"
    check_clean_stop(server, server.stop(signal.SIGTERM), signal.SIGTERM, how)
    new_here = sorted(files_in(run_command, shared_tmp_path))
    assert not new_here, f"{how} → expected no file, found {new_here} in the working folder (= TMPDIR)"
    new_there = sorted(files_in(run_command, kata_file.parent) - kata_folder_before)
    assert not new_there, f"{how} → expected no file, found {new_there} next to {kata_file.name}"
